"""Every refusal the server can send, in English and Simplified Chinese.

A refusal has a stable code (the JSON API's `error`), the field at fault where there is one,
and parameters that fill the text of either language. The API answers
`{"error": code, "message": English text, "field": field}`; the page shows the text in its own
language. Add a message here, in the section of its area, with both languages.

Templates are `str.format` templates over the refusal's parameters, with two additions: a float
with no fraction prints as an integer (1e6 → 1000000, as pydantic writes its limits), and
`{n:plural}` prints "s" unless n is 1 (English only: "{n} column{n:plural}"). A parameter that
is itself a Phrase (or a Refusal) is said in the same language. Codes used as pydantic error
types (`custom_error`) are filled by pydantic as well: keep their templates to plain `{name}`.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic_core import PydanticCustomError

LANGUAGES = ("en", "zh")
LANG_COOKIE = "bs_lang"  # the page's language, as app/api/routes/pages.py sets it

# code -> {"en": template, "zh": template}; templates use str.format with the refusal's params.
MESSAGES: dict[str, dict[str, str]] = {}

# -- sessions and moves --------------------------------------------------------------------------
MESSAGES |= {
    "session_not_found": {
        "en": "no session {id!r}: it may have expired",
        "zh": "找不到会话 {id!r}:它可能已过期",
    },
    "graph_needs_forward": {
        "en": "the computation graph needs this iteration's forward pass: run it first",
        "zh": "计算图需要本次迭代的前向传播结果:请先执行前向传播",
    },
    "example_out_of_range": {
        "en": "example: between 0 and {last} (the batch has {m} examples), got {got}",
        "zh": "example:应在 0 到 {last} 之间(本批有 {m} 个样本),收到 {got}",
    },
    "snapshot_not_found": {
        "en": "no snapshot {id!r}",
        "zh": "找不到快照 {id!r}",
    },
    # The engine's order rules (app/engine/stepper.py, StepOrderError.code): 409.
    "already_at_start": {
        "en": "already at the first step: there is nothing before it",
        "zh": "已经在第一步:前面没有步骤了",
    },
    "forward_already_done": {
        "en": "the forward pass of iteration {iteration} is already done; the next step is {step}",
        "zh": "第 {iteration} 次迭代的前向传播已经完成;下一步是 {step}",
    },
    "backward_already_done": {
        "en": "the backward pass is already done: the next step is update",
        "zh": "反向传播已经完成:下一步是更新",
    },
    "iteration_out_of_range": {
        "en": "iteration must be between {low} and {completed}",
        "zh": "迭代次数必须在 {low} 到 {completed} 之间",
    },
    # The engine's Diverged: 422, with the last finite state in the API's body.
    "diverged": {
        "en": "loss diverged{trained}: step {step} of iteration {iteration} is not finite "
              "(overflow or NaN): try a smaller learning rate",
        "zh": "损失发散{trained}:第 {iteration} 次迭代的步骤 {step} 不是有限值(溢出或 NaN):"
              "请试一个更小的学习速率 α",
    },
    "diverged_after": {  # the `trained` part of "diverged" after a run of whole iterations
        "en": " after {completed} iteration{completed:plural}",
        "zh": "(已完成 {completed} 次迭代)",
    },
    "diverged_at_once": {"en": "", "zh": ""},  # `trained` when no whole iteration ran first
    # The server's own limits on a move.
    "index_out_of_range": {
        "en": "index: between 0 and {high}",
        "zh": "index:应在 0 到 {high} 之间",
    },
    "too_many_iterations": {
        "en": "iterations: at most {limit} per request",
        "zh": "iterations:每次请求最多 {limit} 次迭代",
    },
    # The request itself: its size, its rate, its body, its route.
    "body_too_large": {
        "en": "request body too large: at most {limit} bytes (BACKPROP_MAX_BODY_BYTES = {limit})",
        "zh": "请求体太大:最多 {limit} 字节(BACKPROP_MAX_BODY_BYTES = {limit})",
    },
    "rate_limited": {
        "en": "rate limit: at most {limit} requests a minute per client (BACKPROP_RATE_LIMIT); "
              "retry in {retry} s",
        "zh": "请求过于频繁:每个客户端每分钟最多 {limit} 个请求(BACKPROP_RATE_LIMIT);"
              "请在 {retry} 秒后重试",
    },
    "bad_content_length": {
        "en": "invalid Content-Length",
        "zh": "Content-Length 请求头无效",
    },
    "body_unreadable": {
        "en": "body: not readable as JSON (is it UTF-8?)",
        "zh": "body:无法作为 JSON 读取(是 UTF-8 编码吗?)",
    },
    "not_found": {  # the path is not repeated: it may carry markup
        "en": "no such page or API route",
        "zh": "没有这个页面或 API 路径",
    },
    "method_not_allowed": {
        "en": "{method} is not allowed on {path}",
        "zh": "{path} 不接受 {method} 请求",
    },
    "http_error": {  # any other refusal of the HTTP layer
        "en": "the request was refused (HTTP {status_code})",
        "zh": "请求被拒绝(HTTP {status_code})",
    },
}

# -- setup and validation ------------------------------------------------------------------------
MESSAGES |= {
    # A request whose fields fail validation: `Invalid` says each error in turn.
    "validation": {"en": "{details}", "zh": "{details}"},
    # SessionConfig's own checks (app/schemas.py), raised as pydantic errors of these types.
    "config.input_layer_size": {
        "en": "the input layer has {low} to {high} units, got {size}",
        "zh": "输入层应有 {low} 到 {high} 个单元,实际为 {size}",
    },
    "config.hidden_layer_size": {
        "en": "the hidden layer has {low} to {high} units, got {size}",
        "zh": "隐藏层应有 {low} 到 {high} 个单元,实际为 {size}",
    },
    "config.output_layer_size": {
        "en": "the output layer has {low} to {high} units, got {size}",
        "zh": "输出层应有 {low} 到 {high} 个单元,实际为 {size}",
    },
    "config.activation_count": {
        "en": "give one per non-input layer ({depth}), got {count}",
        "zh": "每个非输入层需要一个激活函数(共 {depth} 个),实际为 {count} 个",
    },
    "config.softmax_not_last": {
        "en": "softmax is allowed on the output layer only",
        "zh": "softmax 只能用在输出层",
    },
    "config.softmax_units": {
        "en": "a softmax output needs at least 2 units in layers[-1]",
        "zh": "softmax 输出层至少需要 2 个单元(layers[-1])",
    },
    "config.loss_activation": {
        "en": "{loss} needs a {needed} output activation, got {got}",
        "zh": "{loss} 需要输出层激活函数为 {needed},实际为 {got}",
    },
    "config.data_and_dataset": {
        "en": "give either dataset or data, not both",
        "zh": "dataset 和 data 只能给出其中一个",
    },
    "config.no_data": {
        "en": "give a dataset name or data",
        "zh": "请给出数据集名称 dataset 或数据 data",
    },
    "config.row_counts": {
        "en": "X has {x_rows} rows but Y has {y_rows}: one row per example in both",
        "zh": "X 有 {x_rows} 行而 Y 有 {y_rows} 行:两者都应每个样本一行",
    },
    "config.row_width": {
        "en": "expected {width} values ({layer}), got {count}",
        "zh": "应有 {width} 个值({layer}),实际为 {count} 个",
    },
    "config.targets_in_unit": {
        "en": "{loss} targets must lie in [0, 1]",
        "zh": "{loss} 的目标值必须在 [0, 1] 之内",
    },
    "config.targets_sum": {
        "en": "cross_entropy targets must sum to 1 (one-hot or probabilities)",
        "zh": "cross_entropy 的目标值之和必须为 1(独热编码或概率)",
    },
    "config.parameter_count": {
        "en": "give {depth} matrices W and {depth} vectors b (got {w_count} and {b_count})",
        "zh": "需要 {depth} 个矩阵 W 和 {depth} 个向量 b(实际为 {w_count} 个和 {b_count} 个)",
    },
    "config.weight_shape": {
        "en": "W[{layer}] must be {rows}×{cols} (n[l] rows, n[l-1] columns)",
        "zh": "W[{layer}] 必须是 {rows}×{cols}(n[l] 行,n[l-1] 列)",
    },
    "config.bias_length": {
        "en": "b[{layer}] must have {rows} entries",
        "zh": "b[{layer}] 必须有 {rows} 个元素",
    },
    # Configs that pass the schema but cannot be built (ConfigError, the engine's DatasetError).
    "config.history_length": {
        "en": "{field}: {got} entries for {n} losses (one per completed iteration)",
        "zh": "{field}:有 {got} 项,但损失有 {n} 个(每次完成的迭代一项)",
    },
    "config.history_rate": {
        "en": "{field}: iteration 1…{high} and 0 < α ≤ 100, got [{iteration}, {lr}]",
        "zh": "{field}:迭代应在 1…{high} 之间且 0 < α ≤ 100,实际为 [{iteration}, {lr}]",
    },
    "config.history_mismatch": {
        "en": "history: it does not fit this network ({reason})",
        "zh": "history:导入的历史与此网络不符({reason})",
    },
    "config.duplicate_feature": {
        "en": "features: each feature at most once",
        "zh": "features:每个特征最多出现一次",
    },
    "config.features_need_2d": {
        "en": "features: derived features need 2-D points; dataset {dataset} is not 2-D",
        "zh": "features:派生特征需要二维数据点;数据集 {dataset} 不是二维的",
    },
    "config.regression_dataset": {
        "en": "loss: dataset {dataset!r} is a regression: use squared_error",
        "zh": "loss:数据集 {dataset!r} 是回归问题:请使用 squared_error",
    },
    "config.unknown_preset": {
        "en": "preset: unknown preset {name!r}; choose one of {choices}",
        "zh": "preset:未知的预设 {name!r};可选:{choices}",
    },
    "dataset.unknown": {
        "en": "dataset: unknown dataset {name!r}; choose one of {choices}",
        "zh": "dataset:未知的数据集 {name!r};可选:{choices}",
    },
    "dataset.inputs": {
        "en": "layers: dataset {name!r} has {need} inputs: layers[0] must be {need}",
        "zh": "layers:数据集 {name!r} 有 {need} 个输入:layers[0] 必须是 {need}",
    },
    "dataset.sine_outputs": {
        "en": "layers: dataset {name!r} has 1 target: the output layer must have 1 unit",
        "zh": "layers:数据集 {name!r} 只有 1 个目标值:输出层必须只有 1 个单元",
    },
    "dataset.binary_outputs": {
        "en": "layers: dataset {name!r} has 2 classes: the output layer needs 1 unit (binary) or "
              "2 units (one-hot)",
        "zh": "layers:数据集 {name!r} 有 2 个类别:输出层需要 1 个单元(二分类)或 2 个单元(独热编码)",
    },
    "dataset.class_outputs": {
        "en": "layers: dataset {name!r} has {classes} classes: the output layer needs {classes} "
              "units",
        "zh": "layers:数据集 {name!r} 有 {classes} 个类别:输出层需要 {classes} 个单元",
    },
    # pydantic's own error types, by their `type` (the common ones; `pydantic.other` for the
    # rest). The English is pydantic's, less its "List"/"Value" subject, which the field names.
    "pydantic.missing": {"en": "Field required", "zh": "缺少此字段"},
    "pydantic.extra_forbidden": {"en": "Extra inputs are not permitted",
                                 "zh": "不允许的额外字段"},
    "pydantic.int_parsing": {
        "en": "Input should be a valid integer, unable to parse string as an integer",
        "zh": "应为整数,无法把这段文字读成整数"},
    "pydantic.int_type": {"en": "Input should be a valid integer", "zh": "应为整数"},
    "pydantic.int_from_float": {"en": "Input should be a valid integer, got a number with a "
                                      "fractional part", "zh": "应为整数,实际是带小数的数"},
    "pydantic.float_parsing": {
        "en": "Input should be a valid number, unable to parse string as a number",
        "zh": "应为数字,无法把这段文字读成数字"},
    "pydantic.float_type": {"en": "Input should be a valid number", "zh": "应为数字"},
    "pydantic.finite_number": {"en": "Input should be a finite number",
                               "zh": "应为有限数(不能是 inf 或 NaN)"},
    "pydantic.bool_parsing": {"en": "Input should be a valid boolean, unable to interpret input",
                              "zh": "应为布尔值,无法理解这个输入"},
    "pydantic.string_type": {"en": "Input should be a valid string", "zh": "应为字符串"},
    "pydantic.list_type": {"en": "Input should be a valid list", "zh": "应为列表"},
    "pydantic.dict_type": {"en": "Input should be a valid dictionary", "zh": "应为对象(字典)"},
    "pydantic.model_type": {
        "en": "Input should be a valid dictionary or instance of {class_name}",
        "zh": "应为对象(字典)或 {class_name} 的实例"},
    "pydantic.model_attributes_type": {
        "en": "Input should be a valid dictionary or object to extract fields from",
        "zh": "应为可以从中读取字段的对象(字典)"},
    "pydantic.greater_than": {"en": "Input should be greater than {gt}", "zh": "应大于 {gt}"},
    "pydantic.greater_than_equal": {"en": "Input should be greater than or equal to {ge}",
                                    "zh": "应大于或等于 {ge}"},
    "pydantic.less_than": {"en": "Input should be less than {lt}", "zh": "应小于 {lt}"},
    "pydantic.less_than_equal": {"en": "Input should be less than or equal to {le}",
                                 "zh": "应小于或等于 {le}"},
    "pydantic.too_short": {
        "en": "should have at least {min_length} item{min_length:plural} after validation, "
              "not {actual_length}",
        "zh": "至少应有 {min_length} 项,实际为 {actual_length} 项"},
    "pydantic.too_long": {
        "en": "should have at most {max_length} item{max_length:plural} after validation, "
              "not {actual_length}",
        "zh": "最多应有 {max_length} 项,实际为 {actual_length} 项"},
    "pydantic.string_too_short": {
        "en": "String should have at least {min_length} character{min_length:plural}",
        "zh": "字符串至少应有 {min_length} 个字符"},
    "pydantic.string_too_long": {
        "en": "String should have at most {max_length} character{max_length:plural}",
        "zh": "字符串最多应有 {max_length} 个字符"},
    "pydantic.string_pattern_mismatch": {"en": "String should match pattern '{pattern}'",
                                         "zh": "字符串应符合模式 '{pattern}'"},
    "pydantic.literal_error": {"en": "Input should be {expected}", "zh": "应为 {expected} 之一"},
    "pydantic.enum": {"en": "Input should be {expected}", "zh": "应为 {expected} 之一"},
    "pydantic.json_invalid": {"en": "Invalid JSON: {error}", "zh": "JSON 无效:{error}"},
    "pydantic.json_type": {"en": "JSON input should be string, bytes or bytearray",
                           "zh": "JSON 输入应为字符串或字节"},
    "pydantic.union_tag_invalid": {"en": "Input tag {tag} found using {discriminator} does not "
                                         "match any of the expected tags: {expected_tags}",
                                   "zh": "{discriminator} 给出的标签 {tag} 不是预期的标签之一:"
                                         "{expected_tags}"},
    "pydantic.other": {"en": "Input is not valid here ({type})",
                       "zh": "此处的输入无效({type})"},
}

# -- setup: weights typed on the page (app/weights.py) --------------------------------
MESSAGES |= {
    "weights_rows": {
        "en": "{name}: give {rows} rows (one per unit of layer {l}) of {cols} numbers, got {got} "
              "rows",
        "zh": "{name}:需要 {rows} 行(第 {l} 层每个单元一行),每行 {cols} 个数,实际为 {got} 行",
    },
    "weights_cols": {
        "en": "{name}, row {row}: give {cols} numbers (one per unit of layer {p}), got {got}",
        "zh": "{name} 第 {row} 行:需要 {cols} 个数(第 {p} 层每个单元一个),实际为 {got} 个",
    },
    "bias_count": {
        "en": "{name}: give {n} numbers (one per unit of layer {l}), got {got}",
        "zh": "{name}:需要 {n} 个数(第 {l} 层每个单元一个),实际为 {got} 个",
    },
    "weights_not_a_number": {
        "en": "{name}: {text!r} is not a number",
        "zh": "{name}:{text!r} 不是数字",
    },
    "weights_out_of_range": {
        "en": "{name}: {text!r} is not a finite number within ±1e6",
        "zh": "{name}:{text!r} 不是 ±1e6 以内的有限数",
    },
}

# -- training state and history ------------------------------------------------------------------
MESSAGES |= {}

# -- tools: gradient check, import, export, share ------------------------------------------------
MESSAGES |= {
    "gradcheck.too_costly": {
        "en": "gradient check: too costly here: 2 forward passes for each of the {entries:,} "
              "parameters on {examples:,} examples would take about {seconds:.1f} s, over the "
              "limit of {limit} s (estimated from the layer sizes and the batch size). Use a "
              "smaller batch_size or fewer units.",
        "zh": "梯度检验:此处代价太高:对 {entries:,} 个参数中的每一个在 {examples:,} 个样本上做 2 次"
              "前向传播,大约需要 {seconds:.1f} 秒,超过了 {limit} 秒的上限(根据各层大小和批量大小"
              "估算)。请用更小的 batch_size 或更少的单元。",
    },
    "gradcheck.not_finite": {
        "en": "gradient check: not possible at these parameters: the loss or a gradient is not "
              "finite (J = {loss:.4g}; the network has blown up, so the finite differences "
              "overflow). Go back in the history to an iteration before the blow-up, or reset, "
              "and check there.",
        "zh": "梯度检验:在这组参数上无法进行:损失或某个梯度不是有限值(J = {loss:.4g};网络已经发散,"
              "有限差分会溢出)。请在历史中回到发散之前的某次迭代,或重置,再在那里检验。",
    },
    # Import: the JSON export document (app/transfer/document.py).
    "import.no_file": {
        "en": "file: choose a JSON export or a CSV file",
        "zh": "file:请选择一个 JSON 导出文件或 CSV 文件",
    },
    "import.json_too_large": {
        "en": "file: larger than the limit of {limit:,} bytes ({megabytes} MB) for a JSON export",
        "zh": "file:超过 JSON 导出文件 {limit:,} 字节({megabytes} MB)的上限",
    },
    "import.not_utf8": {
        "en": "file: not UTF-8 text (byte {byte})",
        "zh": "file:不是 UTF-8 文本(第 {byte} 个字节)",
    },
    "import.position_iteration": {
        "en": "{field}: {got}, but the history holds {done} iterations: the exported one is "
              "iteration {next}",
        "zh": "{field}:为 {got},但历史中有 {done} 次迭代:导出的应是第 {next} 次迭代",
    },
    "import.too_deep": {
        "en": "file: JSON nested too deeply to be an export",
        "zh": "file:JSON 嵌套过深,不可能是导出文件",
    },
    "import.not_json": {
        "en": "file: not valid JSON (line {line}, column {column})",
        "zh": "file:不是有效的 JSON(第 {line} 行,第 {column} 列)",
    },
    "import.not_export": {
        "en": "format: not a Backprop Stepper export (expected an object with "
              "\"format\": \"{format}\")",
        "zh": "format:不是 Backprop Stepper 的导出文件(应为一个含 \"format\": \"{format}\" "
              "的对象)",
    },
    "import.step_out_of_range": {
        "en": "position.step: between 0 and {steps} for this network (its micro-steps per "
              "iteration), got {step}",
        "zh": "position.step:对这个网络应在 0 到 {steps} 之间(每次迭代的微步数),实际为 {step}",
    },
    "import.step_refused": {
        "en": "position.step: cannot go there: {reason}",
        "zh": "position.step:无法走到这一步:{reason}",
    },
    "import.evicted": {
        "en": "the new session was evicted at once: retry",
        "zh": "新会话刚建立就被清除了:请重试",
    },
    # Import: CSV examples (rows counted as in a spreadsheet, the header is row 1).
    "csv.too_large": {
        "en": "file: {size:,} bytes is larger than the limit of 1 MB ({limit:,} bytes)",
        "zh": "file:{size:,} 字节,超过 1 MB 的上限({limit:,} 字节)",
    },
    "csv.empty": {
        "en": "file: the file is empty (expected a header row and one example per row)",
        "zh": "file:文件是空的(应有一行表头,之后每行一个样本)",
    },
    "csv.unreadable": {
        "en": "row {row}: unreadable CSV",
        "zh": "第 {row} 行:无法读取的 CSV",
    },
    "csv.no_header": {
        "en": "row {row}: missing header: the first row must name the columns (e.g. x1,x2,y), "
              "but it holds only numbers",
        "zh": "第 {row} 行:缺少表头:第一行必须给出各列的名称(例如 x1,x2,y),但它只有数字",
    },
    "csv.header_width": {
        "en": "row {row} (header): {width} column{width:plural}, but the layer sizes need "
              "{needed}: n[0] = {inputs} input{inputs:plural} then n[L] = {outputs} "
              "target{outputs:plural} (the last {outputs} column{outputs:plural})",
        "zh": "第 {row} 行(表头):有 {width} 列,但各层大小需要 {needed} 列:n[0] = {inputs} 个输入,"
              "然后 n[L] = {outputs} 个目标值(最后 {outputs} 列)",
    },
    "csv.no_examples": {
        "en": "file: a header (row {row}) but no examples: add one row per example",
        "zh": "file:只有表头(第 {row} 行),没有样本:请每行添加一个样本",
    },
    "csv.too_many_examples": {
        "en": "file: {count:,} examples (data rows), more than the limit of {limit:,} "
              "(row {row} is example {example:,})",
        "zh": "file:{count:,} 个样本(数据行),超过 {limit:,} 的上限(第 {row} 行是第 {example:,} "
              "个样本)",
    },
    "csv.row_width": {
        "en": "row {row}: {width} column{width:plural}, but the header (row {header_row}) has "
              "{header_width}: every row needs the same number of cells",
        "zh": "第 {row} 行:有 {width} 列,但表头(第 {header_row} 行)有 {header_width} 列:"
              "每一行的单元格数必须相同",
    },
    "csv.empty_cell": {
        "en": "row {row}, column {column} ({name}): empty cell, expected a number",
        "zh": "第 {row} 行,第 {column} 列({name}):单元格是空的,应为数字",
    },
    "csv.not_number": {
        "en": "row {row}, column {column} ({name}): {value!r} is not a number",
        "zh": "第 {row} 行,第 {column} 列({name}):{value!r} 不是数字",
    },
    "csv.not_finite": {
        "en": "row {row}, column {column} ({name}): {value!r} is not a finite number (no inf "
              "or NaN)",
        "zh": "第 {row} 行,第 {column} 列({name}):{value!r} 不是有限数(不能是 inf 或 NaN)",
    },
    "csv.too_big": {
        "en": "row {row}, column {column} ({name}): {value} is outside the limit of "
              "±{limit:,.0f}",
        "zh": "第 {row} 行,第 {column} 列({name}):{value} 超出了 ±{limit:,.0f} 的范围",
    },
    "csv.target_range": {
        "en": "row {row}, column {column} ({name}): {loss} targets must lie in [0, 1], "
              "got {value:g}",
        "zh": "第 {row} 行,第 {column} 列({name}):{loss} 的目标值必须在 [0, 1] 之内,"
              "实际为 {value:g}",
    },
    "csv.target_sum": {
        "en": "row {row}, columns {first}–{last}: cross_entropy targets must sum to 1 (one-hot "
              "or probabilities), got {total:g}",
        "zh": "第 {row} 行,第 {first}–{last} 列:cross_entropy 的目标值之和必须为 1(独热编码或"
              "概率),实际为 {total:g}",
    },
}

# -- hosting: limits, busy sessions, the store ---------------------------------------------------
MESSAGES |= {
    "session_busy": {
        "en": "this network is busy with earlier requests ({waiting} waiting); nothing was "
              "done: try again in {retry} s",
        "zh": "这个网络正在处理之前的请求(另有 {waiting} 个在等待);本次没有执行:"
              "请 {retry} 秒后重试",
    },
    "session_wait_timeout": {
        "en": "this network stayed busy for {seconds:g} s (BACKPROP_BUSY_WAIT); nothing was "
              "done: try again in {retry} s",
        "zh": "这个网络持续忙碌了 {seconds:g} 秒(BACKPROP_BUSY_WAIT);本次没有执行:"
              "请 {retry} 秒后重试",
    },
    "server_busy": {
        "en": "the server is busy with other requests (at most {limit} at once{who}); nothing "
              "was done: try again in {retry} s",
        "zh": "服务器正忙于其他请求(同时最多 {limit} 个{who});本次没有执行:"
              "请 {retry} 秒后重试",
    },
    "per_client": {"en": " from one client", "zh": ",每个客户端"},  # `who` of server_busy
    "per_server": {"en": "", "zh": ""},
    "store_busy": {
        "en": "this network stayed locked by another server process for {seconds:g} s; "
              "nothing was done: try again in {retry} s",
        "zh": "这个网络被另一个服务器进程锁定了 {seconds:g} 秒;本次没有执行:"
              "请 {retry} 秒后重试",
    },
    "cpu_budget": {
        "en": "computation limit: at most {budget:g} s of training per client per minute "
              "(BACKPROP_CPU_BUDGET); try again in {retry} s",
        "zh": "计算量限制:每个客户端每分钟最多 {budget:g} 秒训练(BACKPROP_CPU_BUDGET);"
              "请 {retry} 秒后重试",
    },
    "store_unavailable": {
        "en": "the session store cannot be reached right now; nothing was done: try again "
              "in {retry} s",
        "zh": "暂时无法连接会话存储;本次没有执行:请 {retry} 秒后重试",
    },
    "cross_site": {
        "en": "refused: this request came from another site ({origin}); use the page itself",
        "zh": "已拒绝:此请求来自其他网站({origin});请直接在本页面操作",
    },
    "state_too_large": {
        "en": "include: this state would be about {size:,} bytes of JSON, over the limit of "
              "{limit:,} (BACKPROP_MAX_STATE_BYTES); ask for less, e.g. ?include={smaller}",
        "zh": "include:此状态的 JSON 约 {size:,} 字节,超过上限 {limit:,}"
              "(BACKPROP_MAX_STATE_BYTES);请只取一部分,例如 ?include={smaller}",
    },
    "include_unknown": {
        "en": "include: unknown part {part!r}; choose among {parts}",
        "zh": "include:未知的部分 {part!r};可选 {parts}",
    },
    "snapshot_limit_session": {
        "en": "this network already has {limit} share links (BACKPROP_MAX_SNAPSHOTS_PER_SESSION); "
              "reuse one of them",
        "zh": "这个网络已经有 {limit} 个分享链接(BACKPROP_MAX_SNAPSHOTS_PER_SESSION);"
              "请使用已有的链接",
    },
    "snapshot_limit_total": {
        "en": "this server holds its maximum of {limit} share links (BACKPROP_MAX_SNAPSHOTS); "
              "no new one can be made",
        "zh": "服务器上的分享链接已达上限 {limit} 个(BACKPROP_MAX_SNAPSHOTS);无法再创建",
    },

    # Runs side by side (app/pinned.py): pinning a run to compare the next one with.
    "pin_too_long": {
        "en": "this run has {completed} iterations, more than can be pinned ({limit}, "
              "BACKPROP_MAX_TRAIN_ITERATIONS): reset it or pin a shorter run",
        "zh": "此次运行已有 {completed} 次迭代,超过可固定的上限 {limit}"
              "(BACKPROP_MAX_TRAIN_ITERATIONS):请重置,或固定一次较短的运行",
    },
    "pin_source_not_found": {
        "en": "no session {id!r} to pin a run from: it may have expired",
        "zh": "找不到要固定其运行的会话 {id!r}:它可能已过期",
    },
}


def answer_lang(request: Any) -> str:
    """The language to refuse a (Starlette) request in: English for the JSON API (/api/…); for
    the page's own requests the page's (its ?lang=, else the bs_lang cookie the page sets),
    else the browser's."""
    if request.url.path.startswith("/api/"):
        return "en"
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return str(asked)
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


