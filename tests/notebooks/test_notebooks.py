"""The persona notebooks run top to bottom and are committed without outputs.

Every notebook in ``notebooks/`` is executed with nbclient (kernel ``python3``,
working directory ``notebooks/``), once with the shared data folder and once
with ``LEADLEVER_SHARED_DATA`` pointing at a folder that does not exist, where
the real-data cells must skip politely. The kernel imports the installed
``leadlever`` (this checkout, installed by ``pip install ".[test]"``); the
repository root is not put on the path, where its ``leadlever/`` folder (the
command line only) would hide the installed package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SHARED = ROOT / ".." / "shared" / "data"
CELL_TIMEOUT = 300  # seconds per cell
SKIP_WORD = "skipping"  # what a real-data cell prints when its data is absent

ids = [p.stem for p in NOTEBOOKS]


def _env(shared_data: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    if shared_data is None:
        env.pop("LEADLEVER_SHARED_DATA", None)  # the notebooks fall back to <root>/../shared/data
    else:
        env["LEADLEVER_SHARED_DATA"] = str(shared_data)
    return env


def _execute(nb, env: dict[str, str]):
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute(env=env)  # raises CellExecutionError on the first failing cell
    return nb


def _texts(nb) -> list[str]:
    """Every stream and plain-text output of the executed notebook."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
            elif o.get("output_type") == "stream":
                out.append(o.get("text", ""))
            elif "data" in o:
                out.append(o["data"].get("text/plain", ""))
    return out


def test_the_three_persona_notebooks_exist():
    assert {"growth_team", "manager", "strategist"} <= set(ids)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


def test_python3_kernel_is_this_interpreter(tmp_path):
    """kernel_name="python3" starts the interpreter running the tests (no foreign kernel)."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable)")]
    )
    _execute(nb, _env(tmp_path / "absent"))
    printed = "".join(_texts(nb)).strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present: real-data path")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_with_shared_data(path):
    nb = _execute(nbformat.read(path, as_version=4), _env(None))
    texts = _texts(nb)
    assert not any(t.startswith("ERROR") for t in texts)
    assert not any(SKIP_WORD in t for t in texts), (
        "a real-data cell skipped although the data exist"
    )
    assert any(
        o.get("output_type") == "display_data" for c in nb.cells for o in c.get("outputs", [])
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_without_shared_data(path, tmp_path):
    nb = _execute(nbformat.read(path, as_version=4), _env(tmp_path / "no-shared-data"))
    texts = _texts(nb)
    assert not any(t.startswith("ERROR") for t in texts)
    assert any(SKIP_WORD in t for t in texts), "no real-data cell said it was skipping"
