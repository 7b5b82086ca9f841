"""Every message the server can send, in both languages: the catalog (app/messages.py) walked
code by code, pydantic's English checked against the catalog's, and each kind of refusal
triggered through real HTTP: the API answers its code and English text, the page (lang=zh) says
it in Chinese."""

from __future__ import annotations

import re
import string
import warnings
from pathlib import Path
from typing import Literal

import pytest
from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.main import create_app
from app.messages import MESSAGES, Invalid, Phrase, Refusal, render
from app.schemas import SessionConfig
from app.settings import Settings
from app.store import StoreBusy

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

API = "/api/sessions"
APP = Path(__file__).resolve().parent.parent / "app"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin words a Chinese sentence may keep: the API's field names, formats and units, the names
# of activations and losses, the app's name, and the letters of the maths.
ALLOWED_LATIN = set(SessionConfig.model_fields) | {
    "file", "format", "position", "step", "index", "iterations", "body", "preset", "example",
    "include",
    "JSON", "CSV", "API", "HTTP", "MB", "NaN", "inf", "Content-Length",
    "softmax", "sigmoid", "tanh", "relu", "Backprop", "Stepper",
    "W", "b", "J", "X", "Y", "n", "l", "L", "y"}
# Codes the app builds from parts (f"config.{kind}_layer_size") or pydantic names.
BUILT = {f"config.{kind}_layer_size" for kind in ("input", "hidden", "output")}


def fields(template: str) -> set[str]:
    """The parameters a template uses: "{n:plural} {id!r} {a[0]}" -> {"n", "id", "a"}."""
    return {re.split(r"[.\[]", name)[0]
            for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def latin_words(template: str) -> list[str]:
    """The Latin words of a template, outside its placeholders, that are neither identifiers
    (with _, [ ] or digits) nor among ALLOWED_LATIN."""
    text = re.sub(r"\{[^{}]*\}", " ", template)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_\-\[\]]*", text)
    return [w for w in words if w not in ALLOWED_LATIN and not re.search(r"[_\[\]0-9]", w)]


# -- the catalog ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_is_said_in_both_languages_with_the_same_parameters(code):
    texts = MESSAGES[code]
    assert set(texts) == {"en", "zh"}, code
    assert fields(texts["en"]) == fields(texts["zh"]), code
    en_only_placeholders = not re.sub(r"\{[^{}]*\}", "", texts["en"]).strip()
    if en_only_placeholders:  # "validation" ({details}), an empty phrase: nothing to translate
        assert texts["zh"] == texts["en"], code
        return
    assert CJK.search(texts["zh"]), f"{code}: no Chinese in {texts['zh']!r}"
    assert latin_words(texts["zh"]) == [], f"{code}: English left in {texts['zh']!r}"
    assert not CJK.search(texts["en"]), f"{code}: Chinese in the English {texts['en']!r}"
    # Both render with the same parameters (a stand-in of each kind).
    sample = {name: 2 for name in fields(texts["en"])}
    assert render(code, "en", sample) and render(code, "zh", sample)


def test_the_latin_check_can_fail():
    assert latin_words("第 {row} 行:empty cell, expected a number") == ["empty", "cell",
                                                                      "expected", "a", "number"]
    assert latin_words("layers[0] 必须是 {need};W[{layer}] 与 softmax") == []


def test_codes_pydantic_fills_use_plain_parameters():
    """config.* codes become pydantic errors (custom_error): pydantic fills `{name}` only."""
    for code, texts in MESSAGES.items():
        if code.startswith("config.") and code not in ("config.regression_dataset",
                                                       "config.unknown_preset"):
            for text in texts.values():
                for _, name, spec, conversion in string.Formatter().parse(text):
                    assert not spec and not conversion, (code, name)


def test_every_code_is_used_by_the_app():
    """No dead entry: each code (but pydantic's own types) appears in the app's source."""
    source = "\n".join(p.read_text() for p in APP.rglob("*.py") if p.name != "messages.py")
    source += Path(APP / "messages.py").read_text().split("class _Formatter")[1]
    unused = [code for code in MESSAGES if not code.startswith("pydantic.")
              and code not in BUILT and f'"{code}"' not in source]
    assert unused == []