class _Formatter(string.Formatter):
    """str.format with whole floats as integers and an English plural: "{n:plural}"."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "plural":
            return "" if value == 1 else "s"
        if not format_spec and isinstance(value, float) and value.is_integer():
            return str(int(value))
        return super().format_field(value, format_spec)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if hasattr(value, "text"):  # a Phrase or a Refusal: said in the same language
            value = value.text(self.lang)
        return super().convert_field(value, conversion)


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """The text of `code` in `lang` (English where the language lacks it), filled in."""
    texts = MESSAGES[code]
    return _Formatter(lang).vformat(texts.get(lang, texts["en"]), (), params)


class Phrase:
    """Part of a message, said in the language of the message it fills (e.g. "after 3
    iterations" inside "loss diverged …")."""

    def __init__(self, code: str, **params: object):
        if code not in MESSAGES:
            raise KeyError(f"no message for phrase code {code!r}")
        self.code, self.params = code, params

    def text(self, lang: str = "en") -> str:
        return render(self.code, lang, self.params)


class Refusal(Exception):
    """A request the app refuses, said in either language.

    `code` keys MESSAGES; `params` fill its templates; `field` names the input at fault;
    `status` is the HTTP status the API answers with; `headers` go on the response
    (e.g. Retry-After); `extra` adds keys to the API's body (e.g. the limit)."""

    def __init__(self, code: str, *, status: int = 422, field: str | None = None,
                 headers: dict[str, str] | None = None, extra: dict | None = None,
                 **params: object):
        if code not in MESSAGES:
            raise KeyError(f"no message for refusal code {code!r}")
        self.code, self.status, self.field = code, status, field
        self.headers, self.params, self.extra = headers or {}, params, extra or {}
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return render(self.code, lang, self.params)

    def body(self, lang: str = "en") -> dict:
        """The API's JSON for this refusal: error code, message (English for the API), field
        (if any), and any extra keys."""
        out: dict = {"error": self.code, "message": self.text(lang)}
        if self.field is not None:
            out["field"] = self.field
        return out | self.extra


# -- validation errors (pydantic) ------------------------------------------------------------------
def custom_error(code: str, field: str | None = None, **params: object) -> PydanticCustomError:
    """A model-level check's failure as a pydantic error: its `type` is `code`, its `ctx` the
    parameters (and `field`, the part of the model at fault, e.g. "layers[1]"), its English
    message the catalog's."""
    ctx = {**params, **({"field": field} if field else {})}
    return PydanticCustomError(code, MESSAGES[code]["en"], ctx)


_OUTER = ("body", "query", "path", "form", "header", "cookie")


def field_name(loc: Iterable) -> str:
    """('body', 'config', 'layers', 0) -> 'config.layers[0]'."""
    out = ""
    for part in loc:
        if part in _OUTER and not out:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Invalid(Refusal):
    """Input that fails validation (pydantic's errors, in order): each error says its field,
    its code (`config.*` or `pydantic.<type>`) and its text in either language."""

    def __init__(self, errors: Iterable[Mapping], status: int = 422):
        errors = list(errors)
        self.items = [self._item(e) for e in errors]
        first = next((item["field"] for item in self.items if item["field"]), None)
        super().__init__("validation", status=status, field=first, details="")
        self.raw = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
                     "type": e.get("type")} for e in errors]

    @staticmethod
    def _item(error: Mapping) -> dict:
        ctx = dict(error.get("ctx") or {})
        inner = ctx.pop("field", None)
        kind = str(error.get("type", ""))
        loc = tuple(error.get("loc", ()))
        if kind == "json_invalid":  # its loc ends with a character position, not a field
            loc = loc[:1]
        # The whole body (or query…) at fault: say so rather than name no field.
        field = (".".join(p for p in (field_name(loc), inner) if p)
                 or (str(loc[0]) if loc and loc[0] in _OUTER else ""))
        code = kind if kind in MESSAGES else f"pydantic.{kind}"
        if code not in MESSAGES:
            code, ctx = "pydantic.other", {"type": kind}
        return {"field": field.replace(".[", "["), "error": code, "ctx": ctx, "type": kind,
                "msg": str(error.get("msg", ""))}

    def _text(self, item: dict, lang: str) -> str:
        ctx = item["ctx"]
        if lang != "en" and "expected" in ctx:  # "'a', 'b' or 'c'": no English "or"
            ctx = {**ctx, "expected": str(ctx["expected"]).replace(" or ", ", ")}
        try:
            text = render(item["error"], lang, ctx)
        except (KeyError, IndexError, ValueError):  # a pydantic whose ctx differs: never a 500
            text = item["msg"] if lang == "en" else render("pydantic.other", lang, item)
        return f"{item['field']}: {text}" if item["field"] else text

    def text(self, lang: str = "en") -> str:
        return "; ".join(self._text(item, lang) for item in self.items)

    def errors(self, lang: str = "en") -> list[dict]:
        """[{"field", "error", "message"}, …]: one per pydantic error."""
        return [{"field": item["field"], "error": item["error"],
                 "message": self._text(item, lang)} for item in self.items]

    def body(self, lang: str = "en") -> dict:
        """{"error": "validation", "message", "field" (the first), "errors": [...], and
        "detail": pydantic's own list (loc, msg, type) as FastAPI writes it}."""
        out = super().body(lang)
        return out | {"errors": self.errors(lang), "detail": self.raw}
