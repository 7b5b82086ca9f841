"""Predict, then reveal: one question about the next micro-step, asked before it is computed.

The question is a pure function of the stepper's position, the level and the notation, so
asking (GET) and answering (POST) see the same one without storing anything. Its answer is
worked out by running the next step on a shallow copy of the values (steps only add keys) and
never leaves the server before the learner has answered; answering performs the real step.

Levels get harder: 0 asks shapes (note 000's habit: n[l] × m from the operands' shapes), 1 asks
the sign of a unit's δ or which unit gets the largest |δ|, 2 asks a number within a tolerance.
A step that has nothing to ask at a level (a scalar has no interesting shape, only δ steps have
signs) falls back to the nearest kind that fits.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .engine import Stepper, StepSpec
from .views.fmt import num, shape

LEVELS = ("shape", "sign", "number")
RELATIVE, ABSOLUTE = 0.01, 0.005  # a number is right within ±1 % or ±0.005

TEXT = {
    "shape": {"en": "What shape will {name} have?", "zh": "{name} 的形状是多少?"},
    "sign": {"en": "Will δ of unit {unit} in layer {layer} be positive, negative or zero "
                   "(example {example})?",
             "zh": "第 {layer} 层第 {unit} 个单元的残差 δ 是正、负还是零(样本 {example})?"},
    "largest": {"en": "Which unit of layer {layer} gets the largest |δ| (example {example})?",
                "zh": "第 {layer} 层哪个单元的 |δ| 最大(样本 {example})?"},
    "number": {"en": "What is {name}[{row}, {col}]? Right within ±1 % (or ±0.005).",
               "zh": "{name}[{row}, {col}] 等于多少?误差在 ±1%(或 ±0.005)以内即算对。"},
    "scalar": {"en": "What is {name}? Right within ±1 % (or ±0.005).",
               "zh": "{name} 等于多少?误差在 ±1%(或 ±0.005)以内即算对。"},
    "positive": {"en": "positive", "zh": "正"},
    "negative": {"en": "negative", "zh": "负"},
    "zero": {"en": "zero", "zh": "零"},
    "unit": {"en": "unit {n}", "zh": "第 {n} 个单元"},
    "right": {"en": "Right: {name} is {expected}.", "zh": "答对了:{name} 为 {expected}。"},
    "wrong": {"en": "Not quite: you said {given}, {name} is {expected}.",
              "zh": "不对:你的答案是 {given},{name} 实际为 {expected}。"},
}


@dataclass(frozen=True)
class Question:
    kind: str  # shape | sign | largest | number
    step: str  # the id of the step it is about
    key: str  # the value asked about
    name: str  # its plain name: Z[1], dW[2], dz[2](1)
    choices: tuple[str, ...] | None
    entry: tuple[int, int]  # (row, column) of the value in the column notation, 0-based
    example: int  # 0-based example the entry belongs to
    expected: object  # never sent before the answer
    formula: str  # the step's formula in the notation asked, for the reason
    operands: tuple[tuple[str, str], ...] = ()  # (name, shape) of what the step reads
    scalar: bool = False  # a 1×1 value: a number question names it without an entry

    def public(self, lang: str, rows: bool) -> dict:
        """What the learner sees before answering: no expected value in it."""
        out = {"kind": self.kind, "step": self.step, "name": self.name,
               "prompt": self.prompt(lang, rows), "choices": None, "tolerance": None}
        if self.choices is not None:
            out["choices"] = [{"value": c, "label": _choice_label(self.kind, c, lang)}
                              for c in self.choices]
        if self.kind == "number":
            out["tolerance"] = {"relative": RELATIVE, "absolute": ABSOLUTE}
        return out

    def prompt(self, lang: str, rows: bool) -> str:
        lang = lang if lang in ("en", "zh") else "en"
        text = TEXT[self.kind][lang]
        if self.kind == "shape":
            return text.format(name=self.name)
        row, col = self.entry
        layer = re.search(r"\[(\d+)\]", self.name)
        fields = {"name": self.name, "unit": row + 1, "layer": layer[1] if layer else "",
                  "example": self.example + 1}
        if self.kind == "number" and self.scalar:
            return TEXT["scalar"][lang].format(name=self.name)
        if self.kind == "number":
            r, c = (col, row) if rows else (row, col)
            return text.format(row=r + 1, col=c + 1, **fields)
        return text.format(**fields)


def plain_name(key: str) -> str:
    """'Z1' -> 'Z[1]', 'A0' -> 'X', 'dz2@0' -> 'dz[2](1)', 'new_W1' -> 'W[1]′' (updated)."""
    if key == "A0":
        return "X"
    match = re.fullmatch(r"(new_)?([a-zA-Z]+?)(\d*)(?:@(\d+))?", key)
    if not match:
        return key
    new, name, layer, example = match.groups()
    name = {"gW": "dW", "gb": "db", "SW": "ΔW", "Sb": "Δb", "a": "a"}.get(name, name)
    if name == "a" and layer == "0":
        return f"x({int(example) + 1})"
    text = name + (f"[{layer}]" if layer else "") + (f"({int(example) + 1})" if example else "")
    return text + ("′" if new else "")


def _preview(stepper: Stepper) -> tuple[StepSpec, dict]:
    """The next step and its outputs, computed on a shallow copy (the stepper is unchanged)."""
    step = stepper.next_step
    if stepper.c == stepper.steps_per_iteration:  # complete: the next is iteration t+1's first
        values = {**stepper._updated_params(), "A0": stepper.values["A0"],
                  "Y": stepper.values["Y"]}
        if stepper.batch_columns(stepper.t + 1) is not None:
            x, y = stepper._batch(stepper.t + 1)
            values["A0"], values["Y"] = x, y
    else:
        values = dict(stepper.values)
    with np.errstate(all="ignore"):
        step.run(values, stepper.upcoming_learning_rate)
    return step, {key: values[key] for key in step.writes}


def _seed(stepper: Stepper, level: int) -> np.random.Generator:
    return np.random.default_rng([stepper.t, stepper.c, level, stepper.seed])


def question(stepper: Stepper, level: int, rows: bool = False) -> Question:
    """The question about the next step at this level (0 shapes, 1 signs, 2 numbers)."""
    step, outputs = _preview(stepper)
    key = step.writes[0]
    value = np.atleast_2d(outputs[key])
    rng = _seed(stepper, level)
    kind = LEVELS[min(max(level, 0), 2)]
    if kind == "sign" and step.kind != "dZ":  # only δ has a sign worth asking
        kind = "shape"
    if kind == "shape" and value.size == 1:  # a scalar's shape says nothing
        kind = "number"
    if kind == "sign" and value.shape[0] > 1 and rng.random() < 0.5:
        kind = "largest"
    col = int(rng.integers(value.shape[1]))
    example = step.example if step.example is not None else col
    name = plain_name(key)

    def ask(kind: str, choices, row: int, expected) -> Question:
        return Question(kind, step.id, key, name, choices, (row, col), example, expected,
                        step.formula_rows if rows else step.formula,
                        _operands(stepper, step, rows), value.size == 1)

    if kind == "shape":
        true = shape(value.shape[::-1] if rows else value.shape)
        return ask(kind, _shape_choices(stepper, step, value.shape, rows, rng), 0, true)
    if kind == "largest":
        choices = tuple(str(u + 1) for u in range(value.shape[0]))
        return ask(kind, choices, 0, str(int(np.argmax(np.abs(value[:, col]))) + 1))
    row = int(rng.integers(value.shape[0]))
    v = float(value[row, col])
    if kind == "sign":
        sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
        return ask(kind, ("positive", "negative", "zero"), row, sign)
    return ask("number", None, row, v)


def _shape_choices(stepper: Stepper, step: StepSpec, true: tuple, rows: bool,
                   rng: np.random.Generator) -> tuple[str, ...]:
    """The true shape, its transpose and the operands' shapes: four at most, shuffled."""
    shapes = [true, true[::-1]]
    shapes += [np.shape(stepper.values[k]) for k in step.reads if k in stepper.values]
    texts: list[str] = []
    for dims in shapes:
        dims = tuple(dims) if len(dims) == 2 else (1, 1)
        text = shape(dims[::-1] if rows else dims)
        if text not in texts:
            texts.append(text)
    texts = texts[:4]
    if len(texts) < 3:  # e.g. a square matrix: add near misses
        a, b = true
        for dims in ((a + 1, b), (a, b + 1), (b + 1, a)):
            text = shape(dims[::-1] if rows else dims)
            if text not in texts and len(texts) < 3:
                texts.append(text)
    order = rng.permutation(len(texts))
    return tuple(texts[i] for i in order)


