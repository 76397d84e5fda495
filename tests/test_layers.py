"""The package's layers: every import runs downward (or within a layer), never back up.

Records and files at the bottom, stages in the middle, the run flow above them, front ends on
top (docs/ARCHITECTURE.md draws the same picture). Imports made only for type checking
(``if TYPE_CHECKING:``) are not counted: they do not run. A new module must be given a layer
here; a module may not reach into another module's private (``_name``) helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Layer of each module (by longest dotted prefix); lower layers may not import higher ones.
LAYERS: dict[str, int] = {
    # 0 records, configuration and files: imported by everything, import nothing of ours above
    "chainscreen.version": 0, "chainscreen.errors": 0, "chainscreen.models": 0,
    "chainscreen.files": 0, "chainscreen.resources": 0, "chainscreen.settings": 0,
    "chainscreen.config": 0, "chainscreen.collector": 0,
    # 1 readers and normalisers
    "chainscreen.normalize": 1, "chainscreen.manifest": 1, "chainscreen.columns": 1,
    "chainscreen.importers": 1,
    # 2 reference lists and the screening stages
    "chainscreen.reference": 2, "chainscreen.match": 2, "chainscreen.evidence": 2,
    "chainscreen.score": 2, "chainscreen.bench": 2, "chainscreen.sector": 2,
    # 3 the records of a screening, and reviewer decisions over them
    "chainscreen.result": 3, "chainscreen.review": 3, "chainscreen.contract": 3,
    # 4 screening: chains the stages over a manifest
    "chainscreen.pipeline": 4, "chainscreen.engines": 4,
    # 5 outputs and the run store
    "chainscreen.report": 5, "chainscreen.store": 5, "chainscreen.migrations": 5,
    # 6 the run flow: open → store → screen → write → finish; the pre-contract check; a stored
    # run's reviewed outputs
    "chainscreen.run": 6, "chainscreen.check": 6, "chainscreen.reviewed": 6,
    # 7 front ends: command line, web page, Spark driver, the package's own facade
    "chainscreen.cli": 7, "chainscreen.__main__": 7, "chainscreen.web": 7, "chainscreen.spark": 7,
    "chainscreen": 7,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    """The layer of ``module`` by its longest listed prefix; None when it has none."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST, package: str) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import that runs (not under ``if TYPE_CHECKING``)."""
    found: list[tuple[int, str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, []) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = package.split(".")
                    base = ".".join(pkg[: len(pkg) - child.level + 1] + ([base] if base else []))
                found.append((child.lineno, base, [a.name for a in child.names]))
            visit(child)

    visit(tree)
    return found


def _modules() -> list[tuple[str, Path]]:
    return sorted((_module_name(p), p) for p in (SRC / "chainscreen").rglob("*.py"))


def _known(name: str) -> bool:
    return (SRC / Path(*name.split("."))).with_suffix(".py").exists() or (
        SRC / Path(*name.split(".")) / "__init__.py").exists()


def _imports_of(module: str, path: Path) -> list[tuple[int, str, list[str]]]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for line, target, names in runtime_imports(ast.parse(path.read_text(encoding="utf-8")), package):
        if not (target == "chainscreen" or target.startswith("chainscreen.")):
            continue
        # ``from chainscreen.report import render`` imports the module chainscreen.report.render
        subs = [f"{target}.{n}" for n in names if _known(f"{target}.{n}")]
        if subs:
            out.extend((line, s, []) for s in subs)
            rest = [n for n in names if not _known(f"{target}.{n}")]
            if rest:
                out.append((line, target, rest))
        else:
            out.append((line, target, names))
    return out


def test_every_module_has_a_layer() -> None:
    missing = [m for m, _ in _modules() if layer_of(m) is None]
    assert not missing, f"give these modules a layer in tests/test_layers.py: {missing}"


def test_imports_run_downward_only() -> None:
    upward = []
    for module, path in _modules():
        own = layer_of(module)
        for line, target, _names in _imports_of(module, path):
            theirs = layer_of(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{path.relative_to(SRC)}:{line} {module} (layer {own}) imports "
                              f"{target} (layer {theirs})")
    assert not upward, "imports running back up the layers:\n" + "\n".join(upward)


def test_no_module_reaches_into_another_modules_private_helpers() -> None:
    private = []
    for module, path in _modules():
        for line, target, names in _imports_of(module, path):
            if target == module:
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    private.append(f"{path.relative_to(SRC)}:{line} imports {target}.{name}")
    assert not private, "private helpers used from another module:\n" + "\n".join(private)


@pytest.mark.parametrize(("source", "expected"), [
    ("from chainscreen.run import screen_run\n", ["chainscreen.run"]),
    ("if TYPE_CHECKING:\n    from chainscreen.run import Run\n", []),
    ("def f():\n    from chainscreen.cli import cli\n", ["chainscreen.cli"]),
])
def test_the_checker_sees_imports_that_run(source: str, expected: list[str]) -> None:
    found = [t for _line, t, _n in runtime_imports(ast.parse(source), "chainscreen")]
    assert found == expected


def test_the_checker_finds_an_upward_import(tmp_path: Path) -> None:
    # a records module importing the run flow is exactly what the layer test must refuse
    assert layer_of("chainscreen.models") < layer_of("chainscreen.run")  # type: ignore[operator]
    tree = ast.parse("from chainscreen.run import screen_run\n")
    (line, target, _names), = runtime_imports(tree, "chainscreen")
    assert layer_of(target) == 6 and line == 1


def test_only_front_ends_and_config_read_the_environment() -> None:
    # configuration is resolved once at the edge (chainscreen.config.Config.from_env) and passed in
    readers = []
    for module, path in _modules():
        if layer_of(module) == 7 or module == "chainscreen.config":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not readers, "library modules reading the environment:\n" + "\n".join(readers)
