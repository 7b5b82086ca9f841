"""Built-in datasets: shapes for every valid network, determinism, targets, errors."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import DATASETS, DatasetError, make_dataset
from app.engine.datasets import DEFAULT_SAMPLES

# (dataset, n_in, n_out) that must build; classes is what the targets encode (0: regression).
VALID = [
    ("xor", 2, 1, 2), ("xor", 2, 2, 2),
    ("and", 2, 1, 2), ("and", 2, 2, 2),
    ("circles", 2, 1, 2), ("circles", 2, 2, 2),
    ("moons", 2, 1, 2), ("moons", 2, 2, 2),
    ("spiral", 2, 1, 2), ("spiral", 2, 2, 2), ("spiral", 2, 3, 3), ("spiral", 2, 5, 5),
    ("gaussians", 2, 1, 2), ("gaussians", 2, 3, 3), ("gaussians", 2, 4, 4),
    ("sine", 1, 1, 0),
    ("random", 1, 1, 2), ("random", 3, 1, 2), ("random", 5, 3, 3), ("random", 64, 16, 16),
    ("multilabel", 3, 2, 0),
]


def test_every_dataset_is_covered():
    assert {name for name, *_ in VALID} == set(DATASETS)


@pytest.mark.parametrize("name,n_in,n_out,classes", VALID)
def test_shapes_and_targets(name, n_in, n_out, classes):
    data = make_dataset(name, n_in, n_out, seed=1)
    m = DEFAULT_SAMPLES.get(name, 4)
    assert data.name == name
    assert data.X.shape == (n_in, m) and data.Y.shape == (n_out, m)
    assert data.X.dtype == data.Y.dtype == np.float64
    assert np.isfinite(data.X).all() and np.isfinite(data.Y).all()
    assert data.classes == classes
    if classes == 0:
        assert data.labels is None
        return
    assert data.labels.shape == (m,)
    assert set(np.unique(data.labels)) <= set(range(classes))
    if n_out == 1:  # binary: the label itself
        assert set(np.unique(data.Y)) <= {0.0, 1.0}
        assert np.array_equal(data.Y[0], data.labels)
    else:  # one-hot columns
        assert set(np.unique(data.Y)) <= {0.0, 1.0}
        assert np.array_equal(data.Y.sum(axis=0), np.ones(m))
        assert np.array_equal(data.Y.argmax(axis=0), data.labels)
    if name not in ("random", "and"):  # generated sets are balanced (AND is 3:1 by definition)
        counts = np.bincount(data.labels, minlength=classes)
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name,n_in,n_out,classes", VALID)
def test_samples_and_determinism(name, n_in, n_out, classes):
    a = make_dataset(name, n_in, n_out, seed=7, samples=30, noise=0.1)
    b = make_dataset(name, n_in, n_out, seed=7, samples=30, noise=0.1)
    c = make_dataset(name, n_in, n_out, seed=8, samples=30, noise=0.1)
    assert a.X.shape == (n_in, 30) and a.Y.shape == (n_out, 30)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


def test_truth_tables_are_exact_without_noise():
    xor = make_dataset("xor", 2, 1, seed=0)
    assert xor.X.tolist() == [[0, 0, 1, 1], [0, 1, 0, 1]]
    assert xor.Y.tolist() == [[0, 1, 1, 0]]
    assert make_dataset("and", 2, 1, seed=0).Y.tolist() == [[0, 0, 0, 1]]
    assert make_dataset("xor", 2, 2, seed=0).Y.tolist() == [[1, 0, 0, 1], [0, 1, 1, 0]]
    # The corners do not depend on the seed; with samples they repeat in order.
    assert np.array_equal(make_dataset("xor", 2, 1, seed=9).X, xor.X)
    eight = make_dataset("xor", 2, 1, seed=0, samples=8)
    assert np.array_equal(eight.X, np.tile(xor.X, 2)) and np.array_equal(eight.Y, np.tile(xor.Y, 2))


def test_sine_is_sin_of_x_without_noise():
    data = make_dataset("sine", 1, 1, seed=2)
    assert np.all(np.diff(data.X[0]) >= 0) and np.abs(data.X).max() <= 3
    np.testing.assert_allclose(data.Y, np.sin(data.X), rtol=0, atol=0)


def test_circles_radii():
    data = make_dataset("circles", 2, 1, seed=0, samples=50)
    radius = np.linalg.norm(data.X, axis=0)
    np.testing.assert_allclose(radius, np.where(data.labels == 1, 0.5, 1.0))


@pytest.mark.parametrize("name,n_in,n_out,field,message", [
    ("nope", 2, 1, "dataset", "unknown dataset 'nope'"),
    ("xor", 3, 1, "layers", "layers[0] must be 2"),
    ("xor", 2, 3, "layers", "1 unit (binary) or 2 units (one-hot)"),
    ("circles", 1, 1, "layers", "layers[0] must be 2"),
    ("moons", 2, 4, "layers", "1 unit (binary) or 2 units (one-hot)"),
    ("sine", 2, 1, "layers", "layers[0] must be 1"),
    ("sine", 1, 2, "layers", "output layer must have 1 unit"),
    ("spiral", 3, 3, "layers", "layers[0] must be 2"),
    ("gaussians", 1, 2, "layers", "layers[0] must be 2"),
])
def test_dataset_errors_name_the_field(name, n_in, n_out, field, message):
    with pytest.raises(DatasetError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")) as caught:
        make_dataset(name, n_in, n_out, seed=0)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_multilabel_targets_are_independent_zeros_and_ones_not_one_hot():
    data = make_dataset("multilabel", 3, 2, seed=3, samples=40)
    x, y = data.X, data.Y
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(y[0], (x[0] + x[1] > 0).astype(float))
    np.testing.assert_array_equal(y[1], (x[2] - x[0] > 0).astype(float))
    sums = set(y.sum(axis=0).tolist())
    assert sums == {0.0, 1.0, 2.0}  # neither, one or both: not one-hot classes
    with pytest.raises(DatasetError, match="2 units"):
        make_dataset("multilabel", 3, 1, seed=3)