def _operands(stepper: Stepper, step: StepSpec, rows: bool) -> tuple[tuple[str, str], ...]:
    """What the step reads, each with its shape in the notation asked (a row-notation shape is
    the column one transposed): the facts a shape is worked out from. Scalars are left out."""
    found = []
    for key in step.reads:
        value = stepper.values.get(key)
        if value is None or np.ndim(value) != 2:
            continue
        dims = np.shape(value)
        found.append((plain_name(key), shape(dims[::-1] if rows else dims)))
    return tuple(found)


def parse_number(given: str | float | None) -> float | None:
    """A typed number, or None: full-width digits, a real minus sign (−) and a decimal comma
    (0,25) are read as 0-9, - and a point."""
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(given) if math.isfinite(given) else None
    text = unicodedata.normalize("NFKC", str(given or "")).strip()
    text = text.replace("−", "-").replace("–", "-").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def normal_shape(given: object) -> str:
    """'3 x 6', '3*6', '3×6' and '3X6' all read as '3×6'."""
    text = unicodedata.normalize("NFKC", str(given)).lower().replace(" ", "")
    return text.replace("x", "×").replace("*", "×")


def check(q: Question, given: str | float) -> bool:
    if q.kind == "number":
        x = parse_number(given)
        if x is None:
            return False
        expected = float(q.expected)  # type: ignore[arg-type]
        return abs(x - expected) <= max(RELATIVE * abs(expected), ABSOLUTE)
    if q.kind == "shape":
        return normal_shape(given) == q.expected
    return str(given).strip() == q.expected


