"""House rules checked on the source: layering, no pickle, __all__, lazy matplotlib, lint."""

from __future__ import annotations

import ast
import shutil
import subprocess

import pytest

from tests.helpers import REPO

LIBRARY = ("engine", "optimisers", "pricing", "simulations", "leadlever")
#: what each layer must never import
FORBIDDEN = {
    "engine": {"optimisers", "pricing", "simulations", "leadlever"},
    "optimisers": {"pricing", "simulations", "leadlever"},
    "pricing": {"optimisers", "simulations", "leadlever"},
    "simulations": {"leadlever"},
}


def _modules():
    for package in LIBRARY:
        for path in sorted((REPO / package).rglob("*.py")):
            yield package, path, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node


def test_layers_import_only_downwards():
    bad = []
    for package, path, tree in _modules():
        for name, _ in _imports(tree):
            if name.split(".")[0] in FORBIDDEN.get(package, set()):
                bad.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bad, bad


def test_no_pickle_no_star_imports():
    bad = []
    for _, path, tree in _modules():
        for name, node in _imports(tree):
            if name.split(".")[0] in {"pickle", "joblib", "dill", "cloudpickle"}:
                bad.append(f"{path.relative_to(REPO)}: {name}")
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                bad.append(f"{path.relative_to(REPO)}: star import from {name}")
    assert not bad, bad


def test_every_module_declares_all():
    missing = []
    for _, path, tree in _modules():
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        if "__all__" not in names and path.name != "__main__.py" and path.stat().st_size > 0:
            missing.append(str(path.relative_to(REPO)))
    # CLI command modules are exempt (they export a Typer app, not an API)
    missing = [m for m in missing if not m.startswith("leadlever/cli/") or m.endswith("_common.py")]
    assert not missing, missing


def _top_level_imports(tree):
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from _imports(ast.Module(body=[node], type_ignores=[]))
        elif isinstance(node, ast.If | ast.Try):
            stack.extend(node.body + node.orelse + getattr(node, "finalbody", []))


def test_matplotlib_imported_lazily():
    bad = [
        str(path.relative_to(REPO))
        for _, path, tree in _modules()
        for name, _ in _top_level_imports(tree)
        if name.split(".")[0] == "matplotlib"
    ]
    assert not bad, f"import matplotlib inside plotting functions: {bad}"


@pytest.mark.skipif(
    shutil.which("ruff") is None, reason="ruff is not installed (pip install '.[test]')"
)
def test_ruff_lint_and_format_clean():
    lint = subprocess.run(["ruff", "check", "."], cwd=REPO, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = subprocess.run(
        ["ruff", "format", "--check", "."], cwd=REPO, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:]