def test_every_code_the_app_raises_has_a_message():
    """The other way round: each code in a raise (the engine's included) is in the catalog, so
    no refusal turns into a 500 for want of its text."""
    source = "\n".join(p.read_text() for p in APP.rglob("*.py"))
    raised = set(re.findall(r"(?:Refusal|StepOrderError|TransferError|ConfigError|"
                            r"ActionLimitError|custom_error|Phrase)\(\s*\"([\w.]+)\"", source))
    raised |= set(re.findall(r"\"(dataset\.\w+)\"", source))
    assert len(raised) >= 50
    assert sorted(raised - set(MESSAGES)) == []


def test_plurals_whole_floats_and_phrases():
    assert render("csv.row_width", "en", {"row": 3, "width": 1, "header_row": 1,
                                          "header_width": 3}).startswith("row 3: 1 column, ")
    assert render("csv.row_width", "en", {"row": 3, "width": 2, "header_row": 1,
                                          "header_width": 3}).startswith("row 3: 2 columns, ")
    assert render("pydantic.less_than_equal", "en", {"le": 1e6}).endswith("to 1000000")
    refusal = Refusal("diverged", step="Z2", iteration=13,
                      trained=Phrase("diverged_after", completed=12))
    assert refusal.text("en").startswith("loss diverged after 12 iterations: step Z2 of "
                                         "iteration 13 is not finite")
    assert refusal.text("zh").startswith("损失发散(已完成 12 次迭代):第 13 次迭代的步骤 Z2")
    nested = Refusal("import.step_refused", field="position", reason=refusal)
    assert nested.text("en").startswith("position.step: cannot go there: loss diverged after 12 ")
    assert nested.text("zh").startswith("position.step:无法走到这一步:损失发散(已完成 12 次迭代)")
    with pytest.raises(KeyError):
        Refusal("no_such_code")


class _Every(BaseModel):
    """A model that fails in each of pydantic's common ways."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    ge: int = Field(0, ge=1)
    le: float = Field(0, le=1e6)
    gt: float = Field(1, gt=0.5)
    lt: float = Field(0, lt=0)
    short: list[int] = Field([1], min_length=1)
    long: list[int] = Field([], max_length=2)
    text: str = Field("", max_length=3)
    pattern: str = Field("a", pattern="^a$")
    choice: Literal["x", "y", "z"] = "x"
    whole: int = 0
    number: float = 0.0
    items: list[int] = []
    must: int


def test_pydantic_english_is_the_catalog_english():
    """The catalog's English for pydantic's own types is pydantic's message (less the "List"
    that the field names), and the Chinese is there for each."""
    bad = {"ge": 0, "le": 2e6, "gt": 0, "lt": 1, "short": [], "long": [1, 2, 3], "text": "abcd",
           "pattern": "b", "choice": "w", "whole": "two", "number": float("nan"),
           "items": "no", "extra": 1}
    with pytest.raises(ValidationError) as caught:
        _Every(**bad)
    errors = caught.value.errors()
    seen = {e["type"] for e in errors}
    assert seen == {"greater_than_equal", "less_than_equal", "greater_than", "less_than",
                    "too_short", "too_long", "string_too_long", "string_pattern_mismatch",
                    "literal_error", "int_parsing", "finite_number", "list_type", "missing",
                    "extra_forbidden"}
    refusal = Invalid(errors)
    for error, item in zip(errors, refusal.errors("en"), strict=True):
        assert item["error"] == f"pydantic.{error['type']}"
        field = item["field"]
        text = item["message"].removeprefix(f"{field}: ")
        subject = (error.get("ctx") or {}).get("field_type")
        assert error["msg"] == (f"{subject} {text}" if subject else text), item
    chinese = refusal.errors("zh")
    assert [c["field"] for c in chinese] == [e["field"] for e in refusal.errors("en")]
    assert all(CJK.search(c["message"]) for c in chinese)
    by_field = {c["field"]: c["message"] for c in chinese}
    assert by_field["ge"] == "ge: 应大于或等于 1"
    assert by_field["short"] == "short: 至少应有 1 项,实际为 0 项"
    assert by_field["choice"] == "choice: 应为 'x', 'y', 'z' 之一"  # no English "or"


def test_an_error_whose_parameters_differ_still_says_something():
    """A pydantic error whose ctx lacks what the catalog's text needs is said with pydantic's
    own English, and as "invalid input" in Chinese: a refusal never becomes a 500."""
    refusal = Invalid([{"type": "greater_than", "loc": ("body", "x"), "msg": "Input is small",
                        "ctx": {"bound": 1}}])
    assert refusal.text("en") == "x: Input is small"
    assert refusal.text("zh") == "x: 此处的输入无效(greater_than)"


# -- through HTTP: the API's code and English, the page's Chinese -------------------------------

DIVERGING = {"layers": [1, 8, 8, 1], "activations": ["relu", "relu", "linear"],
             "loss": "squared_error", "dataset": "sine", "init": "he", "learning_rate": 50}
COSTLY = {"layers": [64, 32, 32, 32, 32, 32, 32, 16], "activations": ["tanh"] * 6 + ["softmax"],
          "loss": "cross_entropy", "dataset": "random", "samples": 200}


def refused(response, status: int, code: str, field: str | None = None) -> str:
    """The one shape of every API refusal; returns its message."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["error"] == code, body
    assert body.get("field") == field, body
    assert isinstance(body["message"], str) and body["message"]
    return body["message"]


