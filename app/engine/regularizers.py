"""Penalties on the weights (never the biases), each described once: its value, its gradient,
its formulas and its line of the exported script. J gains λ·penalty(W); dW gains λ·gradient(W).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Regularizer:
    name: str
    penalty: Callable[[Array], float]  # of one W; J adds λ·Σ_l penalty(W[l])
    gradient: Callable[[Array], Array]  # ∂penalty/∂W, the shape of W
    latex_penalty: str  # the term J gains
    latex_gradient: str  # the term dW[l] gains; @W stands for W^{[l]}
    code_penalty: str  # Python for the penalty of one W named {w}
    code_gradient: str  # Python for the term dW gains, for W named {w}
    note: str  # the script's comment


REGULARIZERS: dict[str, Regularizer] = {
    "l2": Regularizer(
        "l2",
        lambda w: 0.5 * float(np.sum(w * w)),
        lambda w: w,
        r"\frac{\lambda}{2}\sum_{l}\lVert W^{[l]}\rVert_F^2",
        r"\lambda @W",
        "0.5 * np.sum({w} * {w})",
        "lam * {w}",
        "weight decay (lambda/2) sum ||W||^2, gradient lambda W",
    ),
    "l1": Regularizer(
        "l1",
        lambda w: float(np.sum(np.abs(w))),
        np.sign,  # the subgradient 0 at w = 0, where |w| has its kink
        r"\lambda\sum_{l}\sum_{j,k}\lvert W^{[l]}_{jk}\rvert",
        r"\lambda\,\mathrm{sign}(@W)",
        "np.sum(np.abs({w}))",
        "lam * np.sign({w})",
        "L1 penalty lambda sum |W|, gradient lambda sign(W)",
    ),
}
