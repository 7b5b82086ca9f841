"""Interface text in English and Simplified Chinese, with the usual course terms
(前向传播, 反向传播, 残差 δ, 学习速率 α, 权重衰减 λ)."""

from __future__ import annotations

import functools
import re

from .maths_text import ACTIVATION_TEXT, LOSS_TEXT

LANGUAGES = {"en": "English", "zh": "简体中文"}

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Backprop Stepper", "zh": "反向传播逐步演示"},
    "tagline": {"en": "Backpropagation, one equation at a time",
                "zh": "一步一个公式,看懂反向传播"},
    "setup": {"en": "Network setup", "zh": "网络设置"},
    "presets": {"en": "Presets", "zh": "预设网络"},
    "custom": {"en": "Custom network", "zh": "自定义网络"},
    "build": {"en": "Build this network", "zh": "构建此网络"},
    "reseed": {"en": "New seed", "zh": "换个随机种子"},
    "reseed_help": {"en": "Rebuild this setup with a fresh random seed: new starting weights "
                          "(and a new draw of generated data)",
                    "zh": "用新的随机种子重建当前设置:新的初始权重(生成的数据也重新抽取)"},
    "weights_title": {"en": "Start from given weights", "zh": "从给定的权重开始"},
    "weights_help": {"en": "W[l]: one line per unit j of layer l, holding the weights into it "
                           "from each unit of layer l−1 (the column notation: row j of W[l]); "
                           "b[l]: one number per unit. Numbers are separated by spaces or commas. "
                           "Filled in with this network's starting weights; building keeps the "
                           "rest of the setup.",
                     "zh": "W[l]:第 l 层每个单元 j 占一行,写出从第 l−1 层各单元进入它的权重"
                           "(按列记法:W[l] 的第 j 行);b[l]:每个单元一个数。数之间用空格或逗号"
                           "分隔。已填入当前网络的初始权重;构建时其余设置保持不变。"},
    "weights_build": {"en": "Build with these weights", "zh": "用这些权重构建"},
    "layer_n": {"en": "Layer {l}", "zh": "第 {l} 层"},
    "build_note": {"en": "Building a network replaces the current one and its history.",
                   "zh": "构建新网络会替换当前网络及其历史。"},
    "layers": {"en": "Layer sizes n[0]…n[L]", "zh": "各层单元数 n[0]…n[L]"},
    "activations": {"en": "Activations g[1]…g[L]", "zh": "激活函数 g[1]…g[L]"},
    "loss_fn": {"en": "Loss", "zh": "损失函数"},
    "learning_rate": {"en": "Learning rate α", "zh": "学习速率 α"},
    "weight_decay": {"en": "Weight decay λ", "zh": "权重衰减 λ"},
    "init": {"en": "Initialisation", "zh": "初始化"},
    "init_scale": {"en": "Init scale ε (constant: every weight's value)",
                   "zh": "初始化尺度 ε(常数初始化:每个权重的值)"},
    "seed": {"en": "Seed", "zh": "随机种子"},
    "dataset": {"en": "Dataset", "zh": "数据集"},
    "samples": {"en": "Examples m", "zh": "样本数 m"},
    "noise": {"en": "Noise", "zh": "噪声"},
    "batch_size": {"en": "Batch size (empty: full batch)", "zh": "批大小(留空:全批量)"},
    "next": {"en": "Next step", "zh": "下一步"},
    "prev": {"en": "Previous step", "zh": "上一步"},
    "forward": {"en": "Forward pass", "zh": "前向传播"},
    "backward": {"en": "Backward pass", "zh": "反向传播"},
    "update": {"en": "Update", "zh": "更新参数"},
    "iterate": {"en": "One full iteration", "zh": "完整迭代一次"},
    "reset": {"en": "Reset", "zh": "重置"},
    "request_refused": {"en": "The server refused this request", "zh": "服务器拒绝了此请求"},
    # A field the page's script refuses before sending it (static/js/flash.js, the flash line).
    "field_range": {"en": "must be between {min} and {max}", "zh": "应在 {min} 到 {max} 之间"},
    "field_whole": {"en": "must be a whole number", "zh": "应为整数"},
    "request_unreachable": {"en": "The server could not be reached; nothing was changed. "
                                  "Try again.",
                            "zh": "无法连接服务器,什么也没有改变。请重试。"},
    "dismiss": {"en": "Dismiss", "zh": "关闭"},
    "session_expired": {"en": "Your previous network is no longer kept (idle too long, or the "
                              "server made room for others): this is a new one.",
                        "zh": "之前的网络已不再保存(闲置太久,或服务器为其他访客腾出了空间):"
                              "这是一个新的网络。"},
    "keys_hint": {"en": "Keys: → next step, ← previous step",
                  "zh": "快捷键:→ 下一步,← 上一步"},
    "iteration": {"en": "Iteration", "zh": "迭代"},
    "step": {"en": "Step", "zh": "步骤"},
    "of": {"en": "of", "zh": "/"},
    "loss": {"en": "Loss J", "zh": "损失 J"},
    "not_yet": {"en": "not computed yet", "zh": "尚未计算"},
    "phase_start": {"en": "Ready: nothing computed in this iteration yet",
                    "zh": "就绪:本次迭代尚未计算"},
    "phase_forward": {"en": "Forward pass", "zh": "前向传播"},
    "phase_loss": {"en": "Loss", "zh": "损失"},
    "phase_backward": {"en": "Backward pass", "zh": "反向传播"},
    "phase_update": {"en": "Update applied: iteration complete",
                     "zh": "已更新参数:本次迭代完成"},
    "next_is": {"en": "Next", "zh": "下一步"},
    "network": {"en": "Network", "zh": "网络"},
    "input_layer": {"en": "input", "zh": "输入层"},
    "hidden_layer": {"en": "hidden", "zh": "隐藏层"},
    "output_layer": {"en": "output", "zh": "输出层"},
    "bias_unit": {"en": "bias unit +1", "zh": "偏置单元 +1"},
    "more_units": {"en": "more units not drawn", "zh": "个单元未画出"},
    "fill_activation": {"en": "Neurons: activation a of example",
                        "zh": "神经元:激活值 a,样本"},
    "fill_delta": {"en": "Neurons: δ = ∂L/∂z of example", "zh": "神经元:残差 δ = ∂L/∂z,样本"},
    "edges_w": {"en": "Edges: weights W (colour = sign, width = size)",
                "zh": "连线:权重 W(颜色 = 正负,粗细 = 大小)"},
    "edges_dw": {"en": "Edges: gradients dW (batch average)",
                 "zh": "连线:梯度 dW(批量平均)"},
    "scale": {"en": "Colour scale", "zh": "颜色刻度"},
    "linear": {"en": "linear", "zh": "线性"},
    "log": {"en": "log magnitude", "zh": "对数幅度"},
    "notation": {"en": "Notation", "zh": "记法"},
    "columns": {"en": "columns: Z = W·A + b", "zh": "按列:Z = W·A + b"},
    "rows": {"en": "rows: Z = A·W + b", "zh": "按行:Z = A·W + b"},
    "notation_help": {"en": "One example per column (course notes) or per row (code, "
                            "'afraid of math' notes)",
                      "zh": "每列一个样本(课程笔记)或每行一个样本(代码写法)"},
    "example": {"en": "Example", "zh": "样本"},
    "batch_note": {"en": "Neurons show the selected example; dW and db are averages over the "
                         "batch of m = {m} examples.",
                   "zh": "神经元显示所选样本;dW 和 db 是对 m = {m} 个样本的批量平均。"},
    "equation": {"en": "Current equation", "zh": "当前公式"},
    "no_step": {"en": "No step done yet in this iteration: press Next step (→) to compute Z[1].",
                "zh": "本次迭代尚未计算:按“下一步”(→)计算 Z[1]。"},
    "operands": {"en": "Reads", "zh": "输入"},
    "result": {"en": "Result", "zh": "结果"},
    "why": {"en": "Why this step", "zh": "为什么要这一步"},
    "columns_shown": {"en": "showing {shown} of {total} columns",
                      "zh": "显示 {total} 列中的 {shown} 列"},
    "neuron": {"en": "One neuron, worked out", "zh": "单个神经元的计算"},
    "neuron_pending": {"en": "Nothing computed for this unit yet in this iteration: its z comes "
                             "at step Z[{l}].",
                       "zh": "本次迭代中这个单元还没有计算:它的 z 在 Z[{l}] 这一步计算。"},
    "neuron_hint": {"en": "Click a neuron in the drawing to see its own arithmetic.",
                    "zh": "点击图中的神经元,查看它的具体计算。"},
    "timeline": {"en": "Steps of this iteration", "zh": "本次迭代的步骤"},
    "language": {"en": "Language", "zh": "语言"},
    "error": {"en": "Error", "zh": "错误"},
    # Gradient check, export and import (templates/_tools.html, _gradcheck.html)
    "tools_title": {"en": "Check, export, import", "zh": "检验、导出、导入"},
    "gc_title": {"en": "Gradient check", "zh": "梯度检验"},
    "gc_button": {"en": "Check gradients", "zh": "检验梯度"},
    "gc_explain": {"en": "For every parameter θ, the numeric gradient (J(θ+h) − J(θ−h)) / 2h, "
                         "from two extra forward passes, is compared with the gradient backprop "
                         "computed, for this iteration's parameters and batch.",
                   "zh": "对每个参数 θ,用两次额外的前向传播算出数值梯度 (J(θ+h) − J(θ−h)) / 2h,"
                         "并与反向传播得到的梯度比较(使用本次迭代的参数和批量数据)。"},
    "gc_parameter": {"en": "Parameter", "zh": "参数"},
    "gc_rel_error": {"en": "Relative error", "zh": "相对误差"},
    "gc_verdict": {"en": "Verdict", "zh": "结论"},
    "gc_ok": {"en": "ok", "zh": "正确"},
    "gc_check": {"en": "check", "zh": "需检查"},
    "gc_wrong": {"en": "wrong", "zh": "错误"},
    "gc_overall": {"en": "All parameters", "zh": "全部参数"},
    "gc_max_entry": {"en": "largest entry error", "zh": "最大单项误差"},
    "gc_entries": {"en": "Per entry", "zh": "逐项结果"},
    "gc_legend": {"en": "Relative error ‖g − n‖ / (‖g‖ + ‖n‖) of backprop's g and the numeric "
                        "n: ok below {ok}, check below {check}, wrong above.",
                  "zh": "相对误差 ‖g − n‖ / (‖g‖ + ‖n‖)(g 为反向传播梯度,n 为数值梯度):"
                        "小于 {ok} 为正确,小于 {check} 需检查,更大为错误。"},
    "gc_resolution": {"en": "Differences below {r} are rounding noise of the finite differences "
                            "and count as ok (where a gradient is 0, a relative error means "
                            "nothing).",
                      "zh": "小于 {r} 的差异属于有限差分的舍入噪声,计为正确(梯度为 0 时相对误差"
                            "没有意义)。"},
    "gc_meta": {"en": "Iteration {iteration} · m = {m} examples · {n} parameters · h = {h} · "
                      "J = {J} · {s} s",
                "zh": "迭代 {iteration} · m = {m} 个样本 · {n} 个参数 · h = {h} · J = {J} · "
                      "{s} 秒"},
    "gc_cell": {"en": "{name}[{i},{j}]: backprop {g}, numeric {n}, relative error {e}: {v}",
                "zh": "{name}[{i},{j}]:反向传播 {g},数值 {n},相对误差 {e}:{v}"},
    "gc_shown": {"en": "showing {shown} of {total}", "zh": "显示 {total} 中的 {shown}"},
    "export_title": {"en": "Export", "zh": "导出"},
    "export_json": {"en": "Session (JSON)", "zh": "会话(JSON)"},
    "export_py": {"en": "NumPy script of this iteration (.py)", "zh": "本次迭代的 NumPy 脚本(.py)"},
    "export_note": {"en": "The JSON imports back to this very iteration and step, with the "
                          "history (curves, α) of the iterations before it; the script redoes "
                          "its forward pass, loss, backward pass and update in plain NumPy and "
                          "prints the numbers.",
                    "zh": "JSON 可重新导入并回到这一迭代的这一步,连同之前各次迭代的历史(曲线、α);"
                          "脚本用纯 NumPy 重做本次迭代的前向传播、损失、反向传播和更新,"
                          "并打印结果。"},
    "import_title": {"en": "Import", "zh": "导入"},
    "import_file": {"en": "JSON export or CSV file", "zh": "JSON 导出文件或 CSV 文件"},
    "import_note": {"en": "CSV: a header row, then one example per row: the n[0] inputs, then "
                          "the last n[L] columns as targets (at most 2,000 rows, 1 MB). Layer "
                          "sizes, activations and loss apply to CSV only.",
                    "zh": "CSV:第一行为表头,之后每行一个样本:前 n[0] 列为输入,最后 n[L] 列为"
                          "目标(最多 2000 行、1 MB)。层大小、激活函数和损失函数仅用于 CSV。"},
    "import_button": {"en": "Import as a new network", "zh": "导入为新网络"},
    "wide_note": {"en": "Wide layers are summarised, units drawn / units in the layer:",
                  "zh": "较宽的层已简化,画出的单元数 / 该层单元数:"},
    "xtarget": {"en": "target y", "zh": "目标 y"},
    "current": {"en": "current network", "zh": "当前网络"},
    "training": {"en": "Training", "zh": "训练"},
    "share": {"en": "Share", "zh": "分享"},
    "plot_overflow": {"en": "The network's output overflows (inf or NaN) for these parameters: "
                            "nothing to draw. Try a smaller learning rate.",
                      "zh": "在当前参数下网络输出溢出(inf 或 NaN),无法绘制。请减小学习速率。"},
    "setup_link": {"en": "Link to this setup (builds a fresh copy):",
                   "zh": "此设置的链接(打开即新建一份):"},
    "test_ratio": {"en": "Test share (0–0.9)", "zh": "测试集比例(0–0.9)"},
    "train": {"en": "Train", "zh": "训练"},
    "iterations_word": {"en": "iterations", "zh": "次迭代"},
    "play": {"en": "Play", "zh": "播放"},
    "pause": {"en": "Pause", "zh": "暂停"},
    "stop": {"en": "Stop", "zh": "停止"},
    "speed": {"en": "Speed", "zh": "速度"},
    "per_tick": {"en": "iterations per frame", "zh": "每帧迭代数"},
    "n_per_frame": {"en": "{n} / frame", "zh": "每帧 {n} 次"},
    "set_lr": {"en": "Set α", "zh": "设置 α"},
    "history": {"en": "History: state after iteration", "zh": "历史:第几次迭代之后的状态"},
    "completed": {"en": "completed", "zh": "已完成"},
    "loss_curve": {"en": "Loss per iteration", "zh": "每次迭代的损失"},
    "train_loss": {"en": "train", "zh": "训练集"},
    "test_loss": {"en": "test", "zh": "测试集"},
    "accuracy": {"en": "Accuracy", "zh": "准确率"},
    "boundary": {"en": "Output over the input plane", "zh": "输入平面上的输出"},
    "fit": {"en": "Fitted curve", "zh": "拟合曲线"},
    "hidden_maps": {"en": "Hidden units over the input plane", "zh": "隐藏单元在输入平面上的输出"},
    "hidden_maps_caption": {"en": "One row per hidden layer a[l], one tile per unit (numbered): "
                                  "its a at every point of the same plane as the output (x₁ "
                                  "across, x₂ up). Blue: positive, orange: negative, white: 0, "
                                  "each tile on its own scale up to its largest |a|.",
                            "zh": "每行是一个隐藏层 a[l],每个小图是一个单元(按编号):它在与输出"
                                  "相同的平面上每一点的 a 值(x₁ 向右,x₂ 向上)。蓝色为正,橙色为负,"
                                  "白色为 0,每个小图按自己的最大 |a| 着色。"},
    "hidden_maps_flat": {"en": "{k} of these {n} tiles are flat: the unit's a changes by less "
                               "than 5 % over the whole plane, so it tells the next layer almost "
                               "nothing about where a point lies.",
                         "zh": "这 {n} 个小图中有 {k} 个是平的:该单元的 a 在整个平面上变化不到 "
                               "5 %,几乎没有告诉下一层这个点在哪里。"},
    "plane_key_value": {"en": "Colour: the output a at each point, from 0 (orange) through 0.5 "
                              "(white) to 1 (blue). Dots: the examples,",
                        "zh": "颜色:每一点的输出 a,从 0(橙)经 0.5(白)到 1(蓝)。圆点:样本,"},
    "plane_key_classes": {"en": "Colour: the class of the largest output, paler where the "
                                "network is less sure. Dots: the examples by their target class:",
                          "zh": "颜色:输出最大的类别,网络越不确定颜色越浅。圆点:按目标类别着色"
                                "的样本:"},
    "grad_norms": {"en": "Gradient size ‖dW[l]‖ per layer (log scale)",
                   "zh": "各层梯度大小 ‖dW[l]‖(对数刻度)"},
    "chart_tip": {"en": "iteration {n}", "zh": "第 {n} 次迭代"},  # a chart's hover (tooltip.js)
    "no_history": {"en": "Train a few iterations to see the curves.",
                   "zh": "先训练几次迭代,再看曲线。"},
    "symmetry": {"en": "Symmetry: the {n} units of layer {l} are identical: the same weights into "
                       "them, the same bias, the same weights out of them. So they compute the "
                       "same value and receive the same gradient, and every update keeps them "
                       "equal: {n} units do the work of one.",
                 "zh": "对称性:第 {l} 层的 {n} 个单元完全相同:进入它们的权重相同、偏置相同、"
                       "从它们出发的权重也相同。所以它们的输出相同、得到的梯度也相同,每次更新后"
                       "依然相等:{n} 个单元只做了一个单元的事。"},
    "symmetry_loss": {"en": "The loss can still fall, as far as one unit can take it.",
                      "zh": "损失仍可下降,但只能降到一个单元所能达到的程度。"},
    "symmetry_maps": {"en": "Their maps over the input plane are identical too.",
                      "zh": "它们在输入平面上的输出图也完全相同。"},
    "still": {"en": "Every gradient dW has been exactly 0 at each of the {n} iterations so far: "
                    "no weight has moved.",
              "zh": "到目前为止的 {n} 次迭代中,每个梯度 dW 都恰好为 0:没有任何权重移动过。"},
    "still_why": {"en": "Why: every weight is 0. δ travels back through W, so below the output "
                        "every δ, dW and db is 0. The output layer's inputs are the same for "
                        "every example, so its dW and db are multiples of Σ(a − y), and here "
                        "a = {a} for every example and Σ(a − y) = 0: the errors cancel. Nothing "
                        "will ever move, however long it trains.",
                  "zh": "原因:所有权重都是 0。残差 δ 要经过 W 反向传递,所以输出层以下的每个 "
                        "δ、dW 和 db 都是 0。输出层的输入对每个样本都相同,所以它的 dW 和 db 都是 "
                        "Σ(a − y) 的倍数;而这里每个样本的 a = {a},Σ(a − y) = 0:误差正负抵消。"
                        "无论训练多久,什么都不会改变。"},
    "grads_still": {"en": "Every ‖dW[l]‖ has been exactly 0 in all {n} iterations: a log scale "
                          "has nothing to draw.",
                    "zh": "全部 {n} 次迭代中每个 ‖dW[l]‖ 都恰好为 0:对数刻度上无法画出。"},
    "grads_zero_series": {"en": "Exactly 0 at every iteration, so not drawn: {names}.",
                          "zh": "每次迭代都恰好为 0,因此未画出:{names}。"},
    "vanishing": {"en": "Vanishing gradients: at iteration {at}, ‖dW[1]‖ = {first} was {times}× "
                        "smaller than ‖dW[{L}]‖ = {last}. With the same α, the first layer's "
                        "weights move that many times more slowly than the last layer's: the "
                        "layers near the input hardly learn.",
                  "zh": "梯度消失:第 {at} 次迭代时,‖dW[1]‖ = {first},比 ‖dW[{L}]‖ = {last} 小 "
                        "{times} 倍。学习速率 α 相同,第一层权重的移动就慢这么多倍:靠近输入的"
                        "各层几乎学不到东西。"},
    "plateau": {"en": "The loss has hardly moved in the last {n} iterations (J = {J}, a change "
                      "below 1 %) while the accuracy is {acc}: training has stalled, on a plateau "
                      "it may leave later or near a minimum it will not leave. New seed (in the "
                      "setup) starts from other weights.",
                "zh": "最近 {n} 次迭代中损失几乎没有变化(J = {J},变化不到 1 %),而准确率为 "
                      "{acc}:训练停滞了,可能停在一个之后会离开的平台上,也可能停在一个不会再离开"
                      "的极小值附近。在网络设置中点“换个随机种子”可以从另一组权重开始。"},
    "vanishing_sigmoid": {"en": "Each sigmoid layer multiplies δ by g' = a(1 − a) ≤ 0.25 on "
                                "the way back.",
                          "zh": "反向传播每经过一个 sigmoid 层,δ 都要乘以 g' = a(1 − a) ≤ 0.25。"},
    "test_points": {"en": "hollow points: test set", "zh": "空心点:测试集"},
    "exploding": {"en": "The loss is blowing up: J = {now}, {times}× its lowest ({low}, at "
                        "iteration {at}). The learning rate α = {lr} is probably too large for "
                        "this network: set a smaller α, or go back in the history or reset. "
                        "Training runs stop when this first appears.",
                  "zh": "损失正在爆炸:J = {now},是最低值({low},第 {at} 次迭代时)的 {times} 倍。"
                        "学习速率 α = {lr} 对这个网络可能太大:"
                        "请设置更小的 α,或在历史中回退、或重置。"
                        "训练在此提示首次出现时会自动停止。"},
    # -- training state and history: what a move did on the learner's behalf, scrubbing back
    "ran_forward": {"en": "Ran the forward pass of iteration {k} first: the backward pass "
                          "needs its loss J.",
                    "zh": "先运行了第 {k} 次迭代的前向传播:反向传播需要它的损失 J。"},
    "ran_backward": {"en": "Ran the backward pass of iteration {k} first: the update needs "
                           "every gradient.",
                     "zh": "先完成了第 {k} 次迭代的反向传播:更新参数需要所有梯度。"},
    "ran_forward_backward": {"en": "Ran the forward and backward passes of iteration {k} "
                                   "first: the update needs every gradient.",
                             "zh": "先运行了第 {k} 次迭代的前向传播和反向传播:"
                                   "更新参数需要所有梯度。"},
    "lr_confirm": {"en": "Set α = {lr} from iteration {k} on? The history holds {n} "
                         "iterations; the {d} from iteration {k} to {n} were trained with the "
                         "old α and will be discarded.",
                   "zh": "从第 {k} 次迭代起使用 α = {lr}?历史中共有 {n} 次迭代;"
                         "第 {k} 到第 {n} 次这 {d} 次迭代是用原来的 α 训练的,将被丢弃。"},
    "lr_discard_yes": {"en": "Discard {d} iterations and set α", "zh": "丢弃 {d} 次迭代并设置 α"},
    "lr_keep": {"en": "Cancel: keep the history", "zh": "取消:保留历史"},
    "lr_discarded": {"en": "α = {lr} from iteration {k} on: the {d} later iterations ({k}–{n}) "
                           "were discarded from the history.",
                     "zh": "从第 {k} 次迭代起 α = {lr}:之后的 {d} 次迭代(第 {k}–{n} 次)"
                           "已从历史中丢弃。"},
    "lr_scrubbed_hint": {"en": "Setting α here discards the {d} later iterations (it asks "
                               "first).",
                         "zh": "在此设置 α 会丢弃之后的 {d} 次迭代(会先询问)。"},
    "update_check": {"en": "Check it: new value = old value − α × gradient, with α = {lr}",
                     "zh": "验算:新值 = 原值 − α × 梯度,其中 α = {lr}"},
    "update_decay": {"en": "With weight decay λ = {lam}, each dW is the data's part plus λ·W:",
                     "zh": "有权重衰减 λ = {lam} 时,每个 dW 是数据部分加上 λ·W:"},
    "dw_data_part": {"en": "(1/m)·dZ[{l}]·{a}ᵀ", "zh": "(1/m)·dZ[{l}]·{a}ᵀ"},
    "dw_data_part_rows": {"en": "(1/m)·{a}ᵀ·dZ[{l}]", "zh": "(1/m)·{a}ᵀ·dZ[{l}]"},
    "dw_decay_part": {"en": "λ·W[{l}]", "zh": "λ·W[{l}]"},
    "viewing": {"en": "Viewing iteration {k} of {n}", "zh": "正在查看第 {k} 次迭代(共 {n} 次)"},
    "of_iteration": {"en": "iteration {k}", "zh": "第 {k} 次迭代"},
    "imported_from": {"en": "Imported at iteration {k}: the curves show the iterations before "
                            "it, but the history goes back only to its start (the file holds "
                            "no earlier parameters).",
                      "zh": "在第 {k} 次迭代导入:曲线显示了之前的迭代,但历史只能回到这次迭代的"
                            "开始(文件中没有更早的参数)。"},
    # Accessibility: words for screen readers and the cues that do not rely on colour.
    "chart_summary": {"en": "{n} iterations; each series from its first to its last value:",
                      "zh": "共 {n} 次迭代;各序列从首值到末值:"},
    "chart_values": {"en": "Values (table)", "zh": "数值(表格)"},
    "training_progress": {"en": "Training progress", "zh": "训练进度"},
    "announce_start": {"en": "Iteration {n}: nothing computed yet.",
                       "zh": "第 {n} 次迭代:尚未计算。"},
    "announce_next": {"en": "Iteration {n}: nothing computed yet; the last loss J = {loss}.",
                      "zh": "第 {n} 次迭代:尚未计算;上次损失 J = {loss}。"},
    "announce_step": {"en": "{name} computed: {shape}, {cell} = {value}",
                      "zh": "已计算 {name}:{shape},{cell} = {value}"},
    "announce_scalar": {"en": "{name} computed: {value}", "zh": "已计算 {name}:{value}"},
    "announce_update": {"en": "Update done: W and b of every layer changed (iteration {n}, "
                              "loss J = {loss}).",
                        "zh": "更新完成:各层的 W 和 b 已改变(第 {n} 次迭代,损失 J = {loss})。"},
    "step_done": {"en": "done", "zh": "已完成"},
    "step_current": {"en": "current step", "zh": "当前步骤"},
    "step_todo": {"en": "to do", "zh": "待完成"},
    "edge_cues": {"en": "Solid line: positive, dashed: negative; bias edges dotted (positive) or "
                        "dash-dotted (negative).",
                  "zh": "实线:正值,虚线:负值;偏置连线为点线(正)或点划线(负)。"},
    "incoming": {"en": "Weights into this neuron", "zh": "输入该神经元的权重"},
    "weight": {"en": "weight", "zh": "权重"},
    "gradient": {"en": "gradient", "zh": "梯度"},
    "selected_example": {"en": "selected example", "zh": "所选样本"},
    "row_word": {"en": "row", "zh": "行"},
    "class_markers": {"en": "marker shape: class (●, ■, ▲, ◆)",
                      "zh": "标记形状:类别(●、■、▲、◆)"},
    # Quiz mode: predict, then reveal (templates/_quiz.html, app/views/quiz.py).
    "quiz_switch": {"en": "Quiz: predict each step before it is shown",
                    "zh": "测验模式:先预测每一步,再看结果"},
    "quiz_help": {"en": "Next (→) first asks a question about the step; answering takes the "
                        "step and shows whether you were right.",
                  "zh": "“下一步”(→)先就这一步提一个问题;作答后才执行这一步,并告诉你答得对不对。"},
    "quiz_title": {"en": "Quiz", "zh": "测验"},
    "quiz_question": {"en": "Question about the next step", "zh": "关于下一步的问题"},
    "quiz_answer": {"en": "Answer and take the step", "zh": "作答并执行这一步"},
    "quiz_number": {"en": "Your number", "zh": "你的数值"},
    "quiz_bad_number": {"en": "Type a number, for example −0.25.",
                        "zh": "请输入一个数,例如 −0.25。"},
    "quiz_no_choice": {"en": "Choose one of the answers.", "zh": "请选择一个答案。"},
    "quiz_from": {"en": "From: {operands}", "zh": "已知:{operands}"},
    "quiz_target_note": {"en": "The unit asked about is outlined in the drawing.",
                         "zh": "图中用虚线圈出了所问的单元。"},
    "quiz_layer_note": {"en": "Layer {l}'s units are outlined in the drawing.",
                        "zh": "图中用虚线圈出了第 {l} 层的单元。"},
    "quiz_yours": {"en": "Your answer", "zh": "你的答案"},
    "quiz_true": {"en": "True value", "zh": "真实值"},
    "quiz_formula": {"en": "The step", "zh": "这一步"},
    "quiz_verdict": {"en": "Verdict", "zh": "判定"},
    "quiz_next_hint": {"en": "Next (→) asks the next question.", "zh": "按“下一步”(→)看下一题。"},
    "quiz_score": {"en": "Score", "zh": "得分"},
    "quiz_iteration_score": {"en": "Iteration {i}: {r} of {n} right",
                             "zh": "第 {i} 次迭代:{n} 题答对 {r} 题"},
    "quiz_earlier": {"en": "Earlier iterations", "zh": "此前的迭代"},
    "quiz_kind_shape": {"en": "Shapes", "zh": "形状"},
    "quiz_kind_sign": {"en": "Signs of δ", "zh": "残差 δ 的符号"},
    "quiz_kind_largest": {"en": "Largest |δ|", "zh": "最大的 |δ|"},
    "quiz_kind_number": {"en": "Numbers", "zh": "数值"},
    "quiz_level": {"en": "Asking now", "zh": "当前题型"},
    "quiz_level_shape": {"en": "shapes", "zh": "形状"},
    "quiz_level_sign": {"en": "signs of δ", "zh": "残差 δ 的符号"},
    "quiz_level_number": {"en": "numbers", "zh": "数值"},
    "quiz_up": {"en": "right answers on {now} in a row still needed for {next}: {k}",
                "zh": "{now}题再连续答对 {k} 题即进入“{next}”"},
    "quiz_top": {"en": "the hardest questions", "zh": "已是最难的题型"},
    # The page's description for search engines, and the colour theme switch in the header.
    "description": {"en": "Step a small neural network through forward pass, loss, backward "
                          "pass and update, one equation at a time, with every number drawn.",
                    "zh": "逐个公式演示小型神经网络的前向传播、损失、反向传播与参数更新,"
                          "每个数都画出来。"},
    "theme": {"en": "Colour theme", "zh": "配色"},
    "theme_system": {"en": "System", "zh": "跟随系统"},
    "theme_light": {"en": "Light", "zh": "浅色"},
    "theme_dark": {"en": "Dark", "zh": "深色"},
}


