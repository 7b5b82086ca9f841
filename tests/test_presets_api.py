"""GET /api/presets: every preset with its words in both languages and a config that builds."""

from __future__ import annotations

from app.presets import PRESETS


def test_every_preset_is_listed_and_its_config_builds_the_same_network(client):
    body = client.get("/api/presets").json()
    assert body["default"] in PRESETS
    assert [p["name"] for p in body["presets"]] == list(PRESETS)
    for preset in body["presets"]:
        assert set(preset["title"]) == set(preset["blurb"]) == {"en", "zh"}
        assert all(preset["title"].values()) and all(preset["blurb"].values())
        created = client.post("/api/sessions", json=preset["config"])
        assert created.status_code == 201, (preset["name"], created.text)
        state = created.json()
        assert [layer["units"] for layer in state["layers"]] == preset["config"]["layers"][1:]
        assert state["config"] == preset["config"]