def zh_page(client):
    client.cookies.set("bs_lang", "zh")
    return client


def chinese(text: str) -> str:
    """A message of the Chinese page: Chinese, and no English sentence left in it."""
    assert CJK.search(text), text
    assert not re.search(r"\b(the|is|not|must|should|at most|between|Input)\b", text), text
    return text


def stage_error(response) -> str:
    assert response.status_code == 200, response.text[:500]
    node = BeautifulSoup(response.text, "html.parser").select_one("#stage-error")
    assert node is not None, response.text[:500]
    return node.get_text()


def alert(response) -> str:
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    node = BeautifulSoup(response.text, "html.parser").select_one('p.error[role="alert"]')
    assert node is not None, response.text[:500]
    return node.get_text()


def test_sessions_and_moves(client):
    assert refused(client.get(f"{API}/nope"), 404, "session_not_found") == (
        "no session 'nope': it may have expired")
    sid = client.post(API, json={}).json()["id"]
    assert refused(client.post(f"{API}/{sid}/goto", json={"iteration": 3}), 409,
                   "iteration_out_of_range") == "iteration must be between 0 and 0"
    page = zh_page(client)
    assert chinese(stage_error(page.post(f"/ui/{sid}/prev"))) == "已经在第一步:前面没有步骤了"
    assert chinese(stage_error(page.post(f"/ui/{sid}/goto", data={"iteration": 5}))) == (
        "迭代次数必须在 0 到 0 之间")
    assert chinese(stage_error(page.post(f"/ui/{sid}/seek", data={"index": 999}))) == (
        "index:应在 0 到 13 之间")
    page.post(f"/ui/{sid}/forward")
    assert chinese(stage_error(page.post(f"/ui/{sid}/forward"))) == (
        "第 1 次迭代的前向传播已经完成;下一步是 dZ2")
    page.post(f"/ui/{sid}/backward")
    assert chinese(stage_error(page.post(f"/ui/{sid}/backward"))) == (
        "反向传播已经完成:下一步是更新")
    assert refused(client.post(f"{API}/{sid}/backward"), 409, "backward_already_done") == (
        "the backward pass is already done: the next step is update")


def test_divergence_and_the_iteration_limit(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", rate_limit=0, store="memory",
                              max_train_iterations=50))
    with TestClient(app) as client:
        sid = client.post(API, json=DIVERGING).json()["id"]
        message = refused(client.post(f"{API}/{sid}/train", json={"iterations": 50}), 422,
                          "diverged", "learning_rate")
        state = client.get(f"{API}/{sid}").json()
        assert message == (f"loss diverged after {state['completed']} iterations: step "
                           f"{state['cursor']} of iteration {state['iteration']} is not "
                           "finite (overflow or NaN): try a smaller learning rate")
        assert refused(client.post(f"{API}/{sid}/train", json={"iterations": 51}), 422,
                       "too_many_iterations", "iterations") == (
            "iterations: at most 50 per request")
        page = zh_page(client)
        text = chinese(stage_error(page.post(f"/ui/{sid}/next")))
        assert text.startswith("损失发散:第 ") and text.endswith("请试一个更小的学习速率 α")
        assert chinese(stage_error(page.post(f"/ui/{sid}/train", data={"iterations": 51}))) == (
            "iterations:每次请求最多 50 次迭代")


