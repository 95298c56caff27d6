"""English captions and labels. Keys are grouped by topic; zh.py has the same keys."""

STRINGS: dict[str, str] = {
    # --- shared ---
    "shape": "{name} {shape}",
    # --- convolution ---
    "conv.title": "Convolution",
    "conv.title.stride": "Convolution with stride {stride}",
    "conv.title.padding": "Convolution with padding {padding}",
    "conv.title.dilation": "Convolution with dilation {dilation}",
    "conv.title.multichannel": "Convolution over {channels} input channels",
    "conv.opt.stride": "stride {stride}",
    "conv.opt.padding": "padding {padding}",
    "conv.opt.dilation": "dilation {dilation}",
    "conv.input": "input",
    "conv.padded_input": "input, padded",
    "conv.kernel": "kernel",
    "conv.weight": "weight",
    "conv.output": "output",
    "conv.channel": "channel {c}",
    "conv.out_channel": "out {o}",
    "conv.intro": "Input {input_shape} and weight {weight_shape} give output {output_shape}.",
    "conv.intro.padding": "Padding adds {padding} ring(s) of zeros around the input (grey).",
    "conv.step.mac": "Multiply each cell under the window by the kernel cell over it and add up.",
    "conv.step.channels": "One output cell sums the products over all {channels} input channels.",
    "conv.step.stride": "The window moves {stride} cells at a time.",
    "conv.step.fast": "The same for every other window position.",
    "conv.step.next_kernel": "Kernel set {o} of the weight gives output channel {o}.",
    "conv.sum_line": "sum of channels + bias",
    "conv.formula": "output size = ⌊(i + 2p − d·(k−1) − 1) / s⌋ + 1",
    "conv.formula.values": "= ⌊({i} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 = {o}",
    "conv.outro": "Output {output_shape}, checked against torch.nn.functional.conv2d.",
    # --- optimisation (issue 3) ---
    # --- backprop (issue 4) ---
    # --- activation, logistic, softmax (issue 5) ---
    # --- pooling and CNN architecture (issue 6) ---
    # --- RNN and embeddings (issue 7) ---
}