@functools.cache
def strings(lang: str) -> dict[str, str]:
    """Every text in one language, for templates: T['next'] is a dict lookup, not a call."""
    lang = lang if lang in LANGUAGES else "en"
    return {key: entry.get(lang) or entry["en"] for key, entry in TEXT.items()}


def translator(lang: str):
    """t('key', **fmt) in the given language, falling back to English."""
    lang = lang if lang in LANGUAGES else "en"

    def t(key: str, **fmt: object) -> str:
        entry = TEXT.get(key)
        text = key if entry is None else entry.get(lang) or entry["en"]
        return text.format(**fmt) if fmt else text

    t.lang = lang  # type: ignore[attr-defined]  # names the language in render-cache keys
    return t



# What the source notes teach beyond the batch steps: per-example mode, the output δ the long
# way, the computation graph, the activations with their derivatives, the UFLDL overlay.
TEXT |= {
    "forward_example": {"en": "Forward pass of example {i}", "zh": "第 {i} 个样本的前向传播"},
    "backward_example": {"en": "Backward pass of example {i}", "zh": "第 {i} 个样本的反向传播"},
    "rest_examples": {"en": "Remaining examples", "zh": "其余样本"},
    "backward_rest": {"en": "Backward pass of the remaining examples",
                      "zh": "其余样本的反向传播"},
    "rest_steps": {"en": "Examples {s}–{m} together · {n} steps",
                   "zh": "样本 {s}–{m} 一起处理 · {n} 步"},
    "rest_steps_none": {"en": "Batch matrices (no example remains) · {n} steps",
                        "zh": "批量矩阵(没有剩余样本)· {n} 步"},
    "rest_next": {"en": "{name} (remaining examples)", "zh": "{name}(其余样本)"},
    "average_move": {"en": "Average: dW = ΔW/m", "zh": "取平均:dW = ΔW/m"},
    "timeline_average": {"en": "ΔW/m", "zh": "ΔW/m"},
    "example_steps": {"en": "Example {i} · {n} steps", "zh": "样本 {i} · {n} 步"},
    "under_way": {"en": "Example {i} of {m} under way", "zh": "正在处理第 {i} 个样本(共 {m} 个)"},
    "outer_product": {"en": "The outer product δ[{l}]·a[{p}]ᵀ, entry by entry: each weight's "
                            "gradient for this example is the δ of the unit it feeds times the "
                            "a it reads.",
                      "zh": "外积 δ[{l}]·a[{p}]ᵀ 逐项展开:每个权重对该样本的梯度,等于它所"
                            "连接单元的 δ 乘以它读入的 a。"},
    "sum_growth": {"en": "ΔW[{l}] now holds the gradients of {k} of the m = {m} examples.",
                   "zh": "ΔW[{l}] 现在包含 m = {m} 个样本中 {k} 个样本的梯度之和。"},
    "sum_complete": {"en": "ΔW[{l}] and Δb[{l}] now hold the gradients of all m = {m} examples.",
                     "zh": "ΔW[{l}] 和 Δb[{l}] 现在包含全部 m = {m} 个样本的梯度之和。"},
    "batch_check": {"en": "Against batch mode's dW = (1/m)·dZ·Aᵀ + λW and db = (1/m)·Σ dZ, "
                          "computed from the batch matrices dZ and A that the remaining examples' "
                          "steps formed: largest difference {diff}, {verdict}.",
                    "zh": "与批量模式的 dW = (1/m)·dZ·Aᵀ + λW、db = (1/m)·Σ dZ(用其余样本的"
                          "步骤写出的批量矩阵 dZ、A 计算)相比:最大差异为 {diff},{verdict}。"},
    "batch_check_rows": {"en": "Against batch mode's dW = (1/m)·Aᵀ·dZ + λW and db = (1/m)·Σ dZ, "
                               "computed from the batch matrices dZ and A that the remaining "
                               "examples' steps formed: largest difference {diff}, {verdict}.",
                         "zh": "与批量模式的 dW = (1/m)·Aᵀ·dZ + λW、db = (1/m)·Σ dZ(用其余样本"
                               "的步骤写出的批量矩阵 dZ、A 计算)相比:最大差异为 {diff},"
                               "{verdict}。"},
    "batch_equal": {"en": "so they are equal to within 1e−12", "zh": "即在 1e−12 以内相等"},
    "batch_differ": {"en": "more than 1e−12: they differ", "zh": "超出 1e−12,二者不相等"},
    "chain_line": {"en": "The long way gives the same δ: for this pair of output activation "
                         "and loss the product equals a_k − y_k, shown for each of the {n} "
                         "output units k of example {i}:",
                   "zh": "绕远路得到同样的残差:对这种输出激活与损失的组合,乘积等于 a_k − y_k;"
                         "下面逐一列出第 {i} 个样本全部 {n} 个输出单元 k:"},
    "loss_beside": {"en": "Example {i} alone: L({i}) = {li}; the batch's J = {j} averages the "
                          "m = {m} examples' L(i).",
                    "zh": "单看第 {i} 个样本:L({i}) = {li};批量的 J = {j} 是 m = {m} 个样本"
                          "损失 L(i) 的平均。"},
    "loss_example_first": {"en": "J comes once every example's L(i) is known: the remaining "
                                 "examples' losses are added in their step Σ L(i).",
                           "zh": "要等每个样本的 L(i) 都算出后才有 J:其余样本的损失在它们的"
                                 " Σ L(i) 一步中加入。"},
    "regularization": {"en": "Penalty on W (strength λ)", "zh": "W 的正则项(强度 λ)"},
    "reg_l2": {"en": "L2 weight decay: (λ/2)·Σ‖W‖², dW + λW",
               "zh": "L2 权重衰减:(λ/2)·Σ‖W‖²,dW + λW"},
    "reg_l1": {"en": "L1: λ·Σ|W|, dW + λ·sign(W)", "zh": "L1:λ·Σ|W|,dW + λ·sign(W)"},
    "features": {"en": "Inputs from each 2-D point (x₁, x₂)", "zh": "由二维点 (x₁, x₂) 得到的输入"},
    "features_help": {"en": "As in TensorFlow Playground: each ticked feature is one input "
                            "unit, so n[0] follows their count (2-D datasets only). With x₁² "
                            "and x₂² the circles need no hidden layer.",
                      "zh": "与 TensorFlow Playground 相同:每个勾选的特征是一个输入单元,n[0] 随之"
                            "改变(仅限二维数据集)。勾选 x₁² 和 x₂² 后,同心圆不需要隐藏层。"},
    "features_note": {"en": "Input units, in order: {labels} (features of each point (x₁, x₂); "
                            "the plane is drawn over x₁, x₂).",
                      "zh": "输入单元依次为:{labels}(每个点 (x₁, x₂) 的特征;输出平面按 x₁、x₂ "
                            "绘制)。"},
    "gradient_mode": {"en": "Gradient", "zh": "梯度计算方式"},
    "mode_batch": {"en": "whole batch at once", "zh": "整批同时计算"},
    "mode_per_example": {"en": "one example at a time, ΔW summed (UFLDL)",
                         "zh": "逐个样本计算,累加 ΔW(UFLDL)"},
    "examples_shown": {"en": "Examples shown one by one", "zh": "逐个展示的样本数"},
    "output_delta": {"en": "Output δ", "zh": "输出层残差 δ"},
    "delta_fused": {"en": "fused: A − Y", "zh": "合并:A − Y"},
    "delta_chain": {"en": "the long way: dA, then dZ", "zh": "绕远路:先 dA,再 dZ"},
    "backward_order": {"en": "Backward order", "zh": "反向传播顺序"},
    "order_by_layer": {"en": "by layer", "zh": "逐层"},
    "order_deltas_first": {"en": "UFLDL: all δ first", "zh": "UFLDL:先算全部 δ"},
    "graph_button": {"en": "Computation graph", "zh": "计算图"},
    "neuron_pending_example": {"en": "Nothing computed for this unit yet for example {i}: its z "
                                     "comes at step z[{l}]({i}).",
                               "zh": "第 {i} 个样本在这个单元上还没有计算:它的 z 在 z[{l}]({i}) "
                                     "这一步计算。"},
    "edges_sum": {"en": "Edges: ΔW so far (the gradients of the examples done, summed)",
                  "zh": "连线:目前的 ΔW(已处理样本的梯度之和)"},
    "batch_note_example": {"en": "Neurons show example {i}, the one being processed; its "
                                 "gradients go into the sums ΔW, Δb, which are averaged over "
                                 "the m = {m} examples at the end.",
                           "zh": "神经元显示正在处理的第 {i} 个样本;它的梯度累加进 ΔW、Δb,最后再对 "
                                 "m = {m} 个样本取平均。"},
    "ufldl_switch": {"en": "UFLDL indices", "zh": "UFLDL 记号"},
    "ufldl_map": {"en": "UFLDL notes (002): layers counted from the input, a(1) = x; a(l+1) = "
                        "A[l], z(l+1) = Z[l], δ(l+1) = dZ[l] (δ(3) is dZ[2]); W(l), b(l) = "
                        "W[l], b[l] (W(l) maps layer l to l+1); n_l = L + 1 = {nl} layers. This "
                        "step in the notes:",
                  "zh": "UFLDL 笔记(002):层从输入层开始编号,a(1) = x;a(l+1) = A[l],z(l+1) = "
                        "Z[l],δ(l+1) = dZ[l](δ(3) 即 dZ[2]);W(l)、b(l) = W[l]、b[l](W(l) 把"
                        "第 l 层映射到第 l+1 层);n_l = L + 1 = {nl} 层。这一步在笔记中写作:"},
    "ufldl_columns": {"en": "(The notes put one example per column.)",
                      "zh": "(笔记中每列一个样本。)"},
    "ufldl_none": {"en": "The notes have no line of their own for this step.",
                   "zh": "笔记中没有与这一步单独对应的式子。"},
    "plot_label": {"en": "{g} and its derivative", "zh": "{g} 及其导数"},
    "plot_caption": {"en": "{g} (solid) and its derivative g' (dashed), with example {i}'s z "
                           "values marked: g' is what the backward pass multiplies δ by here.",
                     "zh": "{g}(实线)及其导数 g'(虚线),标出了第 {i} 个样本的 z 值:反向传播在"
                           "这一层把 δ 乘以的正是 g'。"},
    "plot_softmax": ACTIVATION_TEXT["softmax"]["derivative"],
    "graph_title": {"en": "Computation graph of L({i}), example {i}",
                    "zh": "L({i}) 的计算图(第 {i} 个样本)"},
    "graph_intro": {"en": "Every node shows its value v and its gradient g = ∂L({i})/∂node "
                          "(example {i}'s own loss L({i}) = {loss}: no 1/m, no weight decay), "
                          "for the current parameters. Reverse mode: each node's g is the sum "
                          "over the nodes it feeds of their g times the local derivative.",
                    "zh": "每个节点显示它的值 v 和梯度 g = ∂L({i})/∂节点(第 {i} 个样本自己的损失 "
                          "L({i}) = {loss}:没有 1/m,没有权重衰减),使用当前参数。反向模式:每个"
                          "节点的 g 等于它所输入的各节点的 g 乘以局部导数之和。"},
    "graph_part": {"en": "The whole graph has {n} nodes: drawn are the {drawn} on the paths into "
                         "unit {j} of layer {l} (click another neuron in the drawing to choose "
                         "it), and L, reached through the later layers.",
                   "zh": "完整的图有 {n} 个节点:这里只画出通向第 {l} 层第 {j} 个单元的 {drawn} 个"
                         "节点(在网络图中点击其他神经元可切换),以及经后面各层到达的 L。"},
    "graph_value": {"en": "v", "zh": "值"},
    "graph_grad": {"en": "g", "zh": "梯度"},
    "foo_dfoo": {"en": "foo and dfoo always have the same shape: every parameter and its "
                       "gradient, entry by entry:",
                 "zh": "foo 与 dfoo 的维度总是一致:每个参数与它的梯度逐项对应:"},
    "graph_wait": {"en": "The graph needs this example's forward pass: step through it first "
                         "(Forward pass), then open the graph again.",
                   "zh": "计算图需要这个样本的前向传播结果:请先执行前向传播,再打开计算图。"},
}

