"""Why each step: short explanations in English and Chinese, by step kind and notation.

Each text speaks of the formula printed beside it: in the column notation (one example per
column) Z = W·A + b and row j of W holds the weights into unit j; in the row notation (one
example per row) Z = A·W + b and column j of W holds them. Texts that do not depend on the
notation have one version; the others have a "rows" version beside the column one."""

from __future__ import annotations

from ..engine import StepSpec
from .maths_text import ACTIVATION_TEXT, loss_text

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

# g's sentence of each activation (app/views/maths_text.py), after a hidden layer's dZ text
EXTRA = {name: text["derivative"] for name, text in ACTIVATION_TEXT.items()}
DECAY = {"en": ", plus the weight decay term (λ/2)·Σ‖W‖²", "zh": ",再加上权重衰减项 (λ/2)·Σ‖W‖²"}
DW_DECAY = {"en": "; weight decay adds λW[{l}]", "zh": ";权重衰减再加上 λW[{l}]"}
FIRST_LAYER = {"en": " This is the last δ: x is data, not a parameter, so it needs no gradient.",
               "zh": " 这是最后一个残差:x 是数据而非参数,不需要求梯度。"}


def explain(step: StepSpec, activations: tuple[str, ...], collapses: bool, decay: float,
            lang: str, rows: bool = False, m: int | None = None) -> str:
    """The text beside `step`'s formula, in the column notation or (rows) the row notation;
    `m`: the batch's examples (per-example mode's steps of the remaining examples say when none
    remain)."""
    lang = lang if lang in ("en", "zh") else "en"
    if step.example is not None or step.rest is not None or step.kind == "average" \
            or "Lsum" in step.reads:
        return explain_per_example(step, activations, collapses, decay, lang, m, rows)
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



def loss_sentence(step: StepSpec, loss: str, lang: str) -> str:
    """The loss's own sentence about ∂L/∂a (app/views/maths_text.py), said after the text of
    the output's dA step (batch or one example's); "" at any other step."""
    if step.kind != "dA_out":
        return ""
    return (" " if lang != "zh" else "") + loss_text(loss, "grad", lang)

