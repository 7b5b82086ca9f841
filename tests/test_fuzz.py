"""Schemathesis fuzzes every JSON operation of the OpenAPI schema in process (ASGI): generated
valid and invalid inputs never cause a 5xx, and every response conforms to the schema (status
code, content type, body). Bounded: 25 examples per operation, derandomized (the same cases on
every run), a 5 s deadline per example; ~10–20 s in all.

Most cases address a real session (or snapshot), created per case, so moves are exercised and not
only 404s; the rest keep the generated id."""

from __future__ import annotations

import re
import tempfile
import zlib

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from app.main import create_app
from app.schemas import SessionConfig
from app.settings import Settings

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]


# Built at import: schemathesis parametrizes by the schema's operations at collection time.
_DATA = tempfile.TemporaryDirectory(prefix="backprop-fuzz-")
# Small per-request limits keep `train` cheap; the rate limit is off (one client, fast).
APP = create_app(Settings(data_dir=_DATA.name, rate_limit=0, max_train_iterations=50,
                          request_time_budget=0.5, store="sqlite"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzzed_app():
    yield APP
    APP.state.store.close()
    _DATA.cleanup()


def _use_real(value: object) -> bool:
    return zlib.crc32(str(value).encode()) % 4 != 0  # 3 cases in 4


@schema.parametrize()
@settings(max_examples=25, deadline=5000, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_conforms_and_never_fails(case, fuzzed_app):
    store = fuzzed_app.state.store
    params = case.path_parameters or {}
    if "session_id" in params and _use_real(params["session_id"]):
        session = store.create(SessionConfig(dataset="circles", layers=[2, 3, 1], samples=30))
        with store.checkout(session.id) as held:
            held.stepper.train(3)
            held.stepper.next()
        params["session_id"] = session.id
    if "snapshot_id" in params and _use_real(params["snapshot_id"]):
        session = store.create(SessionConfig())
        with store.checkout(session.id) as held:
            params["snapshot_id"] = store.share(held)
    case.call_and_validate(checks=CHECKS)


# -- the page's own routes (not in the OpenAPI schema): a seeded random walk ---------------------
UI_VALUES = ["", "-1", "0", "1", "2", "3", "1e309", "nan", "inf", "99999999999999999999999",
             "abc", "1.5", "１", "2,3", "1,0", "0,1", "3,15", "2,0", "linear", "log", "rows"]
UI_FIELDS = {"view": ["example_number", "scale", "notation", "neuron"], "seek": ["index"],
             "train": ["iterations"], "goto": ["iteration"], "lr": ["learning_rate"]}
UI_MOVES = ["next", "prev", "forward", "backward", "update", "iterate", "reset"]
UI_SETUPS = ["/?preset=xor", "/?preset=softmax", "/?preset=deep", "/?preset=sine",
             "/?layers=1,16,16,1&activations=relu,relu,linear&loss=squared_error&dataset=sine"
             "&learning_rate=50&init=he",  # blows up within a few dozen iterations
             "/?layers=2,4,1&dataset=moons&batch_size=7&test_ratio=0.3"]


@pytest.mark.parametrize("setup", UI_SETUPS)
def test_random_clicks_and_odd_form_values_never_break_the_page(app, setup):
    """Moves, view changes (a neuron picked in any layer, any example), seeks, history jumps,
    α changes and training runs in a seeded random order, with odd values in every field: every
    answer is a page or a refusal that names the field, never a 5xx, and the state stays
    finite."""
    import random

    from fastapi.testclient import TestClient

    rng = random.Random(setup)
    with TestClient(app, raise_server_exceptions=False) as client:
        lang = rng.choice(["en", "zh"])
        client.get(setup + "&lang=" + lang)
        sid = client.cookies.get("bs_session")
        for _ in range(300):
            if rng.random() < 0.5:
                what = rng.choice(UI_MOVES)
                response = client.post(f"/ui/{sid}/{what}")
            else:
                route = rng.choice(list(UI_FIELDS))
                name, value = rng.choice(UI_FIELDS[route]), rng.choice(UI_VALUES)
                what = (route, name, value)
                response = client.post(f"/ui/{sid}/{route}", data={name: value})
                if response.status_code == 422:  # said in the page's language
                    body = response.json()
                    assert body["error"] == "validation" and body["field"] == name, what
                    assert name in body["message"], what
                    assert (re.search(r"[\u4e00-\u9fff]", body["message"]) is not None) == (
                        lang == "zh"), (what, body["message"])
            assert response.status_code < 500, (what, response.text[-2000:])
        stepper = app.state.store.get(sid).stepper
        assert all(np.isfinite(p).all() for p in stepper.current_params().values())
