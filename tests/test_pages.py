"""The step page and its htmx fragments, through real HTTP, checked by CSS selector."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import soup

from app.presets import PRESETS


@pytest.fixture
def visited(client):
    """The page a new visitor gets, and its session id."""
    response = client.get("/?lang=en")
    sid = client.cookies.get("bs_session")
    return soup(response), sid


def stepper_of(app, sid):
    return app.state.store.get(sid).stepper


def step_to(client, sid, step_id: str):
    for _ in range(60):
        html = soup(client.post(f"/ui/{sid}/next"))
        if html.select_one("#stage")["data-step"] == step_id:
            return html
    raise AssertionError(f"never reached {step_id}")


def test_page_opens_on_a_ready_network(visited):
    html, sid = visited
    assert sid and len(sid) >= 22  # 128 random bits, URL-safe
    svg = html.select_one("svg.network")
    # XOR 2-2-1: one element per neuron and one +1 bias unit per non-output layer.
    assert len(svg.select("g.neuron")) == 2 + 2 + 1
    assert len(svg.select("g.bias-unit")) == 2
    assert len(svg.select("line.edge")) == 2 * 2 + 2 + 2 * 1 + 1
    assert html.select_one("#btn-next") and html.select_one("#btn-prev").has_attr("disabled")
    assert html.select_one("#stage")["data-cursor"] == "0"
    assert len(html.select(".timeline li")) == 13
    # Fingerprinted names (app/static_files.py): /static/vendor/htmx/htmx.min.<hash>.js
    assert html.select_one("link[href^='/static/vendor/katex/katex.min.'][href$='.css']")
    assert html.select_one("script[src^='/static/vendor/htmx/htmx.min.'][src$='.js']")
    assert not html.select("script:not([src])"), "no inline script"


def test_every_neuron_and_edge_carries_its_exact_value(client, app, visited):
    html, sid = visited
    html = step_to(client, sid, "dZ1")
    s = stepper_of(app, sid)
    nodes, edges = html.select("g.neuron"), html.select("line.edge:not(.bias)")
    assert len(nodes) == 2 + 2 + 1 and len(edges) == 2 * 2 + 2 * 1  # XOR 2-2-1, all drawn
    for node in nodes:
        layer, index = int(node["data-layer"]), int(node["data-index"])
        if layer == 0:
            assert float(node["data-value"]) == s.values["A0"][index, 0]
            continue
        assert float(node["data-value"]) == s.values[f"A{layer}"][index, 0]
        assert float(node["data-delta"]) == s.values[f"dZ{layer}"][index, 0]
        assert node.select_one("title").text  # hover text
    for edge in edges:
        layer, row, col = (int(edge[k]) for k in ("data-layer", "data-row", "data-col"))
        assert float(edge["data-value"]) == s.params[f"W{layer}"][row, col]
        if layer == 2:
            assert float(edge["data-grad"]) == s.values["dW2"][row, col]


def test_selected_example_changes_the_neurons_not_the_gradients(client, app, visited):
    html, sid = visited
    step_to(client, sid, "dZ1")
    html = soup(client.post(f"/ui/{sid}/view", data={"example_number": "3"}))
    s = stepper_of(app, sid)
    hidden = html.select("g.neuron[data-layer='1']")
    assert len(hidden) == 2
    for node in hidden:
        assert float(node["data-delta"]) == s.values["dZ1"][int(node["data-index"]), 2]
    assert html.select_one("#example-input")["value"] == "3"
    assert html.select_one("#example-x").text == "x = (1, 0) → y = (1)"
    assert "m = 4" in html.select_one(".batch-note").text
    assert "average" in html.select_one(".batch-note").text


def test_shape_labels_and_notation_switch(client, visited):
    html, sid = visited
    labels = [" ".join(t.text for t in g.select("text")) for g in html.select("g.layer-label")]
    assert "X  2×m" in labels[0]
    assert "W[1] 2×2 · b[1] 2×1" in labels[1] and "W[2] 1×2 · b[2] 1×1" in labels[2]
    html = step_to(client, sid, "dW2")
    formula = html.select_one(".formula")["data-tex"]
    assert r"\underbrace{dZ^{[2]}}_{1\times 4}" in formula
    assert r"\underbrace{A^{[1]\top}}_{4\times 2}" in formula
    html = soup(client.post(f"/ui/{sid}/view", data={"notation": "rows"}))
    formula = html.select_one(".formula")["data-tex"]
    # Row notation: dW = (1/m)·A[1]ᵀ·dZ[2] with every matrix transposed.
    assert r"\underbrace{A^{[1]\top}}_{2\times 4}\,\underbrace{dZ^{[2]}}_{4\times 1}" in formula
    labels = [" ".join(t.text for t in g.select("text")) for g in html.select("g.layer-label")]
    assert "X  m×2" in labels[0] and "W[1] 2×2 · b[1] 1×2" in labels[1]
    assert html.select_one(".outputs .matrix .shape").text == "2×1"  # dW[2]ᵀ in row notation


def test_equation_table_shows_the_result_with_four_digits(client, app, visited):
    html, sid = visited
    html = step_to(client, sid, "Z1")
    s = stepper_of(app, sid)
    cells = html.select(".outputs .matrix tbody td")
    assert len(cells) == 2 * 4
    assert [float(td["title"]) for td in cells] == list(s.values["Z1"].ravel())
    assert all(len(td.text.replace("−", "").replace(".", "").lstrip("0")) <= 4 for td in cells)
    assert html.select_one(".why p").text.startswith("Each unit of layer 1")


def test_walk_one_iteration_forward_and_back(client, app, visited):
    html, sid = visited
    s = stepper_of(app, sid)
    seen = []
    for _ in range(13):
        html = soup(client.post(f"/ui/{sid}/next"))
        seen.append(html.select_one("#stage")["data-step"])
    assert seen == [step.id for step in s.plan]
    assert html.select_one("#stage")["data-phase"] == "update"
    assert html.select_one(".timeline li.current")["data-step"] == "update"
    for expected in reversed(seen[:-1]):
        html = soup(client.post(f"/ui/{sid}/prev"))
        assert html.select_one("#stage")["data-step"] == expected
    html = soup(client.post(f"/ui/{sid}/prev"))
    assert html.select_one("#stage")["data-cursor"] == "0"


def test_phase_buttons_and_order_errors_are_shown_not_raised(client, visited):
    html, sid = visited
    html = soup(client.post(f"/ui/{sid}/forward"))
    assert html.select_one("#stage")["data-step"] == "J"
    assert html.select_one("#loss [data-value]")
    html = soup(client.post(f"/ui/{sid}/forward"))
    assert "already done" in html.select_one("#stage-error").text
    html = soup(client.post(f"/ui/{sid}/backward"))
    assert html.select_one("#stage")["data-step"] == "db1"
    assert html.select_one("#stage-notice") is None  # nothing was run on the learner's behalf
    html = soup(client.post(f"/ui/{sid}/update"))
    assert html.select_one("#stage")["data-phase"] == "update"
    html = soup(client.post(f"/ui/{sid}/seek", data={"index": "5"}))
    assert html.select_one("#stage")["data-cursor"] == "5"


def test_clicking_a_neuron_works_it_out(client, app, visited):
    html, sid = visited
    step_to(client, sid, "dZ1")
    html = soup(client.post(f"/ui/{sid}/view", data={"neuron": "1,1"}))
    lines = [div["data-tex"] for div in html.select("#neuron .neuron-line")]
    assert lines[0].startswith(r"z^{[1]}_{2} = \sum_k")
    assert lines[-1].startswith("=") and r"\cdot" in lines[-1]
    assert len(lines) == 5  # z, its terms, a = g(z), δ, its terms


def test_language_switch_to_chinese(client):
    html = soup(client.get("/?lang=zh"))
    assert html.select_one("html")["lang"] == "zh-Hans"
    assert html.select_one("#btn-forward").text.strip() == "前向传播"
    assert html.select_one("#btn-backward").text.strip() == "反向传播"
    assert "学习速率 α" in html.select_one("#setup").text
    assert "权重衰减 λ" in html.select_one("#setup").text
    sid = client.cookies.get("bs_session")
    html = soup(client.post(f"/ui/{sid}/next"))  # the fragment follows the cookie
    assert "第 1 层" in html.select_one(".why p").text


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_and_renders(client, name):
    client.get("/")
    response = client.post("/ui/new", data={"preset": name})
    assert response.headers.get("hx-redirect") == "/"
    html = soup(client.get("/"))
    layers = PRESETS[name].config["layers"]
    assert len(html.select("g.neuron")) == sum(min(n, 11) if n > 12 else n for n in layers)
    assert html.select_one("#setup summary").text.count("-".join(map(str, layers)))


def test_custom_network_errors_name_the_field(client):
    client.get("/")
    before = client.cookies.get("bs_session")
    form = {"layers": "2, 40, 1", "activations": "tanh, sigmoid", "loss": "squared_error",
            "init": "xavier", "dataset": "xor", "learning_rate": "0.5"}
    response = client.post("/ui/new", data=form)
    assert "layers[1]" in response.text and "32" in response.text
    assert client.cookies.get("bs_session") == before  # the learner's network is untouched
    response = client.post("/ui/new", data={**form, "layers": "2,3,1", "learning_rate": "-1"})
    assert "learning_rate" in response.text and "greater than 0" in response.text
    response = client.post("/ui/new", data={**form, "layers": "2,3,1", "activations": "tanh"})
    assert "activations" in response.text
    response = client.post("/ui/new", data={**form, "layers": "2,3,1"})
    assert response.headers.get("hx-redirect") == "/"
    assert client.cookies.get("bs_session") != before


PAGE_SESSION_ROUTES = [  # (method, path after /ui/{sid}, form)
    ("POST", f"/{name}", None) for name in
    ("next", "prev", "forward", "backward", "update", "iterate", "reset")] + [
    ("POST", "/view", {"scale": "log"}), ("GET", "/graph", None),
    ("POST", "/seek", {"index": 0}), ("POST", "/train", {"iterations": 1}),
    ("POST", "/goto", {"iteration": 0}), ("POST", "/lr", {"learning_rate": "0.1"}),
    ("POST", "/lr", {"learning_rate": "-1"}), ("POST", "/reseed", None),
    ("POST", "/weights", None), ("POST", "/gradcheck", None), ("POST", "/share", None)]


@pytest.mark.parametrize("sid", ["not-a-session", "A" * 22])
def test_unknown_session_asks_the_page_to_reload(client, sid):
    """Every fragment route of the page, for an id that is malformed or not (any longer)
    kept: 404 and HX-Refresh, so that htmx reloads the page onto a fresh network; a POST's
    body is the one refusal shape, said in the page's language."""
    client.cookies.set("bs_lang", "zh")
    for method, tail, form in PAGE_SESSION_ROUTES:
        response = client.request(method, f"/ui/{sid}{tail}", data=form)
        assert response.status_code == 404, (tail, response.text[:300])
        assert response.headers["hx-refresh"] == "true", tail
        if method == "POST":
            assert response.json() == {"error": "session_not_found",
                                       "message": f"找不到会话 {sid!r}:它可能已过期"}, tail