def test_setup_and_validation(client):
    message = refused(client.post(API, json={"layers": [2, 0, 1]}), 422, "validation",
                      "layers[1]")
    assert message == "layers[1]: the hidden layer has 1 to 32 units, got 0"
    assert client.post(API, json={"layers": [2, 0, 1]}).json()["errors"] == [{
        "field": "layers[1]", "error": "config.hidden_layer_size", "message": message}]
    assert refused(client.post(API, json={"layers": [3, 2, 1]}), 422, "dataset.inputs",
                   "layers") == "layers: dataset 'xor' has 2 inputs: layers[0] must be 2"
    page = zh_page(client)
    assert chinese(alert(page.post("/ui/new", data={"layers": "2,0,1",
                                                     "activations": "tanh,sigmoid"}))) == (
        "layers[1]: 隐藏层应有 1 到 32 个单元,实际为 0")
    assert chinese(alert(page.post("/ui/new", data={"layers": "3,2,1"}))) == (
        "layers:数据集 'xor' 有 2 个输入:layers[0] 必须是 2")
    assert chinese(alert(page.post("/ui/new", data={"preset": "nope"}))).startswith(
        "preset:未知的预设 'nope';可选:")
    assert chinese(alert(page.post("/ui/new", data={"learning_rate": "fast"}))) == (
        "learning_rate: 应为数字,无法把这段文字读成数字")
    # The setup form's errors on the page itself (a link with settings in its query).
    html = page.get("/?layers=2,2,1&activations=tanh,relu&loss=binary_cross_entropy").text
    node = BeautifulSoup(html, "html.parser").select_one(".error")
    assert node is not None and chinese(node.get_text()) == (
        "loss: binary_cross_entropy 需要输出层激活函数为 sigmoid,实际为 relu")
    # A form field out of its range on a page request: JSON, in the page's language.
    sid = client.post(API, json={}).json()["id"]
    response = page.post(f"/ui/{sid}/train", data={"iterations": 0})
    assert chinese(refused(response, 422, "validation", "iterations")) == (
        "iterations: 应大于或等于 1")
    response = page.post(f"/ui/{sid}/lr", data={"learning_rate": "0"})
    assert chinese(stage_error(response)) == "learning_rate: 应大于 0"


def test_tools(client):
    sid = client.post(API, json=COSTLY).json()["id"]
    assert "over the limit of 2 s" in refused(client.post(f"{API}/{sid}/gradcheck"), 422,
                                              "gradcheck.too_costly", "batch_size")
    text = alert(zh_page(client).post(f"/ui/{sid}/gradcheck"))
    assert chinese(text).startswith("梯度检验:此处代价太高:对 7,888 个参数中的每一个"
                                    "在 200 个样本上")
    client.cookies.clear()
    sid = client.post(API, json={**DIVERGING, "layers": [1, 16, 16, 1]}).json()["id"]
    client.post(f"{API}/{sid}/train", json={"iterations": 200})
    assert "not finite" in refused(client.post(f"{API}/{sid}/gradcheck"), 409,
                                   "gradcheck.not_finite")
    assert chinese(alert(zh_page(client).post(f"/ui/{sid}/gradcheck"))).startswith(
        "梯度检验:在这组参数上无法进行")
    client.cookies.clear()
    fields = {"layers": "2,2,1", "activations": "tanh,sigmoid", "loss": "binary_cross_entropy"}
    bad_csv = {"file": ("d.csv", b"x1,x2,y\n0,abc,1\n", "text/csv")}
    assert refused(client.post(f"{API}/import-csv", data=fields, files=bad_csv), 422,
                   "csv.not_number", "file") == "row 2, column 2 (x2): 'abc' is not a number"
    short_csv = {"file": ("d.csv", b"x1,y\n0,1\n", "text/csv")}
    assert refused(client.post(f"{API}/import-csv", data=fields, files=short_csv), 422,
                   "csv.header_width", "file") == (
        "row 1 (header): 2 columns, but the layer sizes need 3: n[0] = 2 inputs then n[L] = 1 "
        "target (the last 1 column)")
    assert refused(client.post(f"{API}/import", json={"format": "other"}), 422, "validation",
                   "format").startswith(
        "format: Input should be 'backprop-stepper/2' or 'backprop-stepper/1'")
    page = zh_page(client)
    assert chinese(alert(page.post("/ui/import", data=fields, files=bad_csv))) == (
        "第 2 行,第 2 列(x2):'abc' 不是数字")
    assert chinese(alert(page.post("/ui/import", data=fields, files=short_csv))) == (
        "第 1 行(表头):有 2 列,但各层大小需要 3 列:n[0] = 2 个输入,"
        "然后 n[L] = 1 个目标值(最后 1 列)")
    assert chinese(alert(page.post("/ui/import", data=fields, files={
        "file": ("a.json", b"{not json", "application/json")}))) == (
        "file:不是有效的 JSON(第 1 行,第 2 列)")
    assert chinese(alert(page.post("/ui/import", data=fields))) == (
        "file:请选择一个 JSON 导出文件或 CSV 文件")
    assert refused(client.post("/api/snapshots/AAAAAAAAAAA/sessions"), 404,
                   "snapshot_not_found") == "no snapshot 'AAAAAAAAAAA'"


