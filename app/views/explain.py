"""Why each step: short explanations in English and Chinese, by step kind and notation.

Each text speaks of the formula printed beside it: in the column notation (one example per
column) Z = W·A + b and row j of W holds the weights into unit j; in the row notation (one
example per row) Z = A·W + b and column j of W holds them. Texts that do not depend on the
notation have one version; the others have a "rows" version beside the column one."""

from __future__ import annotations

from ..engine import StepSpec

# kind -> {"en", "zh"} (both notations) or {"en", "zh", "en_rows", "zh_rows"}
EXPLAIN: dict[str, dict[str, str]] = {
    "linear": {
        "en": "Each unit of layer {l} adds up its inputs, weighted. Row j of W[{l}] holds the "
              "weights into unit j, so W[{l}]·{a_p} gives every unit's weighted sum for every "
              "example (one per column) at once. b[{l}] is added to every column: it is the "
              "weight from the +1 bias unit.",
        "zh": "第 {l} 层的每个单元对输入做加权求和。W[{l}] 的第 j 行是进入单元 j 的权重,所以 "
              "W[{l}]·{a_p} 一次算出所有单元、所有样本(每列一个)的加权和。b[{l}] 加到每一列上,"
              "它就是来自偏置单元 +1 的权重。",
        "en_rows": "Each unit of layer {l} adds up its inputs, weighted. Column j of W[{l}] holds "
                   "the weights into unit j, so {a_p}·W[{l}] gives every unit's weighted sum for "
                   "every example (one per row) at once. The row b[{l}] is added to every row: "
                   "it is the weight from the +1 bias unit.",
        "zh_rows": "第 {l} 层的每个单元对输入做加权求和。W[{l}] 的第 j 列是进入单元 j 的权重,所以 "
                   "{a_p}·W[{l}] 一次算出所有单元、所有样本(每行一个)的加权和。行向量 b[{l}] "
                   "加到每一行上,它就是来自偏置单元 +1 的权重。",
    },
    "activation": {
        "en": "The activation g is applied element by element. Without a non-linear g, stacked "
              "layers would collapse into a single linear map. A[{l}] is kept for later: the "
              "backward pass needs it for g'(Z[{l}]) and for dW[{n}].",
        "zh": "激活函数 g 逐元素作用。若 g 是线性的,多层网络就退化成一个线性映射。A[{l}] 要保留:"
              "反向传播计算 g'(Z[{l}]) 和 dW[{n}] 时都要用到它。",
    },
    "activation_out": {
        "en": "The output activation gives the network's prediction A[{l}] = ŷ for every example. "
              "The loss compares it with the targets Y, and the backward pass starts from it.",
        "zh": "输出层的激活给出网络对每个样本的预测 A[{l}] = ŷ。损失函数把它与目标 Y 比较,"
              "反向传播也从这里开始。",
    },
    "loss": {
        "en": "J measures how far the outputs are from the targets, averaged over the m examples "
              "of the batch{decay}. Backpropagation finds how J changes with every weight and "
              "bias.",
        "zh": "J 衡量输出与目标的差距,对批量中的 m 个样本取平均{decay}。反向传播要求出 J 对每个"
              "权重和偏置的变化率。",
    },
    "dA_out": {
        "en": "The backward pass starts at the loss: dA[{l}] = ∂L/∂A[{l}] is how the loss of each "
              "example changes with each output.",
        "zh": "反向传播从损失开始:dA[{l}] = ∂L/∂A[{l}],即每个样本的损失随每个输出的变化率。",
    },
    "dZ_out_collapsed": {
        "en": "δ[{l}] = ∂L/∂Z[{l}] is the quantity backpropagation carries. For this pairing of "
              "output activation and loss the chain rule dA[{l}] ⊙ g'(Z[{l}]) simplifies to "
              "A[{l}] − Y: the output layer's δ is simply its error.",
        "zh": "残差 δ[{l}] = ∂L/∂Z[{l}] 是反向传播要传递的量。对这种输出激活与损失的组合,链式法则 "
              "dA[{l}] ⊙ g'(Z[{l}]) 化简为 A[{l}] − Y:输出层的残差就是误差本身。",
    },
    "dZ_out": {
        "en": "Chain rule through the output activation: δ[{l}] = dA[{l}] ⊙ g'(Z[{l}]). δ = ∂L/∂z "
              "is the quantity to propagate: once we know how the loss changes with a unit's "
              "input z, the gradients of the weights into that unit follow at once.",
        "zh": "对输出激活用链式法则:δ[{l}] = dA[{l}] ⊙ g'(Z[{l}])。残差 δ = ∂L/∂z 正是要传递的量:"
              "知道了损失随某单元输入 z 的变化率,进入该单元的权重的梯度立刻可得。",
    },
    "dZ_out_softmax": {
        "en": "Chain rule through the softmax: every output of an example depends on every z of "
              "that example, so δ[{l}] is dA[{l}] times the softmax's Jacobian, not an "
              "element-by-element product. δ = ∂L/∂z is the quantity to propagate.",
        "zh": "对 softmax 用链式法则:一个样本的每个输出都依赖该样本的每个 z,所以 δ[{l}] 是 "
              "dA[{l}] 乘以 softmax 的雅可比矩阵,而不是逐元素相乘。残差 δ = ∂L/∂z 正是要传递的量。",
    },
    "dW": {
        "en": "The weight from unit k to unit j changes the loss through z_j, in proportion to the "
              "input a_k: ∂L/∂w_jk = δ_j·a_k for each example (row j, column k of dW[{l}]). "
              "dZ[{l}]·{a_p}ᵀ adds these up over the batch and 1/m averages them{decay}. "
              "dW[{l}] has the shape of W[{l}]: foo and dfoo always have the same shape.",
        "zh": "从单元 k 到单元 j 的权重通过 z_j 影响损失,影响大小与输入 a_k 成正比:每个样本 "
              "∂L/∂w_jk = δ_j·a_k(dW[{l}] 的第 j 行、第 k 列)。dZ[{l}]·{a_p}ᵀ 把批量中的样本累加,"
              "再乘 1/m 取平均{decay}。dW[{l}] 与 W[{l}] 形状相同:foo 与 dfoo 的维度总是一致。",
        "en_rows": "The weight from unit k to unit j changes the loss through z_j, in proportion "
                   "to the input a_k: ∂L/∂w_kj = a_k·δ_j for each example (row k, column j of "
                   "dW[{l}]). {a_p}ᵀ·dZ[{l}] adds these up over the batch and 1/m averages "
                   "them{decay}. dW[{l}] has the shape of W[{l}]: foo and dfoo always have the "
                   "same shape.",
        "zh_rows": "从单元 k 到单元 j 的权重通过 z_j 影响损失,影响大小与输入 a_k 成正比:每个样本 "
                   "∂L/∂w_kj = a_k·δ_j(dW[{l}] 的第 k 行、第 j 列)。{a_p}ᵀ·dZ[{l}] 把批量中的"
                   "样本累加,再乘 1/m 取平均{decay}。dW[{l}] 与 W[{l}] 形状相同:foo 与 dfoo "
                   "的维度总是一致。",
    },
    "db": {
        "en": "The bias unit always outputs +1, so ∂L/∂b_j = δ_j for each example: db[{l}] is "
              "each row of dZ[{l}] summed over its m columns and divided by m. Weight decay "
              "does not apply to biases.",
        "zh": "偏置单元的输出恒为 +1,所以每个样本 ∂L/∂b_j = δ_j:db[{l}] 是 dZ[{l}] 每一行在 m 列上"
              "求和再除以 m。权重衰减不作用于偏置。",
        "en_rows": "The bias unit always outputs +1, so ∂L/∂b_j = δ_j for each example: db[{l}] "
                   "is each column of dZ[{l}] summed over its m rows and divided by m. Weight "
                   "decay does not apply to biases.",
        "zh_rows": "偏置单元的输出恒为 +1,所以每个样本 ∂L/∂b_j = δ_j:db[{l}] 是 dZ[{l}] 每一列在 "
                   "m 行上求和再除以 m。权重衰减不作用于偏置。",
    },
    "dA": {
        "en": "δ flows backwards along the same weights: each unit k of layer {l} collects the δs "
              "of the units it feeds in layer {n}, weighted by the connecting weights. Column k "
              "of W[{n}] holds the weights out of unit k; the transpose makes it row k of "
              "W[{n}]ᵀ, so W[{n}]ᵀ·dZ[{n}] does this for every unit and every example (one per "
              "column) at once.",
        "zh": "残差沿着同样的权重反向流动:第 {l} 层的每个单元 k 收集它在第 {n} 层所连接单元的 δ,"
              "按连接权重加权求和。W[{n}] 的第 k 列是从单元 k 出发的权重,转置后成为 W[{n}]ᵀ 的"
              "第 k 行,所以 W[{n}]ᵀ·dZ[{n}] 一次算出所有单元、所有样本(每列一个)的结果。",
        "en_rows": "δ flows backwards along the same weights: each unit k of layer {l} collects "
                   "the δs of the units it feeds in layer {n}, weighted by the connecting "
                   "weights. Row k of W[{n}] holds the weights out of unit k; the transpose makes "
                   "it column k of W[{n}]ᵀ, so dZ[{n}]·W[{n}]ᵀ does this for every unit and "
                   "every example (one per row) at once.",
        "zh_rows": "残差沿着同样的权重反向流动:第 {l} 层的每个单元 k 收集它在第 {n} 层所连接单元"
                   "的 δ,按连接权重加权求和。W[{n}] 的第 k 行是从单元 k 出发的权重,转置后成为 "
                   "W[{n}]ᵀ 的第 k 列,所以 dZ[{n}]·W[{n}]ᵀ 一次算出所有单元、所有样本(每行一个)"
                   "的结果。",
    },
    "dZ": {
        "en": "Chain rule through layer {l}'s activation: multiply element by element by "
              "g'(Z[{l}]). {extra}",
        "zh": "对第 {l} 层的激活函数用链式法则:逐元素乘以 g'(Z[{l}])。{extra}",
    },
    "update": {
        "en": "Only now are the parameters changed, all at once, by a step of size α against the "
              "gradient. Every gradient above came from the same pre-update weights: changing "
              "W during the backward pass would make the earlier layers' gradients wrong.",
        "zh": "直到此时才一次性更新所有参数:沿梯度反方向走一步,步长为学习速率 α。上面所有梯度都"
              "来自更新前的同一组权重:若在反向传播途中修改 W,前面各层的梯度就错了。",
    },
}

