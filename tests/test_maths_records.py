"""Each activation and each loss is one record (app/engine/activations.py, losses.py, and the
page text in app/views/maths_text.py), and every form of its maths agrees with every other:
the fused training kernel with the plain derivative g', softmax's kernel with its explicit
Jacobian, the exported script's lines, run, with the engine's numbers; and the step formulas,
the worked neuron and the script are the records' own text."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from app.engine import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES, NetworkSpec, build_plan
from app.transfer.script import activation_line, backward_line, helpers
from app.views.maths_text import ACTIVATION_FIELDS, ACTIVATION_TEXT, LOSS_FIELDS, LOSS_TEXT

ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.derivative is not None]
LATIN_RUN = re.compile(r"[A-Za-z]{2,}(?:[ '’-]+[A-Za-z]{2,}){2,}")  # as in test_explain.py


def z_samples(seed: int = 0) -> np.ndarray:
    """(6, 40): ordinary z, z = ±0 exactly, tiny and huge |z| (where sigmoid and tanh
    saturate and exp would overflow), one column per example."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 3.0, (6, 40))
    z[:, :9] = np.array([0.0, -0.0, 5e-324, -5e-324, 1e-300, 36.7, -36.7, 745.0, -745.0])
    z[2, 9:18] = [1e4, -1e4, 1e300, -1e300, 710.0, -710.0, 20.0, -20.0, 0.0]
    return z


def test_the_samples_reach_zero_and_large_z():
    z = z_samples()
    assert (z == 0).sum() >= 13 and np.abs(z).max() == 1e300 and np.isfinite(z).all()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_fused_kernel_gives_the_numbers_of_da_times_the_derivative(name):
    """What training runs (the fused in-place kernel, through `backward`) and what the neuron
    panel and the activation plot print (g') give the same dZ = dA ⊙ g'(Z), to the bit."""
    act = ACTIVATIONS[name]
    z = z_samples()
    da = np.random.default_rng(1).normal(0.0, 2.0, z.shape)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        plain = da * act.derivative(z, a)
        fused = act.backward(da.copy(), z, a)
    np.testing.assert_array_equal(fused, plain)
    assert fused.shape == z.shape and np.isfinite(fused).all()
    if act.fused_backward is not None:
        np.testing.assert_array_equal(act.fused_backward(da.copy(), z, a), plain)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_fused_kernel_keeps_a_non_finite_da_non_finite_as_the_derivative_does(name):
    act = ACTIVATIONS[name]
    z = z_samples()
    a = act.forward(z)
    da = np.ones_like(z)
    da[0, :] = np.inf  # including where z = 0, g'(0) may be 0: inf·0 is NaN, still non-finite
    da[1, :] = np.nan
    with np.errstate(all="ignore"):
        fused, plain = act.backward(da.copy(), z, a), da * act.derivative(z, a)
    np.testing.assert_array_equal(np.isfinite(fused), np.isfinite(plain))
    assert not np.isfinite(fused[:2]).any()
    np.testing.assert_array_equal(fused[2:], plain[2:])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_kernel_is_the_product_with_its_explicit_jacobian(seed):
    act = ACTIVATIONS["softmax"]
    z = z_samples(seed)
    da = np.random.default_rng(seed + 10).normal(0.0, 1.0, z.shape)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        dz = act.backward(da.copy(), z, a)
    for col in range(z.shape[1]):
        s = a[:, col]
        jacobian = np.diag(s) - np.outer(s, s)  # ∂a_i/∂z_j = a_i(δ_ij − a_j)
        expected = jacobian.T @ da[:, col]
        np.testing.assert_allclose(dz[:, col], expected, rtol=1e-12, atol=1e-15)
    # Columns 9 and 11 have z = 1e4 and 1e300 in row 2: a is one-hot there, its Jacobian 0,
    # and nothing passes back; columns 0-8 are constant: a is uniform.
    for col in (9, 11):
        np.testing.assert_array_equal(a[:, col], np.eye(6)[2])
        np.testing.assert_array_equal(dz[:, col], 0.0)
    np.testing.assert_allclose(a[:, :9], 1 / 6, rtol=1e-15)


def run_lines(lines: list[str], names: dict, sources: list[str]) -> dict:
    """Execute script lines with NumPy, the helper functions and the given arrays in scope."""
    scope = {"np": np, **names}
    for source in sources:
        exec(source, scope)  # noqa: S102 - our own generated code, as the export runs it
    for line in lines:
        exec(line, scope)  # noqa: S102
    return scope


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_scripts_activation_and_backward_lines_give_the_engines_numbers(name):
    act = ACTIVATIONS[name]
    z = z_samples(3)
    da = np.random.default_rng(4).normal(0.0, 1.0, z.shape)
    code, _ = activation_line(name, "Z1")
    back, _ = backward_line(name, "dA1", "A1", "Z1")
    sources = helpers((name,), "squared_error")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        scope = run_lines([f"A1 = {code}", f"dZ1 = {back}"], {"Z1": z, "dA1": da}, sources)
        a = act.forward(z)
        dz = act.backward(da.copy(), z, a)
    np.testing.assert_array_equal(scope["A1"], a)
    np.testing.assert_allclose(scope["dZ1"], dz, rtol=1e-15, atol=0)
    assert (act.helper is not None) == (name in ("sigmoid", "softmax"))
    assert sources == ([act.helper] if act.helper else [])


VALID = [(loss, output) for loss, record in sorted(LOSSES.items()) for output in sorted(ACTIVATIONS)
         if not record.requires or output in record.requires]