def _choice_label(kind: str, value: str, lang: str) -> str:
    lang = lang if lang in ("en", "zh") else "en"
    if kind == "sign":
        return TEXT[value][lang]
    if kind == "largest":
        return TEXT["unit"][lang].format(n=value)
    return value


def verdict(q: Question, given: str | float, lang: str, rows: bool) -> dict:
    """Right or wrong, the true value and a one-line reason in the page's language."""
    lang = lang if lang in ("en", "zh") else "en"
    right = check(q, given)
    expected = num(float(q.expected)) if q.kind == "number" else str(q.expected)  # type: ignore
    shown_expected = _choice_label(q.kind, expected, lang) if q.kind != "number" else expected
    if q.kind == "number":
        typed = parse_number(given)
        shown_given = str(given) if typed is None else num(typed, 6)
    elif q.kind == "shape":
        shown_given = normal_shape(given)
    else:
        shown_given = _choice_label(q.kind, str(given), lang)
    reason = TEXT["right" if right else "wrong"][lang].format(
        name=q.name, expected=shown_expected, given=shown_given)
    return {"right": right, "expected": q.expected, "expected_text": shown_expected,
            "given": given, "given_text": shown_given, "reason": reason, "formula": q.formula,
            # what the step read, with shapes: the facts the answer follows from
            "operands": [{"name": n, "shape": s} for n, s in q.operands]}


# -- the learner's score and level, kept with the session's view (a short JSON string) ---------
KEEP_ITERATIONS = 20  # per-iteration scores kept: the latest ones
UP_AFTER, DOWN_AFTER = 3, 2  # right answers in a row that raise the level; wrong ones that lower it
KINDS = ("shape", "sign", "largest", "number")
KIND_LEVEL = {"shape": 0, "sign": 1, "largest": 1, "number": 2}


@dataclass
class Score:
    """Quiz mode on or off, the level questions are asked at (0 shapes, 1 signs, 2 numbers), the
    run of right (> 0) or wrong (< 0) answers at it, and [right, asked] per kind of question and
    per iteration (1-based, as the page counts)."""
    on: bool = False
    level: int = 0
    streak: int = 0
    kinds: dict[str, list[int]] = field(default_factory=dict)
    iterations: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def decode(cls, text: str) -> Score:
        try:
            data = json.loads(text) if text else {}
            return cls(bool(data.get("on")), min(max(int(data.get("level", 0)), 0), 2),
                       int(data.get("streak", 0)),
                       {k: [int(v[0]), int(v[1])] for k, v in data.get("kinds", {}).items()
                        if k in KINDS},
                       {int(k): [int(v[0]), int(v[1])]
                        for k, v in data.get("iterations", {}).items()})
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            return cls()

    def encode(self) -> str:
        return json.dumps({"on": self.on, "level": self.level, "streak": self.streak,
                           "kinds": self.kinds,
                           "iterations": {str(k): v for k, v in self.iterations.items()}},
                          separators=(",", ":"), sort_keys=True)

    def public(self) -> dict:
        """The score as the API answers it: [right, asked] per kind and per iteration."""
        return {"level": self.level, "kinds": {k: self.kinds.get(k, [0, 0]) for k in KINDS},
                "iterations": {str(k): v for k, v in sorted(self.iterations.items())}}

    def record(self, kind: str, iteration: int, right: bool) -> None:
        """Count an answer; UP_AFTER right in a row ask harder questions (shapes → signs →
        numbers), DOWN_AFTER wrong in a row easier ones. Only questions of the level's own kind
        move it: a step with nothing of that kind to ask (a scalar's shape, the sign of a
        non-δ) asks another kind, which is scored but leaves the level as it is."""
        for table, key in ((self.kinds, kind), (self.iterations, iteration)):
            tally = table.setdefault(key, [0, 0])  # type: ignore[call-overload]
            tally[0] += right
            tally[1] += 1
        for old in sorted(self.iterations)[:-KEEP_ITERATIONS]:
            del self.iterations[old]
        if KIND_LEVEL[kind] != self.level:
            return
        self.streak = max(self.streak, 0) + 1 if right else min(self.streak, 0) - 1
        if self.streak >= UP_AFTER and self.level < 2:
            self.level, self.streak = self.level + 1, 0
        elif self.streak <= -DOWN_AFTER and self.level > 0:
            self.level, self.streak = self.level - 1, 0


def asked_iteration(stepper: Stepper) -> int:
    """The iteration (1-based) the next step belongs to: a complete iteration's next step is
    the following one's first."""
    return stepper.t + 1 + (stepper.c == stepper.steps_per_iteration)
