"""中文字幕与标签 (Chinese captions and labels), using the course's terms; same keys as en.py."""

STRINGS: dict[str, str] = {
    # --- shared ---
    "shape": "{name} {shape}",
    # --- convolution ---
    "conv.title": "卷积",
    "conv.title.stride": "步长为 {stride} 的卷积",
    "conv.title.padding": "填充为 {padding} 的卷积",
    "conv.title.dilation": "膨胀为 {dilation} 的卷积",
    "conv.title.multichannel": "{channels} 个输入通道的卷积",
    "conv.opt.stride": "步长 {stride}",
    "conv.opt.padding": "填充 {padding}",
    "conv.opt.dilation": "膨胀 {dilation}",
    "conv.input": "输入",
    "conv.padded_input": "输入（已填充）",
    "conv.kernel": "卷积核",
    "conv.weight": "权重",
    "conv.output": "输出",
    "conv.channel": "通道 {c}",
    "conv.out_channel": "输出 {o}",
    "conv.intro": "输入 {input_shape}，权重 {weight_shape}，得到输出 {output_shape}。",
    "conv.intro.padding": "填充在输入四周加上 {padding} 圈零（灰色）。",
    "conv.step.mac": "窗口下的每个元素与卷积核对应元素相乘，再求和。",
    "conv.step.channels": "一个输出元素是全部 {channels} 个输入通道乘积之和。",
    "conv.step.stride": "窗口每次移动 {stride} 格（步长）。",
    "conv.step.fast": "其余每个窗口位置同理。",
    "conv.step.next_kernel": "权重的第 {o} 组卷积核得到第 {o} 个输出通道。",
    "conv.sum_line": "各通道之和 + 偏置",
    "conv.formula": "输出大小 = ⌊(i + 2p − d·(k−1) − 1) / s⌋ + 1",
    "conv.formula.values": "= ⌊({i} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 = {o}",
    "conv.outro": "输出 {output_shape}，已与 torch.nn.functional.conv2d 核对。",
    # --- optimisation (issue 3) ---
    # --- backprop (issue 4) ---
    # --- activation, logistic, softmax (issue 5) ---
    # --- pooling and CNN architecture (issue 6) ---
    # --- RNN and embeddings (issue 7) ---
}
