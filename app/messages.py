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

# -- training state and history ------------------------------------------------------------------
MESSAGES |= {}

# -- tools: gradient check, import, export, share ------------------------------------------------
MESSAGES |= {}

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
        "zh": "服务器正忙于其他请求(同时最多 {limit} 个{who_zh});本次没有执行:"
              "请 {retry} 秒后重试",
    },
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
}


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
