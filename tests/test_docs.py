"""The documentation site builds strictly: a broken link, page or API reference fails."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
from helpers import REPO

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs/mkdocstrings are not installed (pip install '.[docs]'; the test extra has them)",
)


def test_docs_build_strictly_with_the_api_reference(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    # public names of the lazy package APIs are documented, from their docstrings
    for anchor in (
        "leadlever.engine.scoring.ConversionModel",
        "leadlever.optimisers.packaging.package",
        "leadlever.pricing.break_even_p",
        "leadlever.simulations.deals.p_star",
    ):
        assert f'id="{anchor}"' in reference, anchor
    # the home page includes the README's tours; the benchmarks page includes BENCHMARKS.md
    assert "leadlever simulate leads" in (site / "index.html").read_text(encoding="utf-8")
    assert not list(site.glob("*.py"))