# Per-example mode (UFLDL's batch gradient descent, note 002): one example at a time, ΔW and Δb
# summed, then averaged. {i} is the 1-based example, {l} the layer, {p} = l − 1, {n} = l + 1.
EXPLAIN_EXAMPLE: dict[str, dict[str, str]] = {
    "example": {
        "en": "Example {i} on its own: x({i}) and its target y({i}) are taken out of X and Y "
              "(lit in the tables). UFLDL's batch gradient descent (note 002) runs the forward "
              "and the backward pass one example at a time, adds each example's gradient into "
              "ΔW and Δb, and averages the sums once every example is done.",
        "zh": "单独处理第 {i} 个样本:从 X 和 Y 中取出 x({i}) 及其目标 y({i})(表中高亮)。"
              "UFLDL 的批量梯度下降(笔记 002)每次只对一个样本做前向传播和反向传播,把每个样本"
              "的梯度累加进 ΔW 和 Δb,所有样本处理完后再取平均。",
    },
    "linear": {
        "en": "Layer {l} for example {i} alone: each unit adds up the example's inputs, weighted "
              "by its row of W[{l}], plus its bias. Every example meets the same W[{l}] and "
              "b[{l}]: the parameters change only at the update, after all m examples.",
        "zh": "只对第 {i} 个样本计算第 {l} 层:每个单元用 W[{l}] 中自己那一行对该样本的输入加权求和,"
              "再加上偏置。每个样本用的都是同一组 W[{l}] 和 b[{l}]:参数要等 m 个样本都处理完、"
              "到更新这一步才改变。",
        "en_rows": "Layer {l} for example {i} alone: each unit adds up the example's inputs, "
                   "weighted by its column of W[{l}], plus its bias. Every example meets the "
                   "same W[{l}] and b[{l}]: the parameters change only at the update, after all "
                   "m examples.",
        "zh_rows": "只对第 {i} 个样本计算第 {l} 层:每个单元用 W[{l}] 中自己那一列对该样本的输入加权"
                   "求和,再加上偏置。每个样本用的都是同一组 W[{l}] 和 b[{l}]:参数要等 m 个样本都"
                   "处理完、到更新这一步才改变。",
    },
    "activation": {
        "en": "g is applied to example {i}'s z[{l}], element by element. a[{l}]({i}) is kept: "
              "this example's backward pass needs it for g'(z[{l}]) and for its ∇W[{n}].",
        "zh": "对第 {i} 个样本的 z[{l}] 逐元素作用激活函数 g。a[{l}]({i}) 要保留:该样本的反向传播"
              "计算 g'(z[{l}]) 和 ∇W[{n}] 时都要用到它。",
    },
    "activation_out": {
        "en": "The network's prediction for example {i}: a[{l}]({i}) = ŷ({i}). Its loss and its "
              "backward pass start from here.",
        "zh": "网络对第 {i} 个样本的预测:a[{l}]({i}) = ŷ({i})。该样本的损失和反向传播"
              "都从这里开始。",
    },
    "loss": {
        "en": "L({i}) is example {i}'s own loss: no 1/m and no weight decay. J, the average of "
              "the m losses (plus the decay term), comes once every example is done. (Note 004 "
              "adds the examples' losses up instead of averaging them.)",
        "zh": "L({i}) 是第 {i} 个样本自己的损失:没有 1/m,也没有权重衰减。所有样本处理完后才得到 J,"
              "即 m 个损失的平均(再加衰减项)。(笔记 004 把各样本的损失直接相加,不取平均。)",
    },
    "dA_out": {
        "en": "Example {i}'s backward pass starts at its loss: da[{l}]({i}) = ∂L({i})/∂a[{l}] "
              "is how this example's loss changes with each output.",
        "zh": "第 {i} 个样本的反向传播从它的损失开始:da[{l}]({i}) = ∂L({i})/∂a[{l}],"
              "即该样本的损失随每个输出的变化率。",
    },
    "dZ_out_collapsed": {
        "en": "δ[{l}]({i}) = ∂L({i})/∂z[{l}] for example {i}: for this pairing of output "
              "activation and loss the chain rule simplifies to a − y, the example's error. "
              "(UFLDL's squared-error form −(y − a) ⊙ f'(z) is this same a − y when f is "
              "linear.)",
        "zh": "第 {i} 个样本的残差 δ[{l}]({i}) = ∂L({i})/∂z[{l}]:对这种输出激活与损失的组合,"
              "链式法则化简为 a − y,即该样本的误差。(UFLDL 平方误差下的 −(y − a) ⊙ f'(z) 在 f "
              "为线性时也正是 a − y。)",
    },
    "dZ_out": {
        "en": "Chain rule through the output activation for example {i}: δ[{l}]({i}) = "
              "da[{l}]({i}) ⊙ g'(z[{l}]({i})). (UFLDL's −(y − a) ⊙ f'(z) for squared error.)",
        "zh": "对第 {i} 个样本的输出激活用链式法则:δ[{l}]({i}) = da[{l}]({i}) ⊙ g'(z[{l}]({i}))。"
              "(平方误差时即 UFLDL 的 −(y − a) ⊙ f'(z)。)",
    },
    "dW": {
        "en": "Example {i}'s own gradient of layer {l}: ∇W[{l}]({i}) is the outer product of "
              "δ[{l}]({i}) and {a_p}: one entry δ_j·a_k per weight (row j, column k of the "
              "small table). No 1/m here: the average comes after the sums. ∇b[{l}]({i}) = "
              "δ[{l}]({i}), as the bias unit outputs +1. ∇W has the shape of W[{l}]: foo and "
              "dfoo always have the same shape.",
        "zh": "第 {i} 个样本在第 {l} 层的梯度:∇W[{l}]({i}) 是 δ[{l}]({i}) 与 {a_p} 的外积,"
              "每个权重对应一项 δ_j·a_k(小表的第 j 行、第 k 列)。这里没有 1/m:求和之后才取平均。"
              "偏置单元输出 +1,所以 ∇b[{l}]({i}) = δ[{l}]({i})。∇W 与 W[{l}] 形状相同:foo 与 "
              "dfoo 的维度总是一致。",
        "en_rows": "Example {i}'s own gradient of layer {l}: ∇W[{l}]({i}) is the outer product "
                   "of {a_p} and δ[{l}]({i}): one entry a_k·δ_j per weight (row k, column j of "
                   "the small table). No 1/m here: the average comes after the sums. "
                   "∇b[{l}]({i}) = δ[{l}]({i}), as the bias unit outputs +1. ∇W has the shape "
                   "of W[{l}]: foo and dfoo always have the same shape.",
        "zh_rows": "第 {i} 个样本在第 {l} 层的梯度:∇W[{l}]({i}) 是 {a_p} 与 δ[{l}]({i}) 的外积,"
                   "每个权重对应一项 a_k·δ_j(小表的第 k 行、第 j 列)。这里没有 1/m:求和之后才"
                   "取平均。偏置单元输出 +1,所以 ∇b[{l}]({i}) = δ[{l}]({i})。∇W 与 W[{l}] "
                   "形状相同:foo 与 dfoo 的维度总是一致。",
    },
    "accumulate": {
        "en": "ΔW[{l}] and Δb[{l}] add up the examples' gradients: after this step they hold "
              "the sum over examples 1 to {i}. W[{l}] itself is not touched: changing it now "
              "would give the next examples different weights.",
        "zh": "ΔW[{l}] 和 Δb[{l}] 累加各样本的梯度:这一步之后它们是第 1 到第 {i} 个样本的梯度之和。"
              "W[{l}] 本身不变:若现在修改它,后面的样本就会用到不同的权重。",
    },
    "dA": {
        "en": "Example {i}'s δ flows back along the same weights: da[{l}]({i}) = "
              "W[{n}]ᵀ·δ[{n}]({i}), each unit of layer {l} collecting the δs of the units it "
              "feeds.",
        "zh": "第 {i} 个样本的残差沿同样的权重反向流动:da[{l}]({i}) = W[{n}]ᵀ·δ[{n}]({i}),"
              "第 {l} 层的每个单元收集它所连接单元的 δ。",
        "en_rows": "Example {i}'s δ flows back along the same weights: da[{l}]({i}) = "
                   "δ[{n}]({i})·W[{n}]ᵀ, each unit of layer {l} collecting the δs of the units "
                   "it feeds.",
        "zh_rows": "第 {i} 个样本的残差沿同样的权重反向流动:da[{l}]({i}) = δ[{n}]({i})·W[{n}]ᵀ,"
                   "第 {l} 层的每个单元收集它所连接单元的 δ。",
    },
    "dZ": {
        "en": "Chain rule through layer {l}'s activation for example {i}: element by element "
              "times g'(z[{l}]({i})). {extra}",
        "zh": "对第 {i} 个样本在第 {l} 层的激活函数用链式法则:逐元素乘以 g'(z[{l}]({i}))。{extra}",
    },
    "cost": {
        "en": "J = (1/m)·Σ L(i): the examples' own losses averaged{decay}. (Note 004 sums the "
              "losses over the batch instead of averaging them.)",
        "zh": "J = (1/m)·Σ L(i):各样本损失的平均{decay}。(笔记 004 对批量求和而不取平均。)",
    },
    "average": {
        "en": "The sums become the batch's gradients: dW = (1/m)·ΔW{wdecay} and db = (1/m)·Δb. "
              "Only now, with every example seen, are they complete, and the update may use "
              "them. (Note 004 sums over the batch instead: without the 1/m its step is m times "
              "larger for the same α.)",
        "zh": "累加和变成批量梯度:dW = (1/m)·ΔW{wdecay},db = (1/m)·Δb。只有在看完所有样本之后"
              "它们才完整,更新才能使用。(笔记 004 对批量求和:少了 1/m,同样的 α 下步长大 m 倍。)",
    },
}
# Per-example mode's remaining examples (k + 1 .. m, k = examples shown), done together one
# layer at a time: a lead sentence on what the matrices hold, then what the step does.
# {s} = k + 1, {k}, {l}, {p} = l − 1, {n} = l + 1.
REST_LEAD: dict[str, dict[str, str]] = {
    "some": {
        "en": "The remaining examples {s} to m together, as batch mode computes them, one per "
              "column: column i is example i's own value; columns 1 to {k} repeat the examples "
              "done above and are kept for the drawing and the check against batch mode.",
        "zh": "其余的第 {s} 到第 m 个样本一起处理,与批量模式的算法相同:每列一个样本,第 i 列就是"
              "第 i 个样本自己的值;第 1 到第 {k} 列重复了上面逐个处理过的样本,保留它们用于绘图和"
              "与批量模式比较。",
        "en_rows": "The remaining examples {s} to m together, as batch mode computes them, one "
                   "per row: row i is example i's own value; rows 1 to {k} repeat the examples "
                   "done above and are kept for the drawing and the check against batch mode.",
        "zh_rows": "其余的第 {s} 到第 m 个样本一起处理,与批量模式的算法相同:每行一个样本,第 i 行"
                   "就是第 i 个样本自己的值;第 1 到第 {k} 行重复了上面逐个处理过的样本,保留它们"
                   "用于绘图和与批量模式比较。",
    },
    "none": {
        "en": "Every example of the batch had its own steps, so none remains: this step forms "
              "the batch matrix over all m examples (one per column) for the drawing and the "
              "check against batch mode.",
        "zh": "批量中的每个样本都已逐个处理,没有剩余样本:这一步对全部 m 个样本(每列一个)算出"
              "批量矩阵,用于绘图和与批量模式比较。",
        "en_rows": "Every example of the batch had its own steps, so none remains: this step "
                   "forms the batch matrix over all m examples (one per row) for the drawing "
                   "and the check against batch mode.",
        "zh_rows": "批量中的每个样本都已逐个处理,没有剩余样本:这一步对全部 m 个样本(每行一个)"
                   "算出批量矩阵,用于绘图和与批量模式比较。",
    },
}
REST: dict[str, dict[str, str]] = {
    "linear": {"en": "Layer {l}: the same W[{l}] and b[{l}] for every example.",
               "zh": "第 {l} 层:每个样本用的都是同一组 W[{l}] 和 b[{l}]。"},
    "activation": {"en": "g of layer {l}, element by element.",
                   "zh": "对第 {l} 层逐元素作用激活函数 g。"},
    "loss_sum": {
        "en": "Σ L(i) adds the remaining examples' own losses to those of examples 1 to {k}: "
              "the sum over all m examples, still without 1/m and weight decay (J comes next).",
        "zh": "Σ L(i) 把其余样本各自的损失加到第 1 到第 {k} 个样本的损失上:得到全部 m 个样本的和,"
              "仍然没有 1/m 和权重衰减(J 在后面)。",
    },
    "loss_sum_none": {
        "en": "Σ L(i) adds up the losses of examples 1 to {k}, all m of them: still without 1/m "
              "and weight decay (J comes next).",
        "zh": "Σ L(i) 把第 1 到第 {k} 个样本(全部 m 个)的损失相加:仍然没有 1/m 和权重衰减"
              "(J 在后面)。",
    },
    "dA_out": {"en": "dA[{l}] = ∂L(i)/∂a[{l}] of every example at once.",
               "zh": "一次算出每个样本的 dA[{l}] = ∂L(i)/∂a[{l}]。"},
    "dZ_out_collapsed": {"en": "δ[{l}] of every example at once: for this pair of output "
                               "activation and loss, a − y.",
                         "zh": "一次算出每个样本的残差 δ[{l}]:对这种输出激活与损失的组合,"
                               "即 a − y。"},
    "dZ_out": {"en": "δ[{l}] = dA[{l}] ⊙ g'(Z[{l}]) of every example at once.",
               "zh": "一次算出每个样本的残差 δ[{l}] = dA[{l}] ⊙ g'(Z[{l}])。"},
    "accumulate": {
        "en": "ΔW[{l}] gets each remaining example's ∇W[{l}](i) = δ[{l}](i)·a[{p}](i)ᵀ: the sum "
              "of those outer products is one matrix product, the columns {s} to m of dZ[{l}] "
              "times the same columns of A[{p}] transposed. Δb[{l}] gets the sum of those "
              "columns of dZ[{l}]. Now both hold all m examples' gradients.",
        "zh": "ΔW[{l}] 加上每个其余样本的 ∇W[{l}](i) = δ[{l}](i)·a[{p}](i)ᵀ:这些外积之和就是一次"
              "矩阵乘法,即 dZ[{l}] 的第 {s} 到第 m 列乘以 A[{p}] 同样几列的转置。Δb[{l}] 加上"
              " dZ[{l}] 这几列之和。现在二者都包含全部 m 个样本的梯度。",
        "en_rows": "ΔW[{l}] gets each remaining example's ∇W[{l}](i) = a[{p}](i)ᵀ·δ[{l}](i): the "
                   "sum of those outer products is one matrix product, the rows {s} to m of "
                   "A[{p}] transposed times the same rows of dZ[{l}]. Δb[{l}] gets the sum of "
                   "those rows of dZ[{l}]. Now both hold all m examples' gradients.",
        "zh_rows": "ΔW[{l}] 加上每个其余样本的 ∇W[{l}](i) = a[{p}](i)ᵀ·δ[{l}](i):这些外积之和就是"
                   "一次矩阵乘法,即 A[{p}] 第 {s} 到第 m 行的转置乘以 dZ[{l}] 同样的几行。Δb[{l}] "
                   "加上 dZ[{l}] 这几行之和。现在二者都包含全部 m 个样本的梯度。",
    },
    "accumulate_none": {
        "en": "No example remains, so nothing is added: ΔW[{l}] and Δb[{l}] already hold all m "
              "examples' gradients.",
        "zh": "没有剩余样本,不再累加:ΔW[{l}] 和 Δb[{l}] 已经包含全部 m 个样本的梯度。",
    },
    "dA": {"en": "δ flows back for every example at once: dA[{l}] = W[{n}]ᵀ·dZ[{n}].",
           "zh": "每个样本的残差一起反向流动:dA[{l}] = W[{n}]ᵀ·dZ[{n}]。",
           "en_rows": "δ flows back for every example at once: dA[{l}] = dZ[{n}]·W[{n}]ᵀ.",
           "zh_rows": "每个样本的残差一起反向流动:dA[{l}] = dZ[{n}]·W[{n}]ᵀ。"},
    "dZ": {"en": "Chain rule through layer {l}'s activation for every example at once: "
                 "dZ[{l}] = dA[{l}] ⊙ g'(Z[{l}]). {extra}",
           "zh": "对每个样本一起在第 {l} 层的激活函数用链式法则:dZ[{l}] = dA[{l}] ⊙ g'(Z[{l}])。"
                 "{extra}"},
}