EXTRA = {
    "sigmoid": {"en": "For sigmoid g' = a(1 − a) ≤ 0.25, so δ shrinks layer after layer in a deep "
                      "sigmoid net: vanishing gradients.",
                "zh": "sigmoid 的导数 g' = a(1 − a) ≤ 0.25,所以深层 sigmoid 网络中 δ 逐层变小:"
                      "梯度消失。"},
    "tanh": {"en": "For tanh g' = 1 − a² ≤ 1: where a unit saturates (a near ±1) it passes "
                   "almost no δ back.",
             "zh": "tanh 的导数 g' = 1 − a² ≤ 1:单元饱和(a 接近 ±1)时几乎不向后传递残差。"},
    "relu": {"en": "For relu g' is 1 or 0: a unit that is off for an example passes no δ back.",
             "zh": "relu 的导数为 1 或 0:对某个样本未激活的单元不向后传递残差。"},
}
DECAY = {"en": ", plus the weight decay term (λ/2)·Σ‖W‖²", "zh": ",再加上权重衰减项 (λ/2)·Σ‖W‖²"}
DW_DECAY = {"en": "; weight decay adds λW[{l}]", "zh": ";权重衰减再加上 λW[{l}]"}
FIRST_LAYER = {"en": " This is the last δ: x is data, not a parameter, so it needs no gradient.",
               "zh": " 这是最后一个残差:x 是数据而非参数,不需要求梯度。"}