# Runs side by side: a pinned run's curves beside the current run's, its drawing compared.
TEXT |= {
    "run_current": {"en": "current", "zh": "当前"},
    "run_pinned": {"en": "pinned", "zh": "已固定"},
    "diff_init": {"en": "init {value}", "zh": "初始化 {value}"},
    "diff_activations": {"en": "activations {value}", "zh": "激活函数 {value}"},
    "diff_learning_rate": {"en": "α {value}", "zh": "学习速率 α {value}"},
    "diff_weight_decay": {"en": "λ {value}", "zh": "权重衰减 λ {value}"},
    "diff_regularization": {"en": "penalty {value}", "zh": "正则化 {value}"},
    "diff_layers": {"en": "layers {value}", "zh": "各层 {value}"},
    "diff_features": {"en": "inputs {value}", "zh": "输入 {value}"},
    "diff_loss": {"en": "loss {value}", "zh": "损失函数 {value}"},
    "diff_dataset": {"en": "data {value}", "zh": "数据集 {value}"},
    "diff_samples": {"en": "m {value}", "zh": "样本数 {value}"},
    "diff_noise": {"en": "noise {value}", "zh": "噪声 {value}"},
    "diff_batch_size": {"en": "batch {value}", "zh": "批大小 {value}"},
    "diff_seed": {"en": "seed {value}", "zh": "随机种子 {value}"},
    "diff_test_ratio": {"en": "test share {value}", "zh": "测试集比例 {value}"},
    "diff_gradient_mode": {"en": "mode {value}", "zh": "模式 {value}"},
    "diff_given": {"en": "given data or weights", "zh": "给定的数据或权重"},
    # While a run (Play, Train N) goes on, the equation and the worked neuron wait: the drawing,
    # the status bar and the charts follow every chunk.
    "run_brief_equation": {"en": "Training is running: this panel shows the step's formula and "
                                 "numbers again when it pauses or ends. The drawing and the "
                                 "charts follow every update meanwhile.",
                           "zh": "正在训练:暂停或结束后,这里再显示这一步的公式与数值。"
                                 "在此期间,网络图与曲线随每次更新而变化。"},
    "run_brief_neuron": {"en": "Shown again when training pauses or ends.",
                         "zh": "训练暂停或结束后再显示。"},
    "pin_run": {"en": "Pin this run", "zh": "固定此次运行"},
    "unpin_run": {"en": "Unpin", "zh": "取消固定"},
    "repin_run": {"en": "Pin this run instead", "zh": "改为固定此次运行"},
    "pin_hint": {"en": "Pin this run, then build another (Setup) or change α: both runs' curves "
                       "share the axes.",
                 "zh": "固定此次运行,再新建一个网络(设置)或修改学习速率 α:两次运行的曲线"
                       "画在同一坐标轴上。"},
    "pinned_note": {"en": "Pinned run: {name}, {n} iterations. Its curves are drawn beside "
                          "this run's ({current}).",
                    "zh": "已固定的运行:{name},共 {n} 次迭代。它的曲线与此次运行({current})"
                          "画在一起。"},
    "accuracy_curve": {"en": "Accuracy per iteration (%)", "zh": "每次迭代的准确率(%)"},
    "compare_title": {"en": "Both runs after {k} updates", "zh": "两次运行各更新 {k} 次之后"},
    "compare_short": {"en": "The pinned run stopped after {n} updates: it is shown there.",
                      "zh": "已固定的运行只更新了 {n} 次:显示的是那时的状态。"},
    "compare_replayed": {"en": "The pinned run's drawing is made again by replaying its setup "
                               "to this point: the same numbers it had.",
                         "zh": "已固定运行的图是按它的设置重新运行到此处得到的:数值与当时完全"
                               "相同。"},
    "compare_numbers": {"en": "iteration {k}: J = {J}", "zh": "第 {k} 次迭代:J = {J}"},
    "compare_accuracy": {"en": "accuracy {acc}", "zh": "准确率 {acc}"},
    "compare_test": {"en": "test J = {J}", "zh": "测试集 J = {J}"},
}

