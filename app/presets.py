"""Ready-made networks, from the course notes the product follows. Each is a SessionConfig."""

from __future__ import annotations

from dataclasses import dataclass

from .schemas import SessionConfig


@dataclass(frozen=True)
class Preset:
    name: str
    title: dict[str, str]
    blurb: dict[str, str]
    config: dict
    log_scale: bool = False

    def session_config(self) -> SessionConfig:
        return SessionConfig(**self.config)


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("xor", {"en": "XOR 2-2-1", "zh": "异或 XOR 2-2-1"},
           {"en": "The smallest problem a single neuron cannot solve: two tanh hidden units "
                  "and a sigmoid output, four examples.",
            "zh": "单个神经元解决不了的最小问题:两个 tanh 隐藏单元加一个 sigmoid 输出,四个样本。"},
           {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 0.5, "init": "xavier", "seed": 1,
            "dataset": "xor"}),
    Preset("ufldl", {"en": "UFLDL 3-3-1", "zh": "UFLDL 3-3-1"},
           {"en": "The network of the UFLDL notes: sigmoid units, squared error ½‖h − y‖², "
                  "weight decay λ, weights from N(0, 0.01²).",
            "zh": "UFLDL 教程中的网络:sigmoid 单元、平方误差 ½‖h − y‖²、权重衰减 λ、"
                  "权重取自 N(0, 0.01²)。"},
           {"layers": [3, 3, 1], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error",
            "learning_rate": 1.0, "weight_decay": 0.0001, "init": "normal", "init_scale": 0.01,
            "dataset": "random", "samples": 4, "seed": 3}),
    Preset("two_output", {"en": "Two hidden layers, two outputs", "zh": "两个隐藏层、两个输出"},
           {"en": "The UFLDL example with two hidden layers and two output units, on the two "
                  "moons (one-hot targets).",
            "zh": "UFLDL 中两个隐藏层、两个输出单元的例子,数据为双月形(one-hot 目标)。"},
           {"layers": [2, 3, 3, 2], "activations": ["sigmoid", "sigmoid", "sigmoid"],
            "loss": "squared_error", "learning_rate": 2.0, "init": "xavier", "dataset": "moons",
            "samples": 8, "noise": 0.1, "seed": 2}),
    Preset("logistic", {"en": "Logistic regression 3-1", "zh": "逻辑回归 3-1"},
           {"en": "No hidden layer: one sigmoid unit and cross-entropy, the computation graph "
                  "of the logistic regression lecture. dz = a − y.",
            "zh": "没有隐藏层:一个 sigmoid 单元加交叉熵,即逻辑回归一课中的计算图。dz = a − y。"},
           {"layers": [3, 1], "activations": ["sigmoid"], "loss": "binary_cross_entropy",
            "learning_rate": 0.5, "init": "normal", "init_scale": 0.01, "dataset": "random",
            "samples": 6, "seed": 4}),
    Preset("deep", {"en": "Arbitrary 5-2-4-3-3-1", "zh": "任意结构 5-2-4-3-3-1"},
           {"en": "The arbitrary network of 'backprop for people afraid of math': five layers "
                  "of different widths, the same recipe at every layer.",
            "zh": "《写给怕数学的人的反向传播》中的任意网络:五层宽度各异,每层用同一套方法。"},
           {"layers": [5, 2, 4, 3, 3, 1], "activations": ["tanh", "tanh", "tanh", "tanh",
                                                            "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 0.3, "init": "xavier",
            "dataset": "random", "samples": 4, "seed": 5}),
    Preset("vanishing", {"en": "Deep sigmoid: vanishing gradients", "zh": "深层 sigmoid:梯度消失"},
           {"en": "Six sigmoid layers. Step through the backward pass: δ shrinks by ~4× or more "
                  "at every layer (log scale on).",
            "zh": "六层 sigmoid。逐步执行反向传播:残差 δ 每经过一层缩小约 4 倍以上"
                  "(已开启对数刻度)。"},
           {"layers": [2, 6, 6, 6, 6, 6, 1], "activations": ["sigmoid"] * 6,
            "loss": "squared_error", "learning_rate": 0.5, "init": "normal", "init_scale": 0.5,
            "dataset": "circles", "samples": 8, "noise": 0.05, "seed": 6}, log_scale=True),
    Preset("symmetry", {"en": "Zero initialisation: symmetry", "zh": "零初始化:对称性问题"},
           {"en": "All weights start at 0. Every hidden unit computes the same thing and gets "
                  "the same gradient, so they stay identical forever.",
            "zh": "所有权重都从 0 开始。每个隐藏单元计算相同、梯度相同,因此永远保持一致。"},
           {"layers": [2, 3, 1], "activations": ["sigmoid", "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 1.0, "init": "zeros",
            "dataset": "xor"}),
    Preset("softmax", {"en": "Softmax classifier, 3 classes", "zh": "softmax 三分类"},
           {"en": "A relu hidden layer and a softmax output with cross-entropy on a 3-arm "
                  "spiral: dZ = A − Y for every class.",
            "zh": "relu 隐藏层加 softmax 输出与交叉熵,数据为三臂螺旋:每一类都有 dZ = A − Y。"},
           {"layers": [2, 8, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy",
            "learning_rate": 1.0, "init": "he", "dataset": "spiral", "samples": 12, "seed": 7}),
    Preset("sine", {"en": "Regression: sine 1-8-1", "zh": "回归:正弦 1-8-1"},
           {"en": "Fit y = sin x with eight tanh units and a linear output (squared error).",
            "zh": "用八个 tanh 单元和线性输出拟合 y = sin x(平方误差)。"},
           {"layers": [1, 8, 1], "activations": ["tanh", "linear"], "loss": "squared_error",
            "learning_rate": 0.1, "init": "xavier", "dataset": "sine", "samples": 20,
            "seed": 8}),
    # Appended: the notes' own networks, as written, and per-example mode.
    Preset("note004", {"en": "Note 004 as written: 5-2-4-3-3-1", "zh": "笔记 004 原样:5-2-4-3-3-1"},
           {"en": "The 'afraid of math' network exactly: sigmoid units everywhere and squared "
                  "error, so the backward pass starts with dA = output − labels, then dZ. "
                  "Train 1000 iterations: the loss sits on a plateau near 0.094; by iteration "
                  "3000 it is below 0.001.",
            "zh": "《写给怕数学的人的反向传播》中的网络原样:全部为 sigmoid 单元、平方误差,所以反向"
                  "传播先算 dA = 输出 − 标签,再算 dZ。训练 1000 次:损失停在约 0.094 的平台上;"
                  "到第 3000 次迭代降到 0.001 以下。"},
           {"layers": [5, 2, 4, 3, 3, 1], "activations": ["sigmoid"] * 5,
            "loss": "squared_error", "learning_rate": 3.0, "init": "xavier",
            "dataset": "random", "samples": 4, "seed": 5}),
    Preset("ufldl_two_output", {"en": "UFLDL 3-3-2-2, two labels", "zh": "UFLDL 3-3-2-2,双标签"},
           {"en": "UFLDL's two hidden layers and two output units, each output an independent "
                  "0/1 label (multi-label: an example may have both, one or neither). W and b "
                  "from N(0, 0.01²), λ = 0.0001. The loss stays near 0.24 for about 500 "
                  "iterations (the tiny weights start the units almost equal), then falls below "
                  "0.02 by iteration 2000, with both outputs of every example on the right side "
                  "of 0.5.",
            "zh": "UFLDL 中两个隐藏层、两个输出单元的网络,每个输出是一个独立的 0/1 标签(多标签:"
                  "一个样本可以两个都有、只有一个或都没有)。W 和 b 取自 N(0, 0.01²),λ = 0.0001。"
                  "约 500 次迭代内损失停在 0.24 附近(权重很小,各单元起初几乎相同),到第 2000 次"
                  "迭代降到 0.02 以下,每个样本的两个输出都落在 0.5 的正确一侧。"},
           {"layers": [3, 3, 2, 2], "activations": ["sigmoid"] * 3, "loss": "squared_error",
            "learning_rate": 5.0, "weight_decay": 0.0001, "init": "normal", "init_scale": 0.01,
            "dataset": "multilabel", "samples": 8, "seed": 2}),
    Preset("ufldl_per_example", {"en": "UFLDL 3-3-1, one example at a time",
                                 "zh": "UFLDL 3-3-1,逐个样本"},
           {"en": "The UFLDL network with the notes' batch gradient descent: examples 1 and 2 "
                  "get their own steps (x(i), forward, L(i), δ, ∇W(i) = δ·aᵀ, ΔW += ∇W(i)), "
                  "examples 3 and 4 come in one step, then dW = (1/m)·ΔW + λW, which the page "
                  "checks against the batch's dW (equal to 1e−12).",
            "zh": "UFLDL 网络,按笔记中的批量梯度下降逐个样本计算:第 1、2 个样本各有自己的步骤"
                  "(x(i)、前向传播、L(i)、δ、∇W(i) = δ·aᵀ、ΔW += ∇W(i)),第 3、4 个样本一步完成,"
                  "然后 dW = (1/m)·ΔW + λW,页面会把它与批量模式的 dW 比较(在 1e−12 以内相等)。"},
           {"layers": [3, 3, 1], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error",
            "learning_rate": 1.0, "weight_decay": 0.0001, "init": "normal", "init_scale": 0.01,
            "dataset": "random", "samples": 4, "seed": 3, "gradient_mode": "per_example",
            "examples_shown": 2}),
]}

DEFAULT_PRESET = "xor"
