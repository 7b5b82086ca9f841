"""Each activation is described once (app/engine/activations.py), with two backward forms: the
plain derivative g'(z) the worked neuron prints, and the fused in-place kernel training runs.
They must give the same dZ = dA ⊙ g'(Z), and g' must be the derivative of g."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import ACTIVATIONS

ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.derivative is not None]


def _inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 3.0, (5, 40))
    z[np.abs(z) < 1e-3] = 0.5  # away from the kinks of relu and leaky relu
    return z, rng.normal(0.0, 1.0, z.shape)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_fused_kernel_equals_da_times_the_plain_derivative(name):
    act = ACTIVATIONS[name]
    z, da = _inputs()
    a = act.forward(z)
    plain = da * act.derivative(z, a)
    np.testing.assert_allclose(act.backward(da.copy(), z, a), plain, rtol=1e-15, atol=0)
    if act.fused_backward is not None:
        np.testing.assert_allclose(act.fused_backward(da.copy(), z, a), plain, rtol=1e-15,
                                   atol=0)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_derivative_is_the_slope_of_g(name):
    act = ACTIVATIONS[name]
    z, _ = _inputs(1)
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act.forward(z)), numeric, rtol=1e-6,
                               atol=1e-9)


def test_softmax_backward_is_its_jacobian_product():
    act = ACTIVATIONS["softmax"]
    z, da = _inputs(2)
    a = act.forward(z)
    for col in range(z.shape[1]):
        s = a[:, col]
        jacobian = np.diag(s) - np.outer(s, s)  # ∂a_i/∂z_j = a_i(δ_ij − a_j)
        np.testing.assert_allclose(act.backward(da, z, a)[:, col], jacobian.T @ da[:, col],
                                   rtol=1e-12, atol=1e-15)