def _delta_kind(kind: str, l: int, L: int, collapses: bool, activations: tuple[str, ...],
                lang: str) -> tuple[str, str]:
    """The text's kind of a dZ step (the output's, fused with its loss or not) and the sentence
    about g' that a hidden layer's dZ adds (and, for layer 1, that its input is x)."""
    if kind == "dZ" and l == L:
        return ("dZ_out_collapsed" if collapses else "dZ_out"), ""
    if kind != "dZ":
        return kind, ""
    extra = EXTRA.get(activations[l - 1], {}).get(lang, "")
    return kind, extra + (FIRST_LAYER[lang] if l == 1 else "")


def explain_rest(step: StepSpec, activations: tuple[str, ...], collapses: bool, lang: str,
                 m: int | None, rows: bool) -> str:
    """A step of the remaining examples: what the batch matrices hold, then the step's own
    sentence (in the notation shown; `m` to say when no example remains)."""
    shown = step.rest
    none = m is not None and shown >= m
    L = len(activations)
    kind, l = step.kind, step.layer or L
    kind, extra = _delta_kind(kind, l, L, collapses, activations, lang)
    key = lang + "_rows" if rows else lang
    lead = REST_LEAD["none" if none else "some"]
    texts = REST[f"{kind}_none"] if none and f"{kind}_none" in REST else REST[kind]
    own = texts.get(key, texts[lang]).format(l=l, p=l - 1, n=l + 1, s=shown + 1, k=shown,
                                             extra=extra.strip())
    if kind in ("loss_sum", "accumulate"):
        return own  # these say which examples they add up themselves
    return lead.get(key, lead[lang]).format(s=shown + 1, k=shown) + " " + own