def explain(step: StepSpec, activations: tuple[str, ...], collapses: bool, decay: float,
            lang: str, rows: bool = False) -> str:
    """The text beside `step`'s formula, in the column notation or (rows) the row notation."""
    lang = lang if lang in ("en", "zh") else "en"
    kind, l = step.kind, step.layer or len(activations)
    if kind == "activation" and l == len(activations):
        kind = "activation_out"
    if kind == "dZ" and l == len(activations):
        kind = ("dZ_out_collapsed" if collapses else
                "dZ_out_softmax" if activations[-1] == "softmax" else "dZ_out")
    extra = ""
    if kind == "dZ":
        extra = EXTRA.get(activations[l - 1], {}).get(lang, "")
        if l == 1:
            extra += FIRST_LAYER[lang]
    texts = EXPLAIN[kind]
    text = texts.get(f"{lang}_rows", texts[lang]) if rows else texts[lang]
    decay_text = ""
    if decay:
        decay_text = DECAY[lang] if kind == "loss" else DW_DECAY[lang].format(l=l)
    a_prev = "X" if l == 1 else f"A[{l - 1}]"  # the formula writes X for A[0]
    return text.format(l=l, p=l - 1, n=l + 1, a_p=a_prev, decay=decay_text,
                       extra=extra.strip())
