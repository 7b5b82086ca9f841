"""The page's words about each activation and each loss, in English and Chinese: the text half
of their records, keyed by the same names as app/engine/activations.py ACTIVATIONS and
app/engine/losses.py LOSSES (the engine stays free of page text). A test checks that every
activation and every loss has every field here, in both languages.

None of these sentences depends on the notation: each speaks of one unit or one example, not of
the rows or columns of a matrix, so it is true beside the column and the row formula alike.
"""

from __future__ import annotations

# name -> field -> {"en", "zh"}
# derivative: what g' does to δ on the way back (the explanation of a hidden layer's dZ step;
# softmax, never hidden, has it as the activation plot's caption).
ACTIVATION_TEXT: dict[str, dict[str, dict[str, str]]] = {
    "sigmoid": {
        "derivative": {
            "en": "For sigmoid g' = a(1 − a) ≤ 0.25, so δ shrinks layer after layer in a deep "
                  "sigmoid net: vanishing gradients.",
            "zh": "sigmoid 的导数 g' = a(1 − a) ≤ 0.25,所以深层 sigmoid 网络中 δ 逐层变小:"
                  "梯度消失。"},
    },
    "tanh": {
        "derivative": {
            "en": "For tanh g' = 1 − a² ≤ 1: where a unit saturates (a near ±1) it passes "
                  "almost no δ back.",
            "zh": "tanh 的导数 g' = 1 − a² ≤ 1:单元饱和(a 接近 ±1)时几乎不向后传递残差。"},
    },
    "relu": {
        "derivative": {
            "en": "For relu g' is 1 or 0: a unit that is off for an example passes no δ back.",
            "zh": "relu 的导数为 1 或 0:对某个样本未激活的单元不向后传递残差。"},
    },
    "leaky_relu": {
        "derivative": {
            "en": "For leaky relu g' is 1 or 0.01: a unit that is off for an example still "
                  "passes a hundredth of its δ back, so it can come back to life.",
            "zh": "leaky relu 的导数为 1 或 0.01:对某个样本未激活的单元仍向后传递百分之一的残差,"
                  "所以它还能重新被激活。"},
    },
    "linear": {
        "derivative": {
            "en": "For the linear g, g' = 1: δ passes back unchanged.",
            "zh": "线性激活的导数 g' = 1:残差原样向后传递。"},
    },
    "softmax": {
        "derivative": {
            "en": "softmax is not element-wise: each a_j reads every z_k, so its derivative is "
                  "the Jacobian ∂a_j/∂z_k = a_j(δ_jk − a_k), not one curve.",
            "zh": "softmax 不是逐元素的:每个 a_j 都依赖所有 z_k,所以它的导数是雅可比矩阵 "
                  "∂a_j/∂z_k = a_j(δ_jk − a_k),而不是一条曲线。"},
    },
}

# name: the loss's name (the setup's choices show the Chinese one beside the code name);
# grad: what its ∂L/∂a is, in words (the explanation of the dA step at the output).
LOSS_TEXT: dict[str, dict[str, dict[str, str]]] = {
    "squared_error": {
        "name": {"en": "squared error", "zh": "平方误差"},
        "grad": {"en": "For squared error it is the output minus the target.",
                 "zh": "对平方误差,它就是输出减去目标。"},
    },
    "binary_cross_entropy": {
        "name": {"en": "binary cross-entropy", "zh": "二元交叉熵"},
        "grad": {"en": "For binary cross-entropy it is −y/a + (1 − y)/(1 − a): large where an "
                       "output is confidently wrong.",
                 "zh": "对二元交叉熵,它是 −y/a + (1 − y)/(1 − a):输出错得越肯定,它就越大。"},
    },
    "cross_entropy": {
        "name": {"en": "cross-entropy", "zh": "交叉熵"},
        "grad": {"en": "For cross-entropy it is −y/a: zero for every output whose target is 0.",
                 "zh": "对交叉熵,它是 −y/a:目标为 0 的输出,它都为零。"},
    },
}

ACTIVATION_FIELDS = ("derivative",)
LOSS_FIELDS = ("name", "grad")


def activation_text(name: str, field: str, lang: str) -> str:
    """One field of an activation's text in `lang` ("en" for any other)."""
    return ACTIVATION_TEXT[name][field]["zh" if lang == "zh" else "en"]


def loss_text(name: str, field: str, lang: str) -> str:
    """One field of a loss's text in `lang` ("en" for any other)."""
    return LOSS_TEXT[name][field]["zh" if lang == "zh" else "en"]