W_DECAY_AVG = {"en": " + λW (weight decay joins once, here)", "zh": " + λW(权重衰减只在这里加一次)"}


def explain_per_example(step: StepSpec, activations: tuple[str, ...], collapses: bool,
                        decay: float, lang: str, m: int | None = None,
                        rows: bool = False) -> str:
    """Why a step of per-example mode: one example's version of each step, the sums, the
    remaining examples' steps (m: the batch's examples, to say when none remain), the average."""
    L = len(activations)
    kind, l = step.kind, step.layer or L
    if step.rest is not None:
        return explain_rest(step, activations, collapses, lang, m, rows)
    if kind == "loss" and step.example is None:
        return EXPLAIN_EXAMPLE["cost"][lang].format(decay=DECAY[lang] if decay else "")
    if kind == "average":
        return EXPLAIN_EXAMPLE["average"][lang].format(wdecay=W_DECAY_AVG[lang] if decay else "")
    if kind == "activation" and l == L:
        kind = "activation_out"
    kind, extra = _delta_kind(kind, l, L, collapses, activations, lang)
    i = (step.example or 0) + 1
    texts = EXPLAIN_EXAMPLE[kind]
    text = texts.get(f"{lang}_rows", texts[lang]) if rows else texts[lang]
    a_prev = f"x({i})" if l == 1 else f"a[{l - 1}]({i})"  # the formula writes x for a[0]
    return text.format(i=i, l=l, p=l - 1, n=l + 1, a_p=a_prev, extra=extra.strip())
