"""Typed matrices (`--set input=...`, `--set kernel=...`): parsed exactly, sizes follow them,
and any other text is a one-line error naming the parameter."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.conv_params import NAMED_KERNELS
from explain.mlcore.params import ParamError
from explain.scenes.registry import get
from tests.conftest import build_trace

# Numbers as a lecturer types them: integers, halves, and two-decimal values.
NUMBERS = st.one_of(
    st.integers(-99, 99).map(float),
    st.integers(-198, 198).map(lambda v: v / 2),
    st.integers(-9900, 9900).map(lambda v: v / 100),
)


def matrix_text(rows: list[list[float]]) -> str:
    return ";".join(",".join(repr(v) for v in row) for row in rows)


def square(low: int, high: int) -> st.SearchStrategy[list[list[float]]]:
    return st.integers(low, high).flatmap(
        lambda n: st.lists(st.lists(NUMBERS, min_size=n, max_size=n), min_size=n, max_size=n)
    )


@settings(max_examples=25, deadline=None)
@given(square(3, 6), square(1, 3), st.integers(1, 3), st.integers(1, 2))
def test_typed_input_and_kernel_are_the_trace_tensors(
    x: list[list[float]], w: list[list[float]], channels: int, outs: int
) -> None:
    overrides = {
        "input": matrix_text(x),
        "kernel": matrix_text(w),
        "in_channels": str(channels),
        "out_channels": str(outs),
    }
    trace = build_trace("conv-single", **overrides)
    get("conv-single").verify(trace)
    n, k = len(x), len(w)
    assert trace.params["input_size"] == n and trace.params["kernel_size"] == k
    # One matrix is every channel's input and every kernel, exactly as typed.
    assert torch.equal(torch.tensor(trace.tensors["input"]), torch.tensor(x).expand(channels, n, n))
    assert torch.equal(
        torch.tensor(trace.tensors["weight"]), torch.tensor(w).expand(outs, channels, k, k)
    )


@settings(max_examples=20, deadline=None)
@given(square(2, 8), st.sampled_from(["maxpool", "avgpool"]))
def test_typed_pool_input_is_the_trace_input(x: list[list[float]], name: str) -> None:
    trace = build_trace(name, input=matrix_text(x))
    get(name).verify(trace)
    assert trace.params["input_size"] == len(x)
    assert trace.tensors["input"] == [x]


@pytest.mark.parametrize(("name", "rows"), NAMED_KERNELS)
def test_named_kernels_are_their_table_rows(name: str, rows: tuple) -> None:
    trace = build_trace("conv-single", kernel=name.upper())
    assert trace.tensors["weight"] == [[[list(r) for r in rows]]]
    assert trace.params["kernel"] == [list(r) for r in rows]


def test_sobel_x_on_a_vertical_edge_is_the_textbook_value() -> None:
    # Left column bright, right dark: 1*9 + 2*9 + 1*9 = 36 in the middle cell.
    trace = build_trace("conv-single", input="9,9,0;9,9,0;9,9,0", kernel="sobel-x")
    assert trace.tensors["output"] == [[[36.0]]]


def test_matching_size_is_accepted_and_conflicting_size_names_it() -> None:
    assert build_trace("conv", input="1,2;3,4", input_size="2").params["input_size"] == 2
    with pytest.raises(ParamError) as err:
        build_trace("conv", kernel="sobel-y", kernel_size="2")
    assert err.value.name == "kernel_size" and "kernel's size 3" in str(err.value)


def test_empty_text_keeps_the_seeded_values() -> None:
    assert build_trace("conv", input="").tensors == build_trace("conv").tensors


@pytest.mark.parametrize(
    ("name", "overrides", "named", "says"),
    [
        ("conv", {"kernel": "1,2;3"}, "kernel", "same length"),
        ("conv", {"kernel": "1,2,3;4,5,6"}, "kernel", "square"),
        ("conv", {"kernel": "1,2,3,4,5,6;" * 5 + "1,2,3,4,5,6"}, "kernel", "1 to 5 rows"),
        ("conv", {"input": "1;2", "kernel": "1"}, "input", "square"),
        ("conv", {"kernel": "1,x;2,3"}, "kernel", "row 1, column 2"),
        ("conv", {"kernel": "1,100;2,3"}, "kernel", "-99 to 99"),
        ("conv", {"kernel": "sobel"}, "kernel", "sobel-x"),
        ("conv", {"input": "1,2;3,4", "input_size": "3"}, "input_size", "input's size 2"),
        ("conv-single", {"input": "1,2;3,4"}, "kernel_size", "larger than the padded input"),
        ("maxpool", {"input": ";".join(["1,2,3,4,5,6,7,8,9"] * 9)}, "input", "1 to 8 rows"),
        ("avgpool", {"input": "1"}, "kernel_size", "at most input_size"),
    ],
)
def test_bad_matrices_name_the_parameter(
    name: str, overrides: dict[str, str], named: str, says: str
) -> None:
    with pytest.raises(ParamError) as err:
        build_trace(name, **overrides)
    assert err.value.name == named and says in str(err.value)
    assert "\n" not in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789,;.-+e xabn\n\t", max_size=60))
def test_any_text_is_a_matrix_or_a_one_line_error(text: str) -> None:
    entry = get("conv")
    spec = {s.name: s for s in entry.param_specs()}["kernel"]
    from explain.mlcore.params import Matrix, parse_value

    try:
        matrix = parse_value("kernel", text, Matrix, spec.limit)
    except ParamError as err:
        assert err.name == "kernel" and "\n" not in str(err)
        return
    assert all(len(row) == len(matrix) for row in matrix)
