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
                  "and a sigmoid output, four examples. Train: 100 % accuracy after about 60 "
                  "iterations, J below 0.01 before 1000.",
            "zh": "单个神经元解决不了的最小问题:两个 tanh 隐藏单元加一个 sigmoid 输出,四个样本。"
                  "训练:约 60 次迭代后准确率达到 100 %,1000 次之前 J 降到 0.01 以下。"},
           # Seed 9: this seed's start solves XOR; seeds 1, 2, 6 and 10 stall at J = ln 2 / 2
           # (one output stuck at 0.5), which says nothing about backpropagation.
           {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 0.5, "init": "xavier", "seed": 9,
            "dataset": "xor"}),
    Preset("ufldl", {"en": "UFLDL 3-3-1", "zh": "UFLDL 3-3-1"},
           {"en": "The network of the UFLDL notes: sigmoid units, squared error ½‖h − y‖², "
                  "weight decay λ, weights from N(0, 0.01²). Train: 100 % accuracy on its 4 "
                  "examples after about 100 iterations, J below 0.01 after about 200.",
            "zh": "UFLDL 教程中的网络:sigmoid 单元、平方误差 ½‖h − y‖²、权重衰减 λ、"
                  "权重取自 N(0, 0.01²)。训练:约 100 次迭代后 4 个样本的准确率达到 100 %,"
                  "约 200 次后 J 降到 0.01 以下。"},
           {"layers": [3, 3, 1], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error",
            "learning_rate": 1.0, "weight_decay": 0.0001, "init": "normal", "init_scale": 0.01,
            "dataset": "random", "samples": 4, "seed": 3}),
    Preset("two_output", {"en": "Two hidden layers, two outputs", "zh": "两个隐藏层、两个输出"},
           {"en": "The UFLDL example with two hidden layers and two output units, on the two "
                  "moons (one-hot targets). Train: J stays near 0.25 for about 100 iterations, "
                  "then falls; 100 % accuracy after about 300.",
            "zh": "UFLDL 中两个隐藏层、两个输出单元的例子,数据为双月形(one-hot 目标)。"
                  "训练:J 在 0.25 附近停留约 100 次迭代后下降;约 300 次后准确率达到 100 %。"},
           {"layers": [2, 3, 3, 2], "activations": ["sigmoid", "sigmoid", "sigmoid"],
            "loss": "squared_error", "learning_rate": 2.0, "init": "xavier", "dataset": "moons",
            "samples": 8, "noise": 0.1, "seed": 2}),
    Preset("logistic", {"en": "Logistic regression 3-1", "zh": "逻辑回归 3-1"},
           {"en": "No hidden layer: one sigmoid unit and cross-entropy, the computation graph "
                  "of the logistic regression lecture. dz = a − y. Its 6 examples are linearly "
                  "separable: 100 % accuracy from the first iteration, J from 0.68 to below "
                  "0.01 in about 450.",
            "zh": "没有隐藏层:一个 sigmoid 单元加交叉熵,即逻辑回归一课中的计算图。dz = a − y。"
                  "它的 6 个样本线性可分:第一次迭代起准确率就是 100 %,约 450 次迭代后 J 从 0.68 "
                  "降到 0.01 以下。"},
           {"layers": [3, 1], "activations": ["sigmoid"], "loss": "binary_cross_entropy",
            "learning_rate": 0.5, "init": "normal", "init_scale": 0.01, "dataset": "random",
            "samples": 6, "seed": 4}),
    Preset("deep", {"en": "Arbitrary 5-2-4-3-3-1", "zh": "任意结构 5-2-4-3-3-1"},
           {"en": "The arbitrary network of 'backprop for people afraid of math': five layers "
                  "of different widths, the same recipe at every layer. Train: 100 % accuracy "
                  "after about 25 iterations, J below 0.01 after about 130.",
            "zh": "《写给怕数学的人的反向传播》中的任意网络:五层宽度各异,每层用同一套方法。"
                  "训练:约 25 次迭代后准确率达到 100 %,约 130 次后 J 降到 0.01 以下。"},
           {"layers": [5, 2, 4, 3, 3, 1], "activations": ["tanh", "tanh", "tanh", "tanh",
                                                            "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 0.3, "init": "xavier",
            "dataset": "random", "samples": 4, "seed": 5}),
    Preset("vanishing", {"en": "Deep sigmoid: vanishing gradients", "zh": "深层 sigmoid:梯度消失"},
           {"en": "Six sigmoid layers. Step through the backward pass: δ shrinks by ~4× or more "
                  "at every layer (log scale on), and ‖dW[1]‖ comes out about 2000× smaller "
                  "than ‖dW[6]‖. So only the last layer learns: within 100 iterations the output "
                  "is ≈ 0.5 everywhere (J = 0.125, a flat plane, accuracy at chance) and stays "
                  "there for thousands of iterations. This network learns too slowly to solve "
                  "the circles.",
            "zh": "六层 sigmoid。逐步执行反向传播:残差 δ 每经过一层缩小约 4 倍以上"
                  "(已开启对数刻度),‖dW[1]‖ 比 ‖dW[6]‖ 小约 2000 倍。所以只有最后一层在学习:"
                  "100 次迭代内输出处处约为 0.5(J = 0.125,输出平面一片平坦,准确率只是碰运气),"
                  "并在此后数千次迭代中保持不变。这个网络学得太慢,解决不了同心圆问题。"},
           {"layers": [2, 6, 6, 6, 6, 6, 1], "activations": ["sigmoid"] * 6,
            "loss": "squared_error", "learning_rate": 0.5, "init": "normal", "init_scale": 0.5,
            "dataset": "circles", "samples": 8, "noise": 0.05, "seed": 6}, log_scale=True),
    Preset("symmetry", {"en": "Constant initialisation: symmetry", "zh": "常数初始化:对称性问题"},
           {"en": "Every weight starts at 0.5. The three hidden units compute the same value and "
                  "get the same gradient, so their weights stay identical and their maps too. "
                  "Train: J falls from 0.80 to about 0.49 in 1000 iterations, but three equal "
                  "units do no more than one: XOR stays at 75 % accuracy.",
            "zh": "所有权重都从 0.5 开始。三个隐藏单元的输出相同、梯度也相同,因此它们的权重始终"
                  "一致,输出图也一样。训练:1000 次迭代中 J 从 0.80 降到约 0.49,但三个相同的"
                  "单元只抵得上一个:异或的准确率停在 75 %。"},
           {"layers": [2, 3, 1], "activations": ["sigmoid", "sigmoid"],
            "loss": "binary_cross_entropy", "learning_rate": 2.0, "init": "constant",
            "init_scale": 0.5, "dataset": "xor"}),
    Preset("softmax", {"en": "Softmax classifier, 3 classes", "zh": "softmax 三分类"},
           {"en": "A relu hidden layer and a softmax output with cross-entropy on a 3-arm "
                  "spiral: dZ = A − Y for every class. Train: all 12 points classified after "
                  "about 30 iterations, J below 0.01 after about 300.",
            "zh": "relu 隐藏层加 softmax 输出与交叉熵,数据为三臂螺旋:每一类都有 dZ = A − Y。"
                  "训练:约 30 次迭代后 12 个点全部分类正确,约 300 次后 J 降到 0.01 以下。"},
           {"layers": [2, 8, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy",
            "learning_rate": 1.0, "init": "he", "dataset": "spiral", "samples": 12, "seed": 7}),
    Preset("sine", {"en": "Regression: sine 1-8-1", "zh": "回归:正弦 1-8-1"},
           {"en": "Fit y = sin x with eight tanh units and a linear output (squared error). "
                  "Train: the curve follows the 20 points, J from 1.35 to below 0.01 in about "
                  "400 iterations.",
            "zh": "用八个 tanh 单元和线性输出拟合 y = sin x(平方误差)。训练:曲线贴合 20 个点,"
                  "约 400 次迭代后 J 从 1.35 降到 0.01 以下。"},
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
