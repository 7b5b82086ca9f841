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
    "graph_needs_forward": {
        "en": "the computation graph needs this iteration's forward pass: run it first",
        "zh": "计算图需要本次迭代的前向传播结果:请先执行前向传播",
    },
    "example_out_of_range": {
        "en": "example: between 0 and {last} (the batch has {m} examples), got {got}",
        "zh": "example:应在 0 到 {last} 之间(本批有 {m} 个样本),收到 {got}",
    },
}

# -- setup and validation ------------------------------------------------------------------------
MESSAGES |= {
    "unknown_preset": {
        "en": "preset: unknown preset {name!r}; choose one of {names}",
        "zh": "preset:没有名为 {name!r} 的预设;可选:{names}",
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
