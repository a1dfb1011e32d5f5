"""Where code may reach: the page (ui/) and the HTTP API go through ``services`` only, and the
package's modules import each other without cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "localai"
EDGES = sorted(PACKAGE.glob("ui/*.py")) + [PACKAGE / "api.py"] + sorted(PACKAGE.glob("api_ollama*.py"))
# What lies below services: reached only through it (``services.hardware()`` is a service; ``state.hardware`` is not).
BELOW_SERVICES = {"registry", "worker", "lanes", "downloader", "download_worker", "history"}
BELOW_STATE = {"hardware"}
BELOW_MODULES = {"registry", "history", "doctor", "downloads.Downloader", "jobs.Lanes", "jobs.Lane", "hardware",
                 "gallery.list_saved", "gallery.delete_saved", "gallery.save_png"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """The localai modules (and ``module.Name`` pairs) a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("localai")}


@pytest.mark.parametrize("path", EDGES, ids=lambda p: p.name)
def test_the_page_and_the_api_reach_nothing_below_services(path: Path) -> None:
    reaches = _reaches(path.read_text(encoding="utf-8"))
    assert not reaches, f"{path.name} reaches below services: {reaches}"
    imported = {m.removeprefix("localai.") for m in _imports(path, top_level_only=False)}
    assert not imported & BELOW_MODULES, f"{path.name} imports {imported & BELOW_MODULES}"


def _reaches(source: str) -> list[str]:
    def on_state(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id == "state"
                or isinstance(node, ast.Attribute) and node.attr == "state")

    return [f"line {node.lineno}: .{node.attr}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and (node.attr in BELOW_SERVICES
                                                    or node.attr in BELOW_STATE and on_state(node.value))]


def test_the_checker_sees_a_forbidden_reach() -> None:
    """The test above can fail: the same walk finds what the tabs used to do."""
    tab = ("def build(state, services):\n    state.registry.names('text'); services.downloader.free_disk()\n"
           "    state.lanes.torch.submit(f); state.hardware(); services.hardware()\n")
    assert sorted(r.split(": ")[1] for r in _reaches(tab)) == [".downloader", ".hardware", ".lanes", ".registry"]


def test_doctor_does_not_import_the_report_that_renders_it() -> None:
    assert not {m for m in _imports(PACKAGE / "doctor.py", top_level_only=False) if "check_report" in m}


def test_the_package_imports_without_cycles() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in _imports(path, top_level_only=True) if m in modules and m != name}
             for name, path in modules.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            assert state.get(dep) != 1, f"import cycle: {' -> '.join(path[path.index(dep):] + [dep])}"
            if dep not in state:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
