"""The heading matcher of `explain notes`: the course's headings in Chinese, English and
the mixed forms notes use find their scene; headings about nothing we animate find none."""

from __future__ import annotations

import pytest

from explain.scenes.app.notes_match import description, detect_lang, match_heading, normalise
from explain.scenes.kit.i18n.note_topics import NOTE_TOPICS
from explain.scenes.registry import SCENES

MATCHES = {
    # the issue's own examples
    "stride": "conv-stride",
    "多通道卷积": "conv-multichannel",
    "MaxPooling": "maxpool",
    "单通道卷积": "conv-single",
    "随机梯度下降（Stochastic Gradient Descent, SGD）": "sgd",
    "Dataset&DataLoader": "dataloader",
    "1*1卷积": "inception",
    "1×1 卷积": "inception",
    "RNNCell": "rnn-unroll",
    "ReLU": "activation",
    # Chinese course headings
    "线性模型": "linear-loss",
    "穷举法": "linear-loss",
    "梯度下降": "gradient-descent",
    "批量梯度下降": "gradient-descent",
    "小批量（Mini-Batch）": "sgd",
    "鞍点": "saddle-point",
    "反向传播": "backprop",
    "计算图": "backprop",
    "用 PyTorch 实现线性回归": "training-loop",
    "训练循环": "training-loop",
    "逻辑斯蒂回归（Logistic Regression）": "logistic",
    "Sigmoid 函数": "logistic",
    "多维特征输入": "multi-feature",
    "加载数据集": "dataloader",
    "Softmax 分类器": "softmax",
    "交叉熵损失": "softmax",
    "卷积神经网络（CNN）": "cnn-shapes",
    "卷积": "conv",
    "卷积层的 stride": "conv-stride",
    "padding 填充": "conv-padding",
    "最大池化": "maxpool",
    "平均池化": "avgpool",
    "转置卷积": "conv-transposed",
    "Inception 模块": "inception",
    "残差网络（ResNet）": "residual",
    "循环神经网络 RNN": "rnn-unroll",
    "多层 RNN": "rnn-layers",
    "嵌入层 Embedding": "embedding",
    "多层感知机": "mlp",
    # English course headings
    "Linear Model": "linear-loss",
    "Gradient Descent": "gradient-descent",
    "Stochastic gradient descent": "sgd",
    "Saddle points": "saddle-point",
    "Backpropagation": "backprop",
    "Training cycle": "training-loop",
    "Logistic regression": "logistic",
    "Multiple features": "multi-feature",
    "Cross-Entropy Loss": "softmax",
    "Max-Pooling": "maxpool",
    "Average pooling": "avgpool",
    "Zero padding": "conv-padding",
    "Dilated convolution": "conv-dilation",
    "Residual block": "residual",
    "Word embeddings": "embedding",
    "Activation functions": "activation",
    "**Stride** of a `Conv2d`": "conv-stride",
}

# Precision first: headings of notes that are about nothing the registry animates.
MUST_NOT_MATCH = (
    "作业",
    "课后作业",
    "练习",
    "总结",
    "小结",
    "参考资料",
    "前言",
    "目录",
    "环境配置",
    "安装 PyTorch",
    "Python 基础",
    "numpy 广播",
    "torch.Tensor 基础",
    "Autograd 自动求导",
    "损失函数",
    "模型保存与加载",
    "GPU 加速",
    "数据预处理",
    "代码实现",
    "完整代码",
    "运行结果",
    "Introduction",
    "Homework",
    "Summary",
    "References",
    "Exercises",
    "Installation",
    "Loss function",
    "Hello world",
    "PReLU",
    "Iterations",
    "Conclusion",
    "Notes",
)


@pytest.mark.parametrize(("heading", "scene"), sorted(MATCHES.items()))
def test_course_headings_find_their_scene(heading: str, scene: str) -> None:
    assert match_heading(heading) == scene


@pytest.mark.parametrize("heading", MUST_NOT_MATCH)
def test_headings_about_other_things_find_nothing(heading: str) -> None:
    assert match_heading(heading) is None


def test_a_latin_word_only_matches_whole() -> None:
    assert match_heading("prnn") is None
    assert match_heading("strides") == "conv-stride"  # a plural is the same word


def test_specific_topics_beat_the_umbrella_ones() -> None:
    # "卷积" and "CNN" are broad: any specific topic in the same heading wins.
    assert match_heading("CNN 中的 Max Pooling") == "maxpool"
    assert match_heading("卷积的 padding") == "conv-padding"


def test_normalise_gives_one_spelling() -> None:
    assert normalise("（Mini_Batch）") == normalise("(mini batch)")
    assert normalise("1 * 1 卷积") == normalise("1x1卷积") == "1x1卷积"
    assert normalise("[Stride](https://x.org)") == "stride"


def test_the_table_names_every_scene_once() -> None:
    scenes = [topic.scene for topic in NOTE_TOPICS]
    assert sorted(scenes) == sorted(entry.name for entry in SCENES)
    for topic in NOTE_TOPICS:
        assert topic.words and all(w == w.strip() for w in topic.words)
        assert topic.description_zh and not topic.description_zh.isascii()


def test_alt_text_follows_the_language() -> None:
    english = "Stride 2: the window jumps two cells, a 7x7 input gives a 3x3 output"
    assert description("conv-stride", english, "en") == english
    assert description("conv-stride", english, "zh").startswith("步长 2")


@pytest.mark.parametrize(
    ("headings", "prose", "lang"),
    [
        (["卷积"], [], "zh"),
        (["Convolution"], ["A kernel slides over the input."], "en"),
        (["Notes"], ["这一节讲卷积核在输入上滑动，每个窗口求和。"], "zh"),
        (["Notes"], ["The kernel (卷积核) slides over the input, window by window."], "en"),
        ([], [], "en"),
    ],
)
def test_the_language_follows_the_note(headings: list[str], prose: list[str], lang: str) -> None:
    assert detect_lang(headings, prose) == lang
