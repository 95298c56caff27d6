"""The words a student's note uses for each scene's topic, in Chinese and English, and each
scene's description in Chinese (the registry holds the English one).

`explain notes` reads this table to find the headings it illustrates. Words are matched
after normalising both sides (``app.notes_match.normalise``): full-width forms become
half-width, case is ignored, ``-``, ``_`` and runs of spaces are one optional space, and
``1*1``, ``1×1`` and ``1x1`` are one spelling. A Latin word only matches whole (``rnn`` does
not match inside ``prnn``). The longest word that matches wins, so ``多通道卷积`` beats
``卷积``; a ``broad`` topic (an umbrella such as "convolution" or "CNN") loses to any
specific topic the same heading names, so ``卷积层的 stride`` is about the stride.

Precision first: a word belongs here only if a heading holding it is about that scene.
Generic words (模型, 训练, loss, PyTorch, 总结) are deliberately absent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoteTopic:
    scene: str
    words: tuple[str, ...]  # Chinese and English, as notes write them
    description_zh: str  # the alt text of the scene's GIF in a Chinese note
    broad: bool = False  # an umbrella topic: any specific topic in the heading wins


NOTE_TOPICS: tuple[NoteTopic, ...] = (
    NoteTopic(
        "conv",
        ("卷积", "卷积层", "卷积运算", "convolution", "convolutional layer", "conv2d"),
        "二维卷积的全部选项：通道、步长、填充、空洞与偏置",
        broad=True,
    ),
    NoteTopic(
        "conv-single",
        ("单通道卷积", "单通道", "single channel", "single channel convolution"),
        "课程的例子：5x5 的输入和一个 3x3 的卷积核，一个窗口一个窗口地算",
    ),
    NoteTopic(
        "conv-padding",
        ("padding", "填充", "零填充", "zero padding"),
        "填充 1 让 5x5 的输入保持 5x5：看得见的零边框",
    ),
    NoteTopic(
        "conv-stride",
        ("stride", "步长", "步幅"),
        "步长 2：窗口一次跳两格，7x7 的输入得到 3x3 的输出",
    ),
    NoteTopic(
        "conv-dilation",
        ("dilation", "空洞卷积", "膨胀卷积", "扩张卷积", "dilated convolution"),
        "空洞 2：带间隔的 3x3 卷积核覆盖 5x5 的区域",
    ),
    NoteTopic(
        "conv-multichannel",
        (
            "多通道卷积",
            "多通道",
            "多输入通道",
            "多输出通道",
            "multi channel",
            "multichannel",
            "multiple channels",
            "multi channel convolution",
        ),
        "3 个输入通道相加得到每个输出格；2 个卷积核给出 2 个输出通道",
    ),
    NoteTopic(
        "linear-loss",
        ("线性模型", "线性回归", "穷举法", "linear model", "linear regression"),
        "x=1,2,3、y=2,4,6 上的 y = w·x：穷举每个 w，均方误差曲线和最小值",
    ),
    NoteTopic(
        "gradient-descent",
        ("梯度下降", "梯度下降法", "批量梯度下降", "gradient descent", "batch gradient descent"),
        "批量梯度下降：w 沿均方误差曲线下滑；损失及其指数加权平均",
    ),
    NoteTopic(
        "sgd",
        (
            "随机梯度下降",
            "小批量",
            "小批量梯度下降",
            "stochastic gradient descent",
            "sgd",
            "mini batch",
            "minibatch",
        ),
        "批量、小批量与随机梯度下降并排：抖动与平滑的损失曲线",
    ),
    NoteTopic(
        "saddle-point",
        ("鞍点", "saddle point", "saddle"),
        "梯度下降停在 x²−y² 的鞍点；随机梯度下降和动量能逃出来",
    ),
    NoteTopic(
        "saddle-3d",
        ("鞍面", "鞍点曲面", "saddle surface"),
        "曲面上的鞍点路径，镜头环绕着看",
    ),
    NoteTopic(
        "backprop",
        (
            "反向传播",
            "计算图",
            "链式法则",
            "backpropagation",
            "back propagation",
            "backprop",
            "computational graph",
            "chain rule",
        ),
        "(w·x + b − y)² 的反向传播：前向求值，反向求梯度，更新一次",
    ),
    NoteTopic(
        "backprop-shared",
        ("梯度累加", "梯度累积", "gradient accumulation", "gradients accumulate"),
        "w 在 sigmoid(w·x + b)·tanh(w) 中用了两次：两份梯度相加",
    ),
    NoteTopic(
        "activation",
        ("激活函数", "非线性激活", "activation function", "activation", "relu", "tanh"),
        "Sigmoid、tanh 与 ReLU，以及没有激活函数时两层线性层为何坍缩成一层",
    ),
    NoteTopic(
        "logistic",
        (
            "逻辑斯蒂回归",
            "逻辑回归",
            "二分类",
            "二元交叉熵",
            "logistic regression",
            "logistic",
            "sigmoid",
            "binary classification",
            "binary cross entropy",
            "bce",
            "bceloss",
        ),
        "按学习时长做逻辑斯蒂回归：sigmoid、BCE 和移动的决策边界",
    ),
    NoteTopic(
        "softmax",
        (
            "softmax",
            "交叉熵",
            "交叉熵损失",
            "多分类",
            "cross entropy",
            "crossentropyloss",
            "nllloss",
            "multi class classification",
            "multiclass classification",
        ),
        "逐步计算 Softmax 与交叉熵：减去最大值、NLL 与独热编码",
    ),
    NoteTopic(
        "maxpool",
        (
            "最大池化",
            "池化",
            "池化层",
            "max pooling",
            "maxpooling",
            "maxpool",
            "maxpool2d",
            "pooling",
        ),
        "最大池化：每个窗口保留最大值（和 torch 的 argmax 一致，并列也一样）",
    ),
    NoteTopic(
        "avgpool",
        ("平均池化", "average pooling", "avg pooling", "avgpool", "avgpool2d"),
        "平均池化：每个窗口变成其中各格的平均值",
    ),
    NoteTopic(
        "conv-transposed",
        ("转置卷积", "反卷积", "transposed convolution", "deconvolution", "convtranspose2d"),
        "转置卷积：在输入格之间插入零，再做普通卷积",
    ),
    NoteTopic(
        "cnn-shapes",
        ("卷积神经网络", "cnn", "convolutional neural network"),
        "课程中 MNIST 的卷积神经网络：每个特征图的形状，从 1x28x28 到 10 个分数",
        broad=True,
    ),
    NoteTopic(
        "inception",
        (
            "inception",
            "googlenet",
            "1x1卷积",
            "1x1 convolution",
            "1x1 conv",
            "network in network",
        ),
        "为什么用 1x1 卷积：120,422,400 与 12,443,648 次乘法；4 个分支",
    ),
    NoteTopic(
        "residual",
        ("残差", "残差网络", "残差块", "残差连接", "resnet", "residual", "skip connection"),
        "残差块 H(x) = F(x) + x；普通堆叠与残差堆叠中的梯度",
    ),
    NoteTopic(
        "rnn-unroll",
        ("循环神经网络", "rnncell", "rnn cell", "rnn", "recurrent neural network"),
        '一个 RNNCell 在 "hello" 上展开，训练到它预测出 "ohlol"',
    ),
    NoteTopic(
        "rnn-layers",
        ("多层rnn", "nn.rnn", "stacked rnn", "num layers", "multi layer rnn"),
        "多层 nn.RNN 画成时间 x 层的网格：共享权重、输出与隐状态",
    ),
    NoteTopic(
        "embedding",
        ("嵌入层", "词嵌入", "embedding", "nn.embedding", "word embedding"),
        "nn.Embedding：按行查表等于独热向量乘以权重，再送进 RNN",
    ),
    NoteTopic(
        "training-loop",
        (
            "训练循环",
            "训练过程",
            "训练周期",
            "用pytorch实现线性回归",
            "training loop",
            "training cycle",
            "zero grad",
            "optimizer.step",
        ),
        "nn.Linear、MSELoss 与 SGD：前向、损失、zero_grad、反向、step",
    ),
    NoteTopic(
        "dataloader",
        (
            "加载数据集",
            "数据加载",
            "dataset",
            "dataloader",
            "data loader",
            "epoch",
            "batch size",
        ),
        "Dataset 与 DataLoader：打乱的小批量、轮次（epoch）与迭代（iteration）",
    ),
    NoteTopic(
        "multi-feature",
        (
            "多维特征输入",
            "多维特征",
            "多维输入",
            "多个特征",
            "multiple features",
            "multi feature",
            "multiple dimension input",
            "multi dimensional input",
        ),
        "N 个样本 x 8 个特征经过线性层，即矩阵乘法，BCE 损失",
    ),
    NoteTopic(
        "mlp",
        ("多层感知机", "全连接网络", "全连接神经网络", "mlp", "multilayer perceptron"),
        "真实手写数字上的多层感知机：x.view(-1, 784)、训练与 softmax",
    ),
    NoteTopic(
        "network",
        ("自定义网络", "custom network"),
        "任意小的顺序模型，由层的描述给出：形状、特征图与计算量",
    ),
)