# Terms kept in English in the code (the setup's choices, which the API and plain URLs take,
# and the words inside the engine's formulas) and their words in other languages.
TERMS: dict[str, dict[str, str]] = {
    **{name: {"zh": text["name"]["zh"]} for name, text in LOSS_TEXT.items()},
    "normal": {"zh": "正态分布"},
    "uniform": {"zh": "均匀分布"},
    "constant": {"zh": "常数"},
    "zeros": {"zh": "全零"},
    "xor": {"zh": "异或"},
    "and": {"zh": "与"},
    "circles": {"zh": "同心圆"},
    "moons": {"zh": "双月牙"},
    "spiral": {"zh": "螺旋"},
    "gaussians": {"zh": "高斯簇"},
    "sine": {"zh": "正弦"},
    "random": {"zh": "随机"},
    "multilabel": {"zh": "多标签"},
    # inside \text{…}
    "columns": {"zh": "列"},
    "rows": {"zh": "行"},
    " if ": {"zh": " 若 "},
    " else ": {"zh": " 否则 "},
    " more": {"zh": " 项从略"},
    "softmax Jacobian": {"zh": "softmax 雅可比矩阵"},
}
_TEX_TEXT = re.compile(r"\\text\{([^{}]*)\}")


def term(word: str, lang: str) -> str | None:
    """The word of TERMS in `lang`, None if it has none."""
    return TERMS.get(word, {}).get(lang)


def choices(values, lang: str) -> list[tuple[str, str]]:
    """(value, label) for a <select>: "circles" or, in Chinese, "circles · 同心圆"."""
    return [(value, f"{value} · {word}" if (word := term(value, lang)) else value)
            for value in values]


@functools.lru_cache(maxsize=4096)
def tex_words(formula: str, lang: str) -> str:
    """The formula with the words of its \\text{…} in `lang` (unknown words stay)."""
    if lang == "en" or "\\text{" not in formula:
        return formula
    return _TEX_TEXT.sub(lambda m: r"\text{" + (term(m.group(1), lang) or m.group(1)) + "}",
                         formula)
