"""#stage in parts, so that an answer carries only what changed.

Each part is a block of templates/_stage.html whose root element has an id and `data-pv`, the
version of its markup (a hash). The page names the versions it shows in the X-Parts header;
the answer is the parts whose version differs, each an htmx out-of-band swap, and the page
keeps its own copy of the rest (the controls, the timeline and the panels' heads while
stepping; all but the status, the drawing and the update while Play runs). The share box and
the graph panel have no version: every answer empties them, as replacing #stage did.
"""

from __future__ import annotations

import hashlib
import json

from jinja2 import Template
from markupsafe import Markup

PARTS = ("statusbar", "controls", "timeline", "messages", "network_head", "drawing", "legends",
         "network_notes", "equation", "neuron", "quiz")
ALWAYS = ("share",)
OOB = Markup(' hx-swap-oob="true"')
MAX_HELD = 32  # versions a page may name in X-Parts
UNVERSIONED = 'data-pv=""'


def _markup(template: Template, context: dict) -> dict[str, str]:
    """Each part rendered as an out-of-band swap, with an empty data-pv."""
    ctx = template.new_context({**context, "pv": None, "oob": OOB})
    return {name: "".join(template.blocks[name](ctx)) for name in PARTS + ALWAYS}


def _version(markup: str) -> str:
    return hashlib.blake2b(markup.encode(), digest_size=6).hexdigest()


def part_versions(template: Template, context: dict) -> dict[str, str]:
    """{part: version} of the parts as this context renders them (for a whole page)."""
    return {name: _version(m) for name, m in _markup(template, context).items()
            if name in PARTS}


def changed_parts(template: Template, context: dict, held: str) -> str:
    """The parts whose version is not among `held` (the X-Parts header, comma separated),
    each an out-of-band swap carrying its new version."""
    have = frozenset(held.split(",", MAX_HELD)[:MAX_HELD])
    out = []
    for name, markup in _markup(template, context).items():
        if name in ALWAYS:
            out.append(markup)
            continue
        version = _version(markup)
        if version not in have:
            out.append(markup.replace(UNVERSIONED, f'data-pv="{version}"', 1))
    return "".join(out)


def stage_state(context: dict) -> str:
    """#stage's own data attributes (which step, for the page script and screen readers), as
    ASCII JSON for the X-Stage-State header of an answer in parts."""
    step = context.get("step")
    return json.dumps({"sid": context["sid"], "phase": context["phase"],
                       "cursor": str(context["step_number"]),
                       "iteration": str(context["iteration"]),
                       "step": step["id"] if step else "", "announce": context["announcement"]},
                      ensure_ascii=True)
