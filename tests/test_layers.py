"""The import layers of ``docs/architecture.md``: no circle, no import from a lower layer up.

Every module's imports are read from its source (``ast``), including imports inside
functions and under ``TYPE_CHECKING``: a late import is still a dependency, only a cheaper
one. A module may import its own wing (the package or top-level module it belongs to) and
any wing of a lower layer; wings of the same layer stay independent of each other. The
drawings of ``docs/architecture.md`` are held to the same modules: the layout names every
one, and the flow of one article names only modules and functions that exist.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digest"

# Lowest first; each wing is a package or a top-level module. Keep docs/architecture.md in step.
LAYERS: list[tuple[str, ...]] = [
    # pure text helpers the data models themselves use: bounds on text, safe links
    ("digest.bounds", "digest.links", "digest.dates"),
    # the ground floor: plain data, errors and pure helpers every wing may use; then config
    (
        "digest",
        "digest.errors",
        "digest.models",
        "digest.files",
        "digest.clock",
        "digest.text",
        "digest.web",
        "digest.furniture",
    ),
    ("digest.config",),
    ("digest.store", "digest.parallel"),
    ("digest.seats", "digest.stories"),
    ("digest.prepare",),
    ("digest.sources",),
    ("digest.compose", "digest.render", "digest.subscribers"),
    ("digest.polling", "digest.delivery"),
    ("digest.pipeline", "digest.metrics"),
    ("digest.daemon",),
    ("digest.cli",),
    ("digest.__main__",),
]

# Known upward imports, each with the reason it is still there. The test fails when one of
# them is gone, so the list cannot outlive its entries.
KNOWN_UPWARD = {
    ("digest.config.load", "digest.seats.matcher_cache"): (
        "load_config checks [[sources]] area names against the gazetteer (from the matcher "
        "cache), so that every command refuses an unknown area at start-up; a late import, "
        "taken only when a source names an area"
    ),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The digest modules ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from digest.cli import article`` imports the module digest.cli.article.
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in MODULES else base)
    return {_module_of(t) for t in targets if t == "digest" or t.startswith("digest.")} - {name}


def _module_of(dotted: str) -> str:
    """The module a dotted import name is in (``digest.store.core.Store`` -> its module)."""
    while dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _wing(module: str) -> str:
    wings = [
        w
        for layer in LAYERS
        for w in layer
        # the package ``digest`` itself is a wing; its modules are not in it by default
        if module == w or (w != "digest" and module.startswith(w + "."))
    ]
    if not wings:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and the docs")
    return max(wings, key=len)


def _layer(wing: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if wing in layer)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _wing(module)


def test_imports_go_down_the_layers() -> None:
    upward = []
    for module, targets in GRAPH.items():
        wing = _wing(module)
        for target in sorted(targets):
            other = _wing(target)
            if other == wing or _layer(other) < _layer(wing):
                continue
            if (module, target) not in KNOWN_UPWARD:
                upward.append(f"{module} -> {target} ({wing} -> {other})")
    assert upward == [], "imports that do not go down the layers:\n" + "\n".join(upward)


@pytest.mark.parametrize("arrow", sorted(KNOWN_UPWARD))
def test_known_upward_imports_are_still_there(arrow: tuple[str, str]) -> None:
    module, target = arrow
    assert target in GRAPH[module], f"{module} no longer imports {target}: drop it from the list"


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components: any with two or more modules is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_checker_sees_late_imports() -> None:
    # The one known upward import is inside a function: the checker must see such imports.
    assert "digest.seats.matcher_cache" in GRAPH["digest.config.load"]
    assert "digest.cli.commands" in GRAPH["digest.cli"]


def _exists(dotted: str) -> bool:
    module, _, attribute = dotted.partition(":")
    if module not in MODULES:
        return False
    if not attribute:
        return True
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return any(
        getattr(node, "name", None) == attribute
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    )


def test_named_modules_exist() -> None:
    """Modules named in strings (entry points, the fork server's warm-up) follow every move."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = list(project["scripts"].values())
    for group in project["entry-points"].values():
        named.extend(group.values())
    for path in (PACKAGE / "parallel").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
            ):
                values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                if len(values) == 2 and values[0].startswith("digest."):
                    named.append(f"{values[0]}:{values[1]}")  # (module, function) pairs
                    continue
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("digest.")
                and " " not in node.value
            ):
                named.append(node.value)
    missing = [n for n in named if not _exists(n)]
    assert len(named) >= 10 and missing == []


ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _code_block(heading: str) -> str:
    """The first fenced block under ``heading`` in docs/architecture.md."""
    section = ARCHITECTURE.split(f"\n## {heading}\n", 1)[1]
    return section.split("```", 2)[1]


def _defined(module: str) -> set[str]:
    """Top-level names ``module`` defines (a package also counts what it re-exports)."""
    path = MODULES[module]
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and path.name == "__init__.py":
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_the_layout_drawing_names_every_module() -> None:
    """Every module of ``digest/`` is in the layout of docs/architecture.md, by its name in
    its wing's entry, and every entry there exists."""
    entries: dict[str, str] = {}
    name = ""
    for line in _code_block("Layout").splitlines()[2:]:  # after the "digest/" line
        if line.startswith("  ") and not line.startswith("   "):
            name = line.split()[0]
            entries[name] = ""
        entries[name] = entries.get(name, "") + " " + line
    missing = []
    for entry in entries:
        if entry.endswith("/") and not (PACKAGE / entry).is_dir():
            missing.append(f"{entry} (no such package)")
    for module, path in MODULES.items():
        parts = module.split(".")
        if len(parts) == 1 or path.name == "__init__.py":
            continue
        if len(parts) == 2:  # a top-level module: named as file.py somewhere in the drawing
            if f"{parts[1]}.py" not in _code_block("Layout"):
                missing.append(module)
            continue
        words = set(re.findall(r"[\w]+", entries.get(f"{parts[1]}/", "")))
        if parts[-1] not in words:
            missing.append(module)
    assert missing == [], "not in docs/architecture.md's layout: " + ", ".join(missing)


def test_the_flow_drawing_names_what_exists() -> None:
    """Every dotted name in the flow of one article is a module, or a name it defines."""
    wings = {module.split(".")[1] for module in MODULES if module.count(".") >= 1}
    wrong = []
    for dotted in re.findall(
        r"\b([a-z_]+(?:\.[A-Za-z_]+)+)", _code_block("The flow of one article")
    ):
        if dotted.split(".")[0] not in wings:
            continue  # Store.add_articles, backend.send: objects, not modules
        parts = dotted.split(".")
        module = next(
            (
                f"digest.{'.'.join(parts[:n])}"
                for n in range(len(parts), 0, -1)
                if f"digest.{'.'.join(parts[:n])}" in MODULES
            ),
            None,
        )
        if module is None:
            wrong.append(dotted)
            continue
        rest = parts[len(module.split(".")) - 1 :]
        if rest and rest[0] not in _defined(module):
            wrong.append(dotted)
    assert wrong == [], "the flow names what the code does not have: " + ", ".join(wrong)
