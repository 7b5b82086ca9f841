"""Every "why this step" text agrees with the formula printed beside it, in both notations and
both languages: read from the page itself (real HTTP), step by step through whole iterations."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import soup

from app.engine import NetworkSpec, build_plan
from app.views.explain import explain

# Presets that between them reach every kind of step: dA_out (sigmoid + squared error, with
# weight decay), the collapsed output δ (softmax + cross-entropy, linear + squared error),
# relu, tanh and sigmoid hidden layers, several dA steps (5 layers).
PRESETS = ("ufldl", "softmax", "deep", "sine",
           # leaky relu and linear hidden layers, each with its sentence about g'
           "layers=2,3,3,1&activations=leaky_relu,linear,sigmoid&loss=binary_cross_entropy"
           "&dataset=xor&output_delta=chain")
MATRIX = r"(?:d?[WAZ]\[\d+\]|X)ᵀ?"
PRODUCT = re.compile(rf"({MATRIX})·({MATRIX})")
# Three Latin words in a row, as in any English sentence (a list of code names has commas).
LATIN_RUN = re.compile(r"[A-Za-z]{2,}(?:[ '’-]+[A-Za-z]{2,}){2,}")


def plain(formula: str) -> str:
    """The LaTeX formula written as the explanations write it: W^{[2]\\top} -> W[2]ᵀ."""
    text = re.sub(r"\^\{\[(\d+)\]\\top\}", r"[\1]ᵀ", formula)
    text = text.replace(r"X^\top", "Xᵀ")
    text = re.sub(r"\^\{\[(\d+)\]\}", r"[\1]", text)
    return re.sub(r"\\,|\\frac\{1\}\{m\}|\s", "", text)


def walk(client, preset: str, lang: str, rows: bool) -> list[tuple[str, str, str]]:
    """(step id, formula, explanation) of every step of one iteration, as the page shows them;
    `preset`: a preset's name or a page query (layers=…&activations=…)."""
    client.get(f"/?{preset if '=' in preset else 'preset=' + preset}&lang={lang}")
    sid = client.cookies.get("bs_session")
    soup(client.post(f"/ui/{sid}/view", data={"notation": "rows" if rows else "columns"}))
    seen = []
    while True:
        html = soup(client.post(f"/ui/{sid}/next"))
        stage = html.select_one("#stage")
        formula = html.select_one("#equation .formula")["data-formula"]
        seen.append((stage["data-step"], formula, html.select_one("#equation .why p").text))
        if stage["data-step"] == "update":
            return seen


# What each notation says where the text names a row or a column.
EXPECTED = {
    # (pattern, group meaning) -> word in the column notation, word in the row notation
    "en": [
        (re.compile(r"(Row|Column) j of W\[\d\] holds the weights into unit j"), ("Row", "Column")),
        (re.compile(r"(Row|Column) k of W\[\d\] holds the weights out of unit k"),
         ("Column", "Row")),
        (re.compile(r"one per (column|row)"), ("column", "row")),
        (re.compile(r"summed over its m (columns|rows)"), ("columns", "rows")),
        (re.compile(r"each (row|column) of dZ\[\d\] summed"), ("row", "column")),
    ],
    "zh": [
        (re.compile(r"W\[\d\] 的第 j (行|列)是进入单元 j 的权重"), ("行", "列")),
        (re.compile(r"W\[\d\] 的第 k (行|列)是从单元 k 出发的权重"), ("列", "行")),
        (re.compile(r"每(列|行)一个"), ("列", "行")),
        (re.compile(r"每一(行|列)在 m (?:列|行)上"), ("行", "列")),
        (re.compile(r"在 m (列|行)上"), ("列", "行")),
    ],
}
# Step kinds whose text must speak of the notation (so these checks cannot pass by silence).
NOTATION_KINDS = ("Z", "db", "dA")  # dW: the order of its indices, below
INDEX_ORDER = {"en": re.compile(r"∂L/∂w_(\w)(\w) = .*?\(row (\w), column (\w) of"),
               "zh": re.compile(r"∂L/∂w_(\w)(\w) = .*?(第 (\w) 行、第 (\w) 列)")}


