"""The presets faithful to the notes, trained to what their blurbs promise, and
POST /api/sessions {"preset": name} with other fields overriding the preset's."""

from __future__ import annotations

import numpy as np
import pytest

from app.presets import PRESETS
from app.sessions import build_stepper
from app.views.per_example import batch_difference

API = "/api/sessions"


def stepper(name: str):
    return build_stepper(PRESETS[name].session_config())[0]


def test_note004_network_as_written_has_its_da_step_and_its_plateau():
    s = stepper("note004")
    assert s.spec.layers == (5, 2, 4, 3, 3, 1) and set(s.spec.activations) == {"sigmoid"}
    plan = [step.id for step in s.plan]
    assert plan[plan.index("J") + 1:plan.index("J") + 3] == ["dA5", "dZ5"]  # output − labels
    s.train(3000)
    assert 0.09 < s.losses[999] < 0.1  # "sits on a plateau near 0.094" after 1000
    assert s.losses[2999] < 0.001  # "below 0.001 by iteration 3000"
    blurb = PRESETS["note004"].blurb["en"]
    assert "plateau near 0.094" in blurb and "3000 it is below 0.001" in blurb


def test_ufldl_two_output_network_learns_two_independent_labels():
    preset = PRESETS["ufldl_two_output"]
    c = preset.config
    assert c["layers"][0] == 3 and c["layers"][-1] == 2 and len(c["layers"]) == 4
    assert (c["init"], c["init_scale"]) == ("normal", 0.01) and c["weight_decay"] > 0
    s = stepper("ufldl_two_output")
    Y = s.values["Y"]
    assert set(Y.sum(axis=0)) >= {0.0, 2.0}  # neither or both: multi-label, not one-hot
    s.train(2000)
    assert s.losses[499] > 0.2  # "stays near 0.24 for about 500 iterations"
    assert s.losses[1999] < 0.02
    s.forward()
    assert ((s.values["A3"] > 0.5) == (Y > 0.5)).all()  # both outputs of every example
    assert "below 0.02 by iteration 2000" in preset.blurb["en"]


def test_ufldl_per_example_preset_matches_batch_mode():
    s = stepper("ufldl_per_example")
    plan = [step.id for step in s.plan]
    assert plan[0] == "x@0" and "x@1" in plan and "x@2" not in plan  # 3 and 4 in the rest
    assert plan[plan.index("Z1"):] == ["Z1", "A1", "Z2", "A2", "Lsum", "dA2", "dZ2", "SW2", "dA1",
                                       "dZ1", "SW1", "J", "average", "update"]
    s.forward(), s.backward(), s.forward(), s.backward(), s.forward(), s.backward()
    assert s.plan[s.c - 1].id == "average"
    assert batch_difference(s.values, 2, s.spec.weight_decay) <= 1e-12
    assert "equal to 1e−12" in PRESETS["ufldl_per_example"].blurb["en"]


def test_a_session_from_a_preset_with_fields_overriding_it(client):
    response = client.post(API, json={"preset": "ufldl", "learning_rate": 0.25,
                                      "gradient_mode": "per_example"})
    assert response.status_code == 201, response.text
    state = response.json()
    expected = PRESETS["ufldl"].session_config().model_dump(
        exclude={"data", "parameters", "history"})
    assert state["config"] == expected | {"learning_rate": 0.25, "gradient_mode": "per_example"}
    assert state["plan"][0] == "x@0"
    same = client.post(API, json={"preset": "ufldl"}).json()
    assert same["config"] == expected
    np.testing.assert_array_equal(same["layers"][0]["W"], state["layers"][0]["W"])


@pytest.mark.parametrize("body,field", [
    ({"preset": "nonesuch"}, "preset"),
    ({"preset": "ufldl", "layers": [3, 99, 1]}, None),
])
def test_preset_refusals(client, body, field):
    response = client.post(API, json=body)
    assert response.status_code == 422
    if field == "preset":
        assert response.json()["error"] == "config.unknown_preset"
        assert response.json()["field"] == "preset"
        assert "'nonesuch'" in response.json()["message"] and "ufldl" in response.json()["message"]
    else:
        assert "layers[1]" in response.json()["message"]
