"""House rules checked on the source: one namespace, layering, no import cycles,
lazy heavy imports, no pickle, ``__all__``, lint."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import REPO

#: source folder -> import name (pyproject's package-dir mapping)
FOLDERS = {
    "engine": "leadlever.engine",
    "optimisers": "leadlever.optimisers",
    "pricing": "leadlever.pricing",
    "simulations": "leadlever.simulations",
    "leadlever": "leadlever",
}
#: what each layer must never import
FORBIDDEN = {
    "leadlever.engine": ("leadlever.optimisers", "leadlever.pricing", "leadlever.simulations"),
    "leadlever.optimisers": ("leadlever.pricing", "leadlever.simulations"),
    "leadlever.pricing": ("leadlever.optimisers", "leadlever.simulations"),
}
EDGES = ("leadlever.cli", "leadlever.server")
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "pulp", "matplotlib")


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO)
    base = FOLDERS[rel.parts[0]]
    parts = list(rel.with_suffix("").parts[1:])
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([base, *parts])


def _modules():
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield _module_name(path), path, ast.parse(path.read_text(encoding="utf-8"))


MODULES = {name: (path, tree) for name, path, tree in _modules()}


def _in_type_checking(tree):
    """ids of nodes inside ``if TYPE_CHECKING:`` blocks (imports for type checkers only)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _imports(tree, *, runtime_only=False):
    skip = _in_type_checking(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node


def _lazy_target(package: str, name: str) -> str | None:
    """The module that defines ``name`` for a lazily exporting package."""
    from leadlever._lazy import exported_names

    path, _ = MODULES[package]
    entry = exported_names(path).get(name)
    return entry[0] if entry else None


def _import_graph() -> dict[str, set[str]]:
    """module -> library modules it imports at run time (function-level imports included)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, (_, tree) in MODULES.items():
        for module, attr, _ in _imports(tree, runtime_only=True):
            if module not in MODULES:
                continue
            target = module
            if attr is not None:
                if f"{module}.{attr}" in MODULES:
                    target = f"{module}.{attr}"
                elif (lazy := _lazy_target(module, attr)) is not None:
                    target = lazy
            if target != name:
                graph[name].add(target)
    return graph


def test_only_the_leadlever_namespace_is_installed():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert all(p == "leadlever" or p.startswith("leadlever.") for p in setuptools["packages"])
    assert set(setuptools["package-dir"]) == set(FOLDERS.values())
    # every folder with an __init__ is listed (else it would be missing from the wheel)
    packages = {
        _module_name(path)
        for folder in FOLDERS
        for path in (REPO / folder).rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert packages == set(setuptools["packages"])


def test_installed_files_have_one_top_level_name():
    from importlib.metadata import files

    installed = [
        str(f)
        for f in files("leadlever") or []
        if str(f).endswith(".py") and not str(f).startswith("__editable__")
    ]
    if not installed:  # an editable install lists no module files
        pytest.skip("editable install: no module files to check (CI installs a wheel)")
    tops = {f.split("/")[0] for f in installed if not f.startswith("..")}
    assert tops == {"leadlever"}, tops


def test_layers_import_only_downwards():
    bad = []
    for name, (path, tree) in MODULES.items():
        forbidden = next((v for k, v in FORBIDDEN.items() if name.startswith(k)), ())
        if not name.startswith(EDGES):
            forbidden = (*forbidden, *EDGES)
        if name.startswith("leadlever.simulations"):
            forbidden = EDGES
        for module, _, _ in _imports(tree):
            if module.startswith(forbidden):
                bad.append(f"{path.relative_to(REPO)} imports {module}")
    assert not bad, bad


def test_library_never_imports_simulations_except_demo_and_tests():
    bad = [
        f"{path.relative_to(REPO)} imports {module}"
        for name, (path, tree) in MODULES.items()
        if not name.startswith(("leadlever.simulations", *EDGES))
        for module, _, _ in _imports(tree)
        if module.startswith("leadlever.simulations")
    ]
    assert not bad, bad


def test_no_import_cycles():
    graph = _import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_cycle_detector_finds_a_cycle():
    """The graph builder sees function-level imports (else the cycle test proves nothing)."""
    graph = _import_graph()
    edges = sum(len(v) for v in graph.values())
    assert edges > 200
    assert "leadlever.engine.io._tables" in graph["leadlever.engine.io._lead_schema"]


def test_no_pickle_no_star_imports():
    bad = []
    for _, (path, tree) in MODULES.items():
        for module, attr, _ in _imports(tree):
            if module.split(".")[0] in {"pickle", "joblib", "dill", "cloudpickle"}:
                bad.append(f"{path.relative_to(REPO)}: {module}")
            if attr == "*":
                bad.append(f"{path.relative_to(REPO)}: star import from {module}")
    assert not bad, bad


def _assigned_names(tree) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.add(n.id)
    return names


def test_every_module_declares_all():
    missing = [
        str(path.relative_to(REPO))
        for name, (path, tree) in MODULES.items()
        if "__all__" not in _assigned_names(tree)
        and path.stat().st_size > 0
        and not (name.startswith("leadlever.cli.") and not path.name.startswith("_"))
    ]
    assert not missing, missing


def test_package_apis_resolve():
    """Every public name a package declares imports, from the module the package says."""
    import importlib

    from leadlever._lazy import exported_names

    bad = []
    for name, (path, _) in MODULES.items():
        if path.name != "__init__.py":
            continue
        package = importlib.import_module(name)
        for public, (module, attr) in exported_names(path).items():
            if not module.startswith(name + "."):
                bad.append(f"{name}.{public} comes from outside the package ({module})")
            elif getattr(package, public) is not getattr(importlib.import_module(module), attr):
                bad.append(f"{name}.{public}")
    assert not bad, bad


def test_modules_stay_small():
    big = [
        f"{path.relative_to(REPO)} ({n} lines)"
        for _, (path, _) in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    ]
    assert not big, big


def _fresh_python(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    return json.loads(out.stdout)


def test_command_line_and_packages_import_no_heavy_library():
    packages = sorted(n for n, (p, _) in MODULES.items() if p.name == "__init__.py")
    code = (
        "import importlib, json, os, sys\n"
        "before = dict(os.environ)\n"
        f"for name in {packages!r}: importlib.import_module(name)\n"
        "import leadlever.cli\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(json.dumps({'heavy': heavy, 'env_changed': dict(os.environ) != before}))\n"
    )
    result = _fresh_python(code)
    assert result["heavy"] == []
    assert result["env_changed"] is False


def _top_level_imports(tree):
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from _imports(ast.Module(body=[node], type_ignores=[]))
        elif isinstance(node, ast.If | ast.Try):
            stack.extend(node.body + node.orelse + getattr(node, "finalbody", []))


def test_matplotlib_imported_inside_plotting_functions():
    bad = [
        str(path.relative_to(REPO))
        for _, (path, tree) in MODULES.items()
        for module, _, _ in _top_level_imports(tree)
        if module.split(".")[0] == "matplotlib"
    ]
    assert not bad, f"import matplotlib inside the plotting functions: {bad}"


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


SILENCERS = {"simplefilter", "filterwarnings", "errstate", "catch_warnings"}


def _silencing_calls(tree):
    """(line, name, inside a function) of warning filters and numpy errstate blocks."""
    out = []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Call):
                name = getattr(child.func, "attr", getattr(child.func, "id", ""))
                if name in SILENCERS:
                    out.append((child.lineno, name, in_function))
            walk(child, inside)

    walk(tree, False)
    return out


def test_every_silenced_warning_says_why_and_none_is_global():
    """A warning filter or np.errstate carries a comment (its line, the three above or the
    two below);
    library code sets no filter at import time."""
    bad = []
    for _, (path, tree) in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, name, in_function in _silencing_calls(tree):
            context = lines[max(0, line - 4) : line + 2]
            if not any("#" in text for text in context):
                bad.append(f"{path.relative_to(REPO)}:{line} {name} without a reason")
            if not in_function and name in {"simplefilter", "filterwarnings"}:
                bad.append(f"{path.relative_to(REPO)}:{line} global warning filter")
    assert not bad, bad


def test_silenced_warning_check_sees_a_bare_filter():
    tree = ast.parse("import warnings\nwarnings.simplefilter('ignore')\n")
    assert _silencing_calls(tree) == [(2, "simplefilter", False)]


def test_scoring_a_saved_model_loads_no_fitting_library(tmp_path):
    """``leadlever score apply`` reads a model and scores: statsmodels and scipy (the
    fitting code, seconds to import) stay unloaded."""
    import numpy as np
    import pandas as pd

    from leadlever.engine.scoring import ConversionModel

    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    frame = pd.DataFrame({"x": x, "city": rng.choice(["a", "b"], 400)})
    y = (rng.random(400) < 1 / (1 + np.exp(-x))).astype(int)
    path = tmp_path / "model.json"
    ConversionModel(cv=2).fit(frame, y).save(path)
    frame.to_csv(tmp_path / "leads.csv", index=False)
    code = (
        "import json, sys\n"
        "import pandas as pd\n"
        "from leadlever.engine.scoring import ConversionModel\n"
        f"model = ConversionModel.load({str(path)!r})\n"
        f"scored = model.score_table(pd.read_csv({str(tmp_path / 'leads.csv')!r}))\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'statsmodels', 'scipy'})\n"
        "print(json.dumps({'loaded': loaded, 'n': len(scored)}))\n"
    )
    result = _fresh_python(code)
    assert result == {"loaded": [], "n": 400}