@pytest.mark.parametrize("rows", [False, True], ids=["columns", "rows"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.split("&")[0])
def test_every_explanation_speaks_of_the_formula_beside_it(client, preset, lang, rows):
    steps = walk(client, preset, lang, rows)
    kinds_seen = set()
    for step_id, formula, text in steps:
        assert text.strip(), step_id
        where = f"{preset} {lang} {'rows' if rows else 'columns'} {step_id}: {text}"
        # Every matrix product the text writes is the product the formula shows, in its order.
        for a, b in PRODUCT.findall(text):
            assert a + b in plain(formula), f"{a}·{b} is not in {formula!r} ({where})"
        notation_words = 0
        for pattern, words in EXPECTED[lang]:
            for found in pattern.findall(text):
                assert found == words[rows], where
                notation_words += 1
        kind = re.sub(r"\d+$", "", step_id)
        if kind == "dA" and "W" not in formula:
            kind = "dA_out"  # ∂L/∂A at the output: no matrix, no notation
        if kind in NOTATION_KINDS:
            assert notation_words, f"no word of the notation in {where}"
        if kind == "dW":
            order = INDEX_ORDER[lang].search(text)
            assert order, where
            first, second = order.group(1), order.group(2)
            row, col = order.groups()[-2:]
            # The text's weight runs from unit k to unit j: W[l] (n[l] × n[l-1]) has it at row j
            # in the column notation, its transpose at row k in the row notation.
            assert (first, second) == (row, col) == (("k", "j") if rows else ("j", "k")), where
        if kind in ("Z", "dW", "dA"):  # each writes its matrix product
            assert PRODUCT.findall(text), where
        kinds_seen.add(kind)
        if lang == "zh":
            assert not LATIN_RUN.search(text), f"English in the Chinese text: {where}"
    assert {"Z", "A", "J", "dZ", "dW", "db", "update"} <= kinds_seen


# (step id, notation or None for both, words the text must hold) of per-example mode with 2 of
# 4 examples shown: the steps that do examples 3 and 4 together.
REMAINING = {
    "en": [("Z1", None, "examples 3 to m"), ("Z1", "columns", "one per column"),
           ("Z1", "rows", "one per row"), ("dA1", "columns", "column i is example i's"),
           ("dA1", "rows", "row i is example i's"), ("Lsum", None, "examples 1 to 2"),
           ("dA1", "columns", "W[2]ᵀ·dZ[2]"), ("dA1", "rows", "dZ[2]·W[2]ᵀ"),
           ("SW2", "columns", "∇W[2](i) = δ[2](i)·a[1](i)ᵀ"),
           ("SW2", "columns", "columns 3 to m of dZ[2] times the same columns of A[1] transposed"),
           ("SW2", "rows", "∇W[2](i) = a[1](i)ᵀ·δ[2](i)"),
           ("SW2", "rows", "rows 3 to m of A[1] transposed times the same rows of dZ[2]")],
    "zh": [("Z1", None, "第 3 到第 m 个样本"), ("Z1", "columns", "每列一个"),
           ("Z1", "rows", "每行一个"), ("Lsum", None, "第 1 到第 2 个样本"),
           ("SW2", "columns", "dZ[2] 的第 3 到第 m 列乘以 A[1] 同样几列的转置"),
           ("SW2", "rows", "A[1] 第 3 到第 m 行的转置乘以 dZ[2] 同样的几行")],
}


@pytest.mark.parametrize("rows", [False, True], ids=["columns", "rows"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_remaining_examples_steps_say_which_examples_in_the_notation_shown(client, lang,
                                                                               rows):
    """Per-example mode, 2 of 4 examples shown: the steps that do examples 3 and 4 together
    name them, speak of the notation shown and write the products of their formulas."""
    notation = "rows" if rows else "columns"
    steps = {i: (formula, text) for i, formula, text in walk(client, "ufldl_per_example", lang,
                                                              rows)}
    checked = 0
    for step_id, where_true, words in REMAINING[lang]:
        text = steps[step_id][1]
        if where_true in (None, notation):
            assert words in text, f"{lang} {notation} {step_id}: {text}"
            checked += 1
        else:  # the other notation's words are not said here
            assert words not in text, f"{lang} {notation} {step_id}: {text}"
    assert checked >= 3
    for step_id in ("Z1", "A1", "Z2", "A2", "Lsum", "dA2", "dZ2", "SW2", "dA1", "dZ1", "SW1"):
        formula, text = steps[step_id]
        for a, b in PRODUCT.findall(text):
            assert a + b in plain(formula), f"{a}·{b} is not in {formula!r} ({step_id}: {text})"
        if lang == "zh":
            assert not LATIN_RUN.search(text), f"English in the Chinese text: {step_id}: {text}"


def test_the_first_layer_is_called_x_as_in_its_formula():
    spec = NetworkSpec((2, 2, 1), ("tanh", "sigmoid"), "binary_cross_entropy")
    plan = {s.id: s for s in build_plan(spec)}
    for rows in (False, True):
        text = explain(plan["Z1"], spec.activations, True, 0.0, "en", rows)
        assert ("X·W[1]" if rows else "W[1]·X") in text and "A[0]" not in text
        text = explain(plan["dW2"], spec.activations, True, 0.0, "en", rows)
        assert ("A[1]ᵀ·dZ[2]" if rows else "dZ[2]·A[1]ᵀ") in text


def test_the_softmax_output_delta_is_not_called_element_wise():
    spec = NetworkSpec((2, 3, 3), ("tanh", "softmax"), "squared_error")
    plan = {s.id: s for s in build_plan(spec)}
    assert not spec.collapses
    text = explain(plan["dZ2"], spec.activations, False, 0.0, "en")
    assert "Jacobian" in text and "⊙" not in text


def visible_text(html: BeautifulSoup) -> str:
    """What a reader sees: no scripts, formulas' LaTeX source, hover titles or code names."""
    # Choices of a <select> are the names the API takes (a Chinese word beside where one exists).
    for tag in html.select("script, style, [data-tex], title, svg, code, .formula, option"):
        tag.decompose()
    return html.get_text(" ")


@pytest.mark.parametrize("preset", ["xor", "ufldl", "softmax", "deep", "symmetry", "vanishing"])
def test_the_chinese_page_has_no_english_sentence(client, preset):
    client.get(f"/?preset={preset}&lang=zh")
    sid = client.cookies.get("bs_session")
    client.post(f"/ui/{sid}/train", data={"iterations": "30"})
    for rows in ("columns", "rows"):
        soup(client.post(f"/ui/{sid}/view", data={"notation": rows}))
        while True:
            html = soup(client.post(f"/ui/{sid}/next"))
            text = visible_text(html)
            found = LATIN_RUN.findall(text)
            assert not found, (preset, html.select_one("#stage")["data-step"], found)
            if html.select_one("#stage")["data-step"] == "update":
                break
    page = soup(client.get("/?lang=zh"))
    found = [m for m in LATIN_RUN.findall(visible_text(page))]
    assert not found, found


@pytest.mark.parametrize("rows", [False, True], ids=["columns", "rows"])
def test_the_neuron_panel_indexes_weights_as_the_notation_shown(client, rows):
    """Unit 1 of layer 1: z = Σ w_1k x_k + b with W[1] as printed (n[1] × n[0]), its transpose's
    w_k1 in the row notation; δ collects w[2]_k1 (w[2]_1k in rows)."""
    client.get("/?preset=xor&lang=en")
    sid = client.cookies.get("bs_session")
    soup(client.post(f"/ui/{sid}/view", data={"notation": "rows" if rows else "columns",
                                              "neuron": "1,0"}))
    while True:
        html = soup(client.post(f"/ui/{sid}/next"))
        if html.select_one("#stage")["data-step"] == "dZ1":
            break
    lines = [d["data-tex"] for d in html.select("#neuron .neuron-line")]
    z_line = next(line for line in lines if line.startswith("z^"))
    delta_line = next(line for line in lines if line.startswith(r"\delta"))
    assert ("w^{[1]}_{k1}" if rows else "w^{[1]}_{1k}") in z_line
    assert ("w^{[2]}_{1k}" if rows else "w^{[2]}_{k1}") in delta_line


# Per-example mode (one example at a time): hidden layers of every kind, the long-way output δ
# of softmax and of sigmoid, two examples with steps of their own.
PER_EXAMPLE = (
    "layers=3,3,2,1&activations=tanh,relu,sigmoid&loss=squared_error&dataset=random"
    "&samples=4&weight_decay=0.01&gradient_mode=per_example&examples_shown=2",
    "layers=2,3,3&activations=leaky_relu,softmax&loss=cross_entropy&dataset=spiral"
    "&samples=6&gradient_mode=per_example&output_delta=chain&examples_shown=2",
    "layers=2,2,2,1&activations=linear,sigmoid,sigmoid&loss=binary_cross_entropy"
    "&dataset=xor&gradient_mode=per_example&output_delta=chain&examples_shown=1",
)
# One example's vectors as the texts write them: δ[2](1), a[1](1), x(1), W[2]ᵀ.
VECTOR = r"(?:δ\[\d+\]\(\d+\)|a\[\d+\]\(\d+\)|x\(\d+\)|W\[\d+\]ᵀ?)"
EXAMPLE_PRODUCT = re.compile(rf"({VECTOR})·({VECTOR})")
OUTER = {"en": re.compile(rf"outer product of ({VECTOR}) and ({VECTOR})"),
         "zh": re.compile(rf"是 ({VECTOR}) 与 ({VECTOR}) 的外积")}
ENTRY = {"en": re.compile(r"one entry (\w)_(\w)·(\w)_(\w) per weight \(row (\w), column (\w)"),
         "zh": re.compile(r"一项 (\w)_(\w)·(\w)_(\w)\(小表的第 (\w) 行、第 (\w) 列\)")}
ROW_OF_W = {"en": re.compile(r"weighted by its (row|column) of W"),
            "zh": re.compile(r"用 W\[\d\] 中自己那一(行|列)")}


def example_plain(formula: str) -> str:
    """An example's formula as the texts write it: dz^{[2](1)} -> δ[2](1), a^{[1](1)\\top} ->
    a[1](1), x^{(1)\\top} -> x(1), W^{[2]\\top} -> W[2]ᵀ (a transposed vector is written
    without its ᵀ: the text names the outer product's factors)."""
    text = re.sub(r"W\^\{\[(\d+)\]\\top\}", r"W[\1]ᵀ", formula)
    text = re.sub(r"\bdz\^\{\[(\d+)\]\((\d+)\)\}", r"δ[\1](\2)", text)
    text = re.sub(r"\ba\^\{\[(\d+)\]\((\d+)\)(?:\\top)?\}", r"a[\1](\2)", text)
    text = re.sub(r"\bx\^\{\((\d+)\)(?:\\top)?\}", r"x(\1)", text)
    return re.sub(r"\\,|\s", "", text)


@pytest.mark.parametrize("rows", [False, True], ids=["columns", "rows"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("query", PER_EXAMPLE, ids=["tanh-relu", "lrelu-softmax", "linear"])
def test_every_per_example_explanation_speaks_of_the_formula_beside_it(client, query, lang,
                                                                        rows):
    """One example's steps: the products and outer products the text names are the formula's,
    in its order; ∇W's entries are indexed as the notation's table is; layer 1's input is x."""
    steps = walk(client, query, lang, rows)
    counts = {"product": 0, "outer": 0, "row_of_w": 0}
    for step_id, formula, text in steps:
        where = f"{query[:40]} {lang} {'rows' if rows else 'columns'} {step_id}: {text}"
        assert text.strip(), where
        if lang == "zh":
            assert not LATIN_RUN.search(text), f"English in the Chinese text: {where}"
        if "@" not in step_id:
            continue  # the batch steps of per-example mode: the test above
        flat = example_plain(formula)
        assert "a[0]" not in text, where  # the formula writes x for a[0]
        for a, b in EXAMPLE_PRODUCT.findall(text):
            assert a + b in flat, f"{a}·{b} is not in {flat!r} ({where})"
            counts["product"] += 1
        if step_id.startswith("gW"):
            first, second = OUTER[lang].search(text).groups()
            assert first + second in flat, f"{first} {second} not in {flat!r} ({where})"
            assert (first.startswith("δ") != rows), where  # δ·aᵀ in columns, aᵀ·δ in rows
            j_k = ENTRY[lang].search(text).groups()
            # the weight from unit k into unit j: row j of W[l] (n[l] × n[l-1]) in columns,
            # row k of its transpose in rows; the entry's factors in the product's order
            expected = (("a", "k", "δ", "j", "k", "j") if rows else
                        ("δ", "j", "a", "k", "j", "k"))
            assert j_k == expected, where
            if step_id.startswith("gW1"):
                assert "x(" in text, where
            counts["outer"] += 1
        if step_id.startswith("z"):
            assert ROW_OF_W[lang].search(text).group(1) == (
                ("column", "列") if rows else ("row", "行"))[lang == "zh"], where
            counts["row_of_w"] += 1
    examples = 2 if "examples_shown=2" in query else 1
    layers = query.split("&")[0].count(",")
    assert counts == {"product": examples * (layers - 1), "outer": examples * layers,
                      "row_of_w": examples * layers}, counts


@pytest.mark.parametrize("mode", ["batch", "per_example"])
def test_no_formula_stacks_two_superscripts(mode):
    """x^{(1)}^\\top is a TeX error (a double superscript): the transpose goes inside the one
    superscript, x^{(1)\\top}, in both notations."""
    spec = NetworkSpec((2, 3, 2, 1), ("tanh", "relu", "sigmoid"), "squared_error", 0.1,
                       gradient_mode=mode)
    plan = build_plan(spec)
    formulas = [f for step in plan for f in (step.formula, step.formula_rows)]
    assert len(formulas) == 2 * len(plan) >= 40
    for formula in formulas:
        assert not re.search(r"\^\{[^{}]*\}\^|\^\{[^{}]*\{[^{}]*\}[^{}]*\}\^", formula), formula
    if mode == "per_example":
        first = next(step for step in plan if step.id == "gW1@0")
        assert r"x^{(1)\top}" in first.formula and r"x^{(1)\top}" in first.formula_rows