def test_divergence_is_reported_and_the_state_stays_finite(client, app):
    client.get("/")
    form = {"layers": "1, 8, 1", "activations": "relu, linear", "loss": "squared_error",
            "init": "he", "dataset": "sine", "learning_rate": "90", "seed": "1"}
    client.post("/ui/new", data=form)
    sid = client.cookies.get("bs_session")
    error = None
    for _ in range(40):
        html = soup(client.post(f"/ui/{sid}/iterate"))
        if html.select_one("#stage-error"):
            error = html.select_one("#stage-error").text
            break
    assert error and "try a smaller learning rate" in error
    assert "NaN" not in html.select_one("svg.network").text
    s = stepper_of(app, sid)
    import numpy as np
    assert all(np.isfinite(v).all() for v in s.values.values())


def test_selected_neuron_is_marked(client, visited):
    html, sid = visited
    html = soup(client.post(f"/ui/{sid}/view", data={"neuron": "1,1"}))
    assert [(g["data-layer"], g["data-index"]) for g in html.select("g.neuron.selected")] == [
        ("1", "1")]


def test_plain_urls_build_presets_and_settings(client):
    client.get("/")
    first = client.cookies.get("bs_session")
    response = client.get("/?preset=ufldl", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    html = soup(client.get("/"))
    assert client.cookies.get("bs_session") != first
    assert len(html.select("g.neuron")) == 3 + 3 + 1
    url = ("/?layers=2,5,1&activations=relu,sigmoid&dataset=moons&samples=40&seed=9"
           "&learning_rate=0.2&test_ratio=0.25")
    client.get(url)
    html = soup(client.get("/"))
    assert len(html.select("g.neuron")) == 2 + 5 + 1
    link = html.select_one("#config-link")["href"]
    for part in ("layers=2,5,1", "activations=relu,sigmoid", "dataset=moons", "samples=40",
                 "seed=9", "learning_rate=0.2", "test_ratio=0.25"):
        assert part in link
    # The link rebuilds the very same network: same first loss.
    stepper_a = client.app.state.store.get(client.cookies.get("bs_session")).stepper
    client.get(link)
    stepper_b = client.app.state.store.get(client.cookies.get("bs_session")).stepper
    assert stepper_a is not stepper_b
    assert np.array_equal(stepper_a.X, stepper_b.X)
    assert np.array_equal(stepper_a.params["W1"], stepper_b.params["W1"])


def test_a_bad_url_keeps_the_network_and_says_why(client):
    client.get("/")
    before = client.cookies.get("bs_session")
    html = soup(client.get("/?layers=2,99,1&activations=tanh,sigmoid"))
    assert "layers[1]" in html.select_one("#setup-error").text
    assert html.select_one("#setup").has_attr("open")
    assert client.cookies.get("bs_session") == before
    html = soup(client.get("/?preset=nope"))
    assert "unknown preset" in html.select_one("#setup-error").text


def test_training_panel_is_sent_only_when_the_page_copy_is_stale(client, visited):
    html, sid = visited
    version = html.select_one("#training")["data-version"]
    assert html.select_one("#training")["hx-swap-oob"] == "true"
    headers = {"X-Training-Version": version}
    html = soup(client.post(f"/ui/{sid}/next", headers=headers))
    assert html.select_one("#training") is None  # unchanged while stepping inside an iteration
    assert html.select_one("#stage")["data-step"] == "Z1"
    html = soup(client.post(f"/ui/{sid}/next"))  # a page that says nothing gets it
    assert html.select_one("#training")["data-version"] == version
    html = soup(client.post(f"/ui/{sid}/iterate", headers=headers))
    panel = html.select_one("#training")  # the update changed the parameters and the history
    assert panel is not None and panel["data-version"] != version
    assert panel["data-completed"] == "1"


def test_share_button_makes_a_link_that_opens_a_copy(client):
    html = soup(client.get("/?lang=en"))
    sid = client.cookies.get("bs_session")
    assert html.select_one("#btn-share")["hx-post"] == f"/ui/{sid}/share"
    client.post(f"/ui/{sid}/forward")
    box = soup(client.post(f"/ui/{sid}/share"))
    url = box.select_one("#share-url")["value"]
    assert "/s/" in url and sid not in url
    assert box.select_one("[data-copy='#share-url']").text.strip() == "Copy"
    assert "built-in" not in box.text
    response = client.get(url.split("testserver", 1)[1], follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    copy = client.cookies.get("bs_session")
    assert copy != sid
    html = soup(client.get("/"))
    assert html.select_one("#stage")["data-step"] == "J"  # the same place in the iteration
    cookie = response.headers["set-cookie"]
    assert "Max-Age=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace(
        "SameSite=Lax", "SameSite=lax")


def test_a_tab_can_take_its_own_network_back(client):
    client.get("/")
    first = client.cookies.get("bs_session")
    client.post("/ui/new", data={"preset": "deep"})  # another tab built another network
    assert client.cookies.get("bs_session") != first
    response = client.post("/ui/adopt", data={"sid": first})
    assert response.status_code == 200 and response.headers["hx-refresh"] == "true"
    assert client.cookies.get("bs_session") == first
    html = soup(client.get("/"))
    assert html.select_one("#stage")["data-sid"] == first
    assert client.post("/ui/adopt", data={"sid": "unknown"}).status_code == 204
    assert client.cookies.get("bs_session") == first


def test_training_panel_version_is_the_same_after_an_update_and_before_the_next_step(
        client, visited):
    html, sid = visited
    html = soup(client.post(f"/ui/{sid}/iterate"))
    version = html.select_one("#training")["data-version"]  # iteration 1 complete
    html = soup(client.post(f"/ui/{sid}/next", headers={"X-Training-Version": version}))
    assert html.select_one("#stage")["data-step"] == "Z1"  # iteration 2 started…
    assert html.select_one("#training") is None  # …with nothing new to show in the panel


def test_a_step_runs_on_the_event_loop_unless_its_session_is_busy(client, app, visited,
                                                                  pool_hops):
    """Steps skip the thread pool (a ~1 ms hop here) when the session is free; a held session
    or a long replay goes to the pool, and every answer is still the right fragment."""
    import threading

    import app.api.inline as inline

    _, sid = visited
    hops = pool_hops
    assert soup(client.post(f"/ui/{sid}/next")).select_one("#stage")["data-cursor"] == "1"
    assert soup(client.post(f"/ui/{sid}/seek", data={"index": 3})).select_one(
        "#stage")["data-cursor"] == "3"
    soup(client.post(f"/ui/{sid}/view", data={"scale": "log"}))
    assert hops == []

    store = app.state.store
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.checkout(sid):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    threading.Timer(0.2, release.set).start()  # the pooled request waits for the holder
    html = soup(client.post(f"/ui/{sid}/next"))
    thread.join()
    assert len(hops) == 1 and html.select_one("#stage")["data-cursor"] == "4"

    # From an iteration's start, `prev` replays from the last checkpoint: a long replay must
    # not hold the loop, so it goes to the pool too (and lands where it should).
    client.post(f"/ui/{sid}/train", data={"iterations": 40})
    stepper = stepper_of(app, sid)
    client.post(f"/ui/{sid}/next")
    client.post(f"/ui/{sid}/prev")  # back to the start of iteration 41: one step, inline
    hops.clear()
    stepper = stepper_of(app, sid)
    assert (stepper.c, stepper.t) == (0, 40) and stepper.prev_replays() <= inline.INLINE_REPLAYS
    html = soup(client.post(f"/ui/{sid}/prev"))
    assert hops == [] and html.select_one("#stage")["data-iteration"] == "40"
    with store.checkout(sid) as session:
        session.stepper.checkpoints = {0: session.stepper.checkpoints[0]}  # as if thinned out
        session.stepper.goto(40)
        session.stepper.next()
    client.post(f"/ui/{sid}/prev")
    stepper = stepper_of(app, sid)
    assert stepper.prev_replays() == 40
    html = soup(client.post(f"/ui/{sid}/prev"))
    assert len(hops) == 1 and html.select_one("#stage")["data-iteration"] == "40"
    stepper = stepper_of(app, sid)
    assert (stepper.t, stepper.c) == (39, stepper.steps_per_iteration)


def test_edges_the_page_already_has_come_as_placeholders(client, visited):
    """X-Have names the edge groups the page shows; unchanged ones come back empty with
    hx-preserve, changed or unknown ones in full with their new version."""
    html, sid = visited
    versions = {g["id"]: g["data-v"] for g in html.select("g.edges")}
    assert set(versions) == {"edges-1", "edges-2"} and all(versions.values())
    have = {"X-Have": ",".join(versions.values())}
    kept = soup(client.post(f"/ui/{sid}/next", headers=have))
    assert len(kept.select("g.edges")) == 2
    for group in kept.select("g.edges"):
        assert group.get("hx-preserve") == "true" and not group.select("line")
    other = soup(client.post(f"/ui/{sid}/next", headers={"X-Have": "0123456789abcdef"}))
    assert {g["id"]: g["data-v"] for g in other.select("g.edges")} == versions
    assert len(other.select("g.edges line")) == 2 * 2 + 2 + 2 * 1 + 1
    step_to(client, sid, "dW2")
    after = soup(client.post(f"/ui/{sid}/prev", headers=have))  # at dZ2: W unchanged
    assert [g.get("hx-preserve") for g in after.select("g.edges")] == ["true", "true"]
    grads = soup(client.post(f"/ui/{sid}/next", headers=have))  # dW2 changes layer 2
    assert grads.select_one("#edges-2")["data-v"] != versions["edges-2"]
    drawn = grads.select("#edges-2 line:not(.bias)")
    assert len(drawn) == 2 and all(line["data-grad"] for line in drawn)
    assert grads.select_one("#edges-1").get("hx-preserve") is None  # pending: redrawn grey
    long_header = {"X-Have": ",".join(["x" * 40] * 500)}
    assert len(soup(client.post(f"/ui/{sid}/prev", headers=long_header)).select("line")) == 9


def test_only_the_moves_are_page_steps(client, app, visited):
    """/ui/{sid}/{move} matches the seven moves and nothing else: another word is a 404 that
    changes nothing, and the routes beside it (share, gradcheck) still answer."""
    _, sid = visited
    for move in ("next", "next", "prev", "forward", "backward", "update", "iterate", "reset"):
        assert client.post(f"/ui/{sid}/{move}").status_code == 200, move
    cursor = stepper_of(app, sid).c
    assert client.post(f"/ui/{sid}/nexts").status_code == 404
    assert client.post(f"/ui/{sid}/next/more").status_code == 404
    assert stepper_of(app, sid).c == cursor
    assert client.post(f"/ui/{sid}/share").status_code == 200
    assert client.post(f"/ui/{sid}/gradcheck").status_code == 200


@pytest.mark.parametrize(("asked", "shown"), [("0", "1"), ("-5", "1"), ("4", "4"), ("9999", "4"),
                                              ("99999999999999999999", "4")])
def test_an_example_out_of_range_is_taken_as_the_nearest_one(client, visited, asked, shown):
    """The example box's min and max are 1 and m; a client that sends past them gets the
    nearest example, as the box itself would give; text that is not a number is a 422."""
    _, sid = visited
    html = soup(client.post(f"/ui/{sid}/view", data={"example_number": asked}))
    assert html.select_one("#example-input")["value"] == shown


def test_an_example_that_is_not_a_number_names_the_field(client, visited):
    _, sid = visited
    response = client.post(f"/ui/{sid}/view", data={"example_number": "two"})
    assert response.status_code == 422 and "example_number" in response.json()["message"]


def test_deep_networks_get_the_whole_width_and_one_summary_line(client):
    """Four layers sit beside the equation; from five on (the drawing would not fit there on a
    laptop) the drawing takes the whole width. Summarised layers are listed in one line."""
    xor = soup(client.get("/?preset=xor&lang=en"))
    assert xor.select_one("#stage .grid")["class"] == ["grid"]
    assert not xor.select(".wide-note")
    deep = soup(client.get("/?preset=deep&lang=en"))  # 5-2-4-3-3-1
    assert deep.select_one("#stage .grid")["class"] == ["grid", "wide"]
    largest = soup(client.get("/?layers=64,32,32,32,32,32,32,16&dataset=random&samples=50"
                              "&activations=relu,relu,relu,relu,relu,relu,sigmoid"
                              "&loss=squared_error&lang=en"))
    notes = largest.select(".wide-note")
    assert len(notes) == 1
    assert [s.text for s in notes[0].select(".nowrap")] == (
        ["[0] 11/64"] + [f"[{k}] 11/32" for k in range(1, 7)] + ["[7] 11/16"])


def test_chinese_page_names_choices_series_and_formula_words_in_chinese(client):
    """In Chinese the setup's choices keep their value (what URLs and the API take) and add the
    Chinese name; the loss chart's series and the words inside formulas are Chinese too."""
    html = soup(client.get("/?lang=zh"))
    sid = client.cookies.get("bs_session")
    circles = html.select_one("select[name='dataset'] option[value='circles']")
    assert circles.text == "circles · 同心圆"
    assert html.select_one("select[name='loss'] option[value='cross_entropy']").text == (
        "cross_entropy · 交叉熵")
    assert html.select_one("#tools select[name='loss'] option").text == (
        "binary_cross_entropy · 二元交叉熵")
    english = soup(client.get("/?lang=en"))
    assert english.select_one("select[name='dataset'] option[value='circles']").text == "circles"
    client.get("/?lang=zh")
    panel = soup(client.post(f"/ui/{sid}/train", data={"iterations": "2"}))
    chart = panel.select_one("#loss-chart svg")
    assert [p["data-name"] for p in chart.select("polyline")] == ["训练集"]
    assert '"names":["训练集"]' in chart["data-hover"]
    for _ in range(12):  # to db2 of the next iteration: db = 1/m Σ over columns
        html = soup(client.post(f"/ui/{sid}/next"))
        if html.select_one("#stage")["data-step"] == "db2":
            break
    assert r"\text{列}" in html.select_one(".formula")["data-tex"]


def test_a_neuron_chosen_before_its_layer_is_computed_waits_for_it(client, visited):
    """The output neuron picked at the start of an iteration (before Z[1]) and kept while
    stepping into the next one: every step answers, and until its z is computed the panel says
    at which step it comes."""
    _, sid = visited
    html = soup(client.post(f"/ui/{sid}/view", data={"neuron": "2,0"}))
    assert "its z comes at step Z[2]" in html.select_one("#neuron").text
    for _ in range(2 * 13 + 2):  # two iterations of XOR and into the third
        html = soup(client.post(f"/ui/{sid}/next"))
        step = html.select_one("#stage")["data-step"]
        lines = html.select("#neuron .neuron-line")
        pending = "its z comes" in html.select_one("#neuron").text
        assert pending == (step in ("Z1", "A1")) and bool(lines) != pending, step