@pytest.mark.parametrize("loss,output", VALID)
def test_the_scripts_loss_and_gradient_lines_give_the_engines_numbers(loss, output):
    record, act = LOSSES[loss], ACTIVATIONS[output]
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 2.0, (3, 25))
    a = act.forward(z)
    y = (rng.random(z.shape) < 0.5).astype(float)
    if loss == "cross_entropy":  # one-hot targets
        y = np.eye(3)[:, rng.integers(0, 3, 25)]
    lines = [line.format(z="Z2", a="A2") for line in record.code]
    lines.append(f"dA2 = {record.code_grad.format(a='A2')}")
    scope = run_lines(lines, {"Z2": z, "A2": a, "Y": y, "m": z.shape[1]},
                      helpers((output,), loss))
    assert scope["J"] == pytest.approx(record.value(z, a, y), rel=1e-13)
    np.testing.assert_allclose(scope["dA2"], record.grad_a(a, y), rtol=1e-15, atol=0)


def test_every_record_has_every_field():
    assert set(ACTIVATIONS) == set(ACTIVATION_TEXT)
    assert set(LOSSES) == set(LOSS_TEXT)
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        for field in dataclasses.fields(act):
            value = getattr(act, field.name)
            if field.name in ("fused_backward", "helper"):
                continue  # optional: a kernel where it pays, a helper where a line calls one
            if field.name in ("derivative", "tex_prime"):  # None exactly for softmax
                assert (value is None) == (name == "softmax"), (name, field.name)
                continue
            assert value, (name, field.name)
        assert act.tex_of("Z") != act.tex_of("Y") and "{z}" in act.code
        assert "{da}" in act.code_backward
        assert set(ACTIVATION_TEXT[name]) == set(ACTIVATION_FIELDS)
    for name, loss in LOSSES.items():
        assert loss.name == name
        assert loss.code and loss.code[-1].startswith("J = ") and "/ m" in loss.code[-1]
        assert all(getattr(loss, f.name) or f.name in ("helper", "requires")
                   for f in dataclasses.fields(loss)), name
        assert set(LOSS_TEXT[name]) == set(LOSS_FIELDS)
    texts = [t for table in (ACTIVATION_TEXT, LOSS_TEXT) for record in table.values()
             for t in record.values()]
    assert len(texts) == len(ACTIVATIONS) * len(ACTIVATION_FIELDS) + len(LOSSES) * len(LOSS_FIELDS)
    for text in texts:
        assert set(text) == {"en", "zh"} and text["en"].strip() and text["zh"].strip()
        assert not LATIN_RUN.search(text["zh"]), text["zh"]
        assert text["en"] != text["zh"]


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_step_formulas_are_the_records_latex_in_both_notations(hidden):
    """A = g(Z) and dZ = dA ⊙ g'(Z) as the API's step list prints them are the record's
    LaTeX; softmax's Jacobian product sums over a column in one notation, a row in the other."""
    spec = NetworkSpec((2, 3, 2), (hidden, "softmax"), "squared_error")
    plan = {step.id: step for step in build_plan(spec)}
    act, out = ACTIVATIONS[hidden], ACTIVATIONS["softmax"]
    g_of_z = act.tex_of("Z^{[1]}")
    assert plan["A1"].formula == plan["A1"].formula_rows == rf"A^{{[1]}} = {g_of_z}"
    prime = act.tex_prime_of("A^{[1]}", "Z^{[1]}")
    assert plan["dZ1"].formula == rf"dZ^{{[1]}} = dA^{{[1]}} \odot {prime}"
    columns, rows = plan["dZ2"].formula, plan["dZ2"].formula_rows
    assert r"\mathbf{1}\mathbf{1}^\top(dA^{[2]}" in columns
    assert r"(dA^{[2]} \odot A^{[2]})\mathbf{1}\mathbf{1}^\top" in rows
    for form, in_rows in ((columns, False), (rows, True)):
        assert form == rf"dZ^{{[2]}} = {out.tex_dz('dA^{[2]}', 'A^{[2]}', 'Z^{[2]}', in_rows)}"


def test_a_changed_record_changes_every_place_that_shows_it(monkeypatch, client):
    """The step list, the worked neuron and the exported script all read the record: a
    different g symbol, g' formula and script line show up in all three."""
    changed = dataclasses.replace(ACTIVATIONS["tanh"], symbol=r"\mathrm{TANH}",
                                  tex_apply=r"\mathrm{TANH}(@z)", tex_prime=r"\mathrm{T}'(@z)",
                                  code="np.tanh({z}) + 0.0", code_note="changed tanh")
    monkeypatch.setitem(ACTIVATIONS, "tanh", changed)
    created = client.post("/api/sessions", json={
        "layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "binary_cross_entropy",
        "dataset": "xor"})
    assert created.status_code == 201, created.text[:500]
    sid = created.json()["id"]
    state = client.post(f"/api/sessions/{sid}/iterate").json()
    formulas = {step["id"]: step["formula"] for step in state["steps"]}
    assert formulas["A1"] == r"A^{[1]} = \mathrm{TANH}(Z^{[1]})", formulas
    assert formulas["dZ1"] == r"dZ^{[1]} = dA^{[1]} \odot \mathrm{T}'(Z^{[1]})"
    script = client.get(f"/api/sessions/{sid}/export.py").text
    assert "A1 = np.tanh(Z1) + 0.0  # changed tanh" in script
    html = client.post(f"/ui/{sid}/view", data={"neuron": "1,0"}).text
    assert r"a^{[1]}_{1} = \mathrm{TANH}(" in html.replace("&#34;", '"')
