"""The computation graph of one example's loss, scalar by scalar (app/engine/graph.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...engine.graph import example_graph
from ...messages import Refusal
from ...schemas import RefusalOut
from ..deps import CheckoutDep
from ..json import FastJSONResponse

router = APIRouter(tags=["tools"])


@router.get("/api/sessions/{session_id}/graph", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    409: {"model": RefusalOut, "description": "This iteration's forward pass is not done yet"},
    422: {"model": RefusalOut, "description": "`example` is not an example of the current batch"}})
def graph(session_id: str, checkout: CheckoutDep,
          example: Annotated[int, Query(ge=0, description="0-based column of the batch")] = 0,
          ) -> Response:
    """The scalar graph of example `example`'s own loss L(i) (no 1/m, no weight decay) for the
    current iteration's parameters: every input, target, parameter entry, product w·a, sum z,
    activation a and the loss as a node `{id, op, label, value, grad, inputs}`, where `grad` is
    ∂L(i)/∂node; parameter nodes also carry `param` ("W1", "b1", …) and a 0-based `index` in
    the column notation. Available once the current iteration's forward pass is done."""
    with checkout(session_id) as session:
        spec, params, x, y = _inputs(session.stepper, example)
    g = example_graph(spec, params, x, y)  # outside the session: it holds no lock meanwhile
    return FastJSONResponse({"example": example, "loss": g.nodes["L"].as_dict()["value"],
                             "nodes": [node.as_dict() for node in g.nodes.values()]})


def _inputs(stepper, example: int) -> tuple:
    """(spec, W and b of every layer, x and y of the example): copies, so that the graph is
    built after the session is released. Refusals: no forward pass yet (409), no such example
    (422)."""
    v, depth = stepper.values, stepper.spec.depth
    if f"A{depth}" not in v:
        raise Refusal("graph_needs_forward", status=409)
    m = v["A0"].shape[1]
    if example >= m:
        raise Refusal("example_out_of_range", field="example", m=m, last=m - 1, got=example)
    params = {k: v[k].copy() for l in range(1, depth + 1) for k in (f"W{l}", f"b{l}")}
    return stepper.spec, params, v["A0"][:, example].copy(), v["Y"][:, example].copy()
