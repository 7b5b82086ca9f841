"""Why each step: short explanations in English and Chinese, by step kind."""

from __future__ import annotations

from ..engine import StepSpec

EXPLAIN: dict[str, dict[str, str]] = {
    "linear": {
        "en": "Each unit of layer {l} adds up its inputs, weighted. Row j of W[{l}] holds the "
              "weights into unit j, so W[{l}]·A[{p}] gives every unit's weighted sum for every "
              "example (one per column) at once. b[{l}] is added to every column: it is the "
              "weight from the +1 bias unit.",
        "zh": "第 {l} 层的每个单元对输入做加权求和。W[{l}] 的第 j 行是进入单元 j 的权重,所以 "
              "W[{l}]·A[{p}] 一次算出所有单元、所有样本(每列一个)的加权和。b[{l}] 加到每一列上,"
              "它就是来自偏置单元 +1 的权重。",
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
    "dW": {
        "en": "The weight from unit k to unit j changes the loss through z_j, in proportion to the "
              "input a_k: ∂L/∂w_jk = δ_j·a_k for each example. dZ[{l}]·A[{p}]ᵀ adds these up over "
              "the batch and 1/m averages them{decay}. dW[{l}] has the shape of W[{l}]: foo and "
              "dfoo always have the same shape.",
        "zh": "从单元 k 到单元 j 的权重通过 z_j 影响损失,影响大小与输入 a_k 成正比:每个样本 "
              "∂L/∂w_jk = δ_j·a_k。dZ[{l}]·A[{p}]ᵀ 把批量中的样本累加,再乘 1/m 取平均{decay}。"
              "dW[{l}] 与 W[{l}] 形状相同:foo 与 dfoo 的维度总是一致。",
    },
    "db": {
        "en": "The bias unit always outputs +1, so ∂L/∂b_j = δ_j for each example: db[{l}] is "
              "each row of dZ[{l}] summed over its m columns and divided by m. Weight decay "
              "does not apply to biases.",
        "zh": "偏置单元的输出恒为 +1,所以每个样本 ∂L/∂b_j = δ_j:db[{l}] 是 dZ[{l}] 每一行在 m 列上"
              "求和再除以 m。权重衰减不作用于偏置。",
    },
    "dA": {
        "en": "δ flows backwards along the same weights: each unit of layer {l} collects the δs of "
              "the units it feeds in layer {n}, weighted by the connecting weights. That is "
              "W[{n}]ᵀ·dZ[{n}]: the transpose sends each column of W back to its input unit.",
        "zh": "残差沿着同样的权重反向流动:第 {l} 层的每个单元收集它在第 {n} 层所连接单元的 δ,"
              "按连接权重加权求和,即 W[{n}]ᵀ·dZ[{n}]:转置把 W 的每一列送回对应的输入单元。",
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
    "relu": {"en": "For relu g' is 1 or 0: a unit that is off for an example passes no δ back.",
             "zh": "relu 的导数为 1 或 0:对某个样本未激活的单元不向后传递残差。"},
}
DECAY = {"en": ", plus the weight decay term (λ/2)·Σ‖W‖²", "zh": ",再加上权重衰减项 (λ/2)·Σ‖W‖²"}
DW_DECAY = {"en": "; weight decay adds λW[{l}]", "zh": ";权重衰减再加上 λW[{l}]"}
FIRST_LAYER = {"en": " This is the last δ: x is data, not a parameter, so it needs no gradient.",
               "zh": " 这是最后一个残差:x 是数据而非参数,不需要求梯度。"}


def explain(step: StepSpec, activations: tuple[str, ...], collapses: bool, decay: float,
            lang: str) -> str:
    lang = lang if lang in ("en", "zh") else "en"
    kind, l = step.kind, step.layer or len(activations)
    if kind == "activation" and l == len(activations):
        kind = "activation_out"
    if kind == "dZ" and l == len(activations):
        kind = "dZ_out_collapsed" if collapses else "dZ_out"
    extra = ""
    if kind == "dZ":
        extra = EXTRA.get(activations[l - 1], {}).get(lang, "")
        if l == 1:
            extra += FIRST_LAYER[lang]
    text = EXPLAIN[kind][lang]
    decay_text = ""
    if decay:
        decay_text = DECAY[lang] if kind == "loss" else DW_DECAY[lang].format(l=l)
    return text.format(l=l, p=l - 1, n=l + 1, decay=decay_text, extra=extra.strip())
