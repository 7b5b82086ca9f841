"""Every refusal the server can send, in English and Simplified Chinese.

A refusal has a stable code (the JSON API's `error`), the field at fault where there is one,
and parameters that fill the text of either language. The API answers
`{"error": code, "message": English text, "field": field}`; the page shows the text in its own
language. Add a message here, in the section of its area, with both languages.
"""

from __future__ import annotations

# code -> {"en": template, "zh": template}; templates use str.format with the refusal's params.
MESSAGES: dict[str, dict[str, str]] = {}

# -- sessions and moves --------------------------------------------------------------------------
MESSAGES |= {
    "session_not_found": {
        "en": "no session {id!r}: it may have expired",
        "zh": "找不到会话 {id!r}:它可能已过期",
    },
}

# -- setup and validation ------------------------------------------------------------------------
MESSAGES |= {}

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
MESSAGES |= {}

# -- hosting: limits, busy sessions, the store ---------------------------------------------------
MESSAGES |= {}


class Refusal(Exception):
    """A request the app refuses, said in either language.

    `code` keys MESSAGES; `params` fill its templates; `field` names the input at fault;
    `status` is the HTTP status the API answers with; `headers` go on the response
    (e.g. Retry-After)."""

    def __init__(self, code: str, *, status: int = 422, field: str | None = None,
                 headers: dict[str, str] | None = None, **params: object):
        if code not in MESSAGES:
            raise KeyError(f"no message for refusal code {code!r}")
        self.code, self.status, self.field = code, status, field
        self.headers, self.params = headers or {}, params
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        texts = MESSAGES[self.code]
        return texts.get(lang, texts["en"]).format(**self.params)

    def body(self) -> dict:
        """The API's JSON for this refusal: error code, English message, field (if any)."""
        out: dict = {"error": self.code, "message": self.text("en")}
        if self.field is not None:
            out["field"] = self.field
        return out
