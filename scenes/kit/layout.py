"""The frame's bands, in one place: the title at the top, the caption at the bottom, the
body between them, and the margins at the frame's edges.

Every scene puts its title ``EDGE_BUFF`` below the top edge and its caption ``EDGE_BUFF``
above the bottom edge (kit/base.py, kit/widgets/caption.py). What each family of scenes
keeps free above and below its body differs with what sits there (a product line above
the caption in the grid scenes, nothing in the plots), so each family's ``Bands`` is named
here, side by side, instead of being re-declared in its module.
"""

from __future__ import annotations

from typing import NamedTuple

TITLE_FONT_SIZE = 34
LABEL_FONT_SIZE = 22
CAPTION_FONT_SIZE = 24
# Between the frame's edge and the title (top) or the caption (bottom), and the widest
# either may be: the frame's width less this on each side.
EDGE_BUFF = 0.3


class Bands(NamedTuple):
    """Room a scene keeps free for its title and its caption, and its side margins."""

    top: float  # from the frame's top edge to the body: the title band
    bottom: float  # from the frame's bottom edge to the body: caption (and product line)
    side: float  # between the frame's left or right edge and the body


# Grids with a product or formula line above the caption: conv, conv-transposed, pooling.
GRID_BANDS = Bands(top=1.05, bottom=1.75, side=0.45)
# Chains of boxes and the gradient plot: inception, residual (and cnn-shapes).
CHAIN_BANDS = Bands(top=1.05, bottom=1.0, side=0.45)
# Unrolled recurrent cells and their tables: rnn-unroll, rnn-layers, embedding.
SEQUENCE_BANDS = Bands(top=1.0, bottom=0.85, side=0.45)
# A computation graph with its value and gradient lines below it: backprop.
GRAPH_BANDS = Bands(top=0.95, bottom=1.75, side=0.4)
# Bars with a panel of formulas beside them: softmax.
CHART_BANDS = Bands(top=1.2, bottom=1.1, side=0.4)
# A plot with a table beside it: logistic regression.
PLOT_BANDS = Bands(top=1.2, bottom=1.0, side=0.5)
# Curves of activation functions and their derivatives: activation.
CURVE_BANDS = Bands(top=1.3, bottom=1.0, side=0.5)