def test_the_request_itself(tmp_path):
    """Size, rate, body, route and a busy store: the API in English, the page in Chinese."""
    app = create_app(Settings(data_dir=tmp_path / "data", rate_limit=4, store="memory",
                              max_body_bytes=1024))
    with TestClient(app) as client:
        big = b'{"data": {"X": [' + b"[0, 0]," * 300 + b"[0, 0]]}}"
        r = client.post(API, content=big, headers={"content-type": "application/json"})
        assert refused(r, 413, "body_too_large") == (
            "request body too large: at most 1024 bytes (BACKPROP_MAX_BODY_BYTES = 1024)")
        assert r.json()["limit"] == 1024
        client.cookies.set("bs_lang", "zh")  # the page's own requests carry its language
        r = client.post("/ui/new", content=b"layers=" + b"2" * 2000,
                        headers={"content-type": "application/x-www-form-urlencoded"})
        assert chinese(refused(r, 413, "body_too_large")) == (
            "请求体太大:最多 1024 字节(BACKPROP_MAX_BODY_BYTES = 1024)")
        r = client.post(API, content=b"\xff", headers={"content-type": "application/json"})
        assert refused(r, 422, "body_unreadable", "body") == (
            "body: not readable as JSON (is it UTF-8?)")
        assert refused(client.get("/api/nowhere"), 404, "not_found") == (
            "no such page or API route")
        r = client.get("/api/sessions/x", headers={"accept-language": "zh-CN"})  # API: English
        assert refused(r, 429, "rate_limited").startswith("rate limit: at most 4 requests")
        r = client.post("/ui/new")
        assert chinese(refused(r, 429, "rate_limited")).startswith(
            "请求过于频繁:每个客户端每分钟最多 4 个请求")
        assert r.json()["retry_after"] == int(r.headers["retry-after"]) >= 1


def test_more_of_the_request_itself(client, app, monkeypatch):
    assert refused(client.delete(API), 405, "method_not_allowed") == (
        "DELETE is not allowed on /api/sessions")
    r = client.post(API, content=b"{}", headers={"content-type": "application/json",
                                                 "content-length": "x"})
    assert refused(r, 400, "bad_content_length") == "invalid Content-Length"
    sid = client.post(API, json={}).json()["id"]

    def busy(*args, **kwargs):
        raise StoreBusy("stayed locked")

    monkeypatch.setattr(app.state.store, "checkout", busy)
    r = client.get(f"{API}/{sid}")
    assert refused(r, 503, "store_busy") == (
        "this network stayed locked by another server process for 10 s; nothing was done: "
        "try again in 1 s")
    assert r.headers["retry-after"] == "1"
    r = zh_page(client).post(f"/ui/{sid}/train", data={"iterations": 1})
    assert chinese(refused(r, 503, "store_busy")) == (
        "这个网络被另一个服务器进程锁定了 10 秒;本次没有执行:请 1 秒后重试")
