"""The shape of the code itself: every module of app/ imports, no import cycles, routers that
borrow nothing private from each other, route handlers kept short, views that the state and the
stores do not import."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
ROUTES = APP / "api" / "routes"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(APP.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The modules of app/ that module `name` imports, anywhere in its source (a function's
    late import counts: it is a cycle all the same, only later). `from pkg import sub` is an
    import of the submodule pkg.sub; of a name defined in pkg, of pkg itself."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports(name) for name in MODULES}


def cycle_from(start: str, graph: dict[str, set[str]] = GRAPH) -> list[str] | None:
    """An import path from `start` back to itself, if there is one (depth-first)."""
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for nxt in sorted(graph[name]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_walk_finds_what_it_should():
    """The graph is right where it is known: a real import, a submodule imported by
    `from . import`, a late import inside a function."""
    assert "app.engine.steps" in GRAPH["app.engine.stepper"]
    assert "app.engine.evaluate" in GRAPH["app.engine.stepper"]  # from . import evaluate
    assert "app.engine" not in GRAPH["app.engine.stepper"]
    assert "app.store.redis" in GRAPH["app.store"]  # imported inside make_store
    assert len(MODULES) > 50
    # and the walk finds a cycle where there is one (a → b → c → a), only there
    toy = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": set()}
    assert cycle_from("a", toy) == ["a", "b", "c", "a"] and cycle_from("d", toy) is None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_import_cycles():
    cycles = [" → ".join(path) for name in sorted(GRAPH) if (path := cycle_from(name))]
    assert cycles == []


def test_the_state_and_the_stores_do_not_import_the_views():
    """Sessions are state (view settings included); the views read them, never the reverse."""
    for name, deps in GRAPH.items():
        if name == "app.sessions" or name.startswith("app.store") or name.startswith(
                "app.engine"):
            assert not {d for d in deps if d.startswith("app.views")}, name


def test_no_router_imports_another_routers_private_names():
    for path in sorted(ROUTES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] in (
                    "pages", "sessions", "tools", "share", "quiz", "graph", "history",
                    "presets") and node.level == 1:
                pytest.fail(f"{path.name} imports router {node.module}")
            if isinstance(node, ast.ImportFrom) and "routes" in (node.module or ""):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (path.name, node.module, private)


HANDLER_LINES = 15  # statements of a route handler, its docstring aside


def route_handlers():
    for path in sorted(ROUTES.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "attr", "") in (
                        "get", "post", "put", "delete") for d in node.decorator_list):
                yield path.name, node


def test_route_handlers_are_short():
    handlers = list(route_handlers())
    assert len(handlers) > 30
    long = []
    for file, node in handlers:
        body = node.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        lines = body[-1].end_lineno - body[0].lineno + 1
        if lines > HANDLER_LINES:
            long.append(f"{file}:{node.name} ({lines} lines)")
    assert long == []
