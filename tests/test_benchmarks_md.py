"""BENCHMARKS.md holds current figures: one section per benchmark script, each with the
command that reproduces it, the date of its figures and a table with a target column."""

from __future__ import annotations

import re

from helpers import REPO


def _sections() -> dict[str, str]:
    text = (REPO / "BENCHMARKS.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {part.splitlines()[0]: part for part in parts}


def test_one_section_per_benchmark_script():
    scripts = sorted(
        p.name for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_")
    )
    sections = _sections()
    for script in scripts:
        owners = [title for title in sections if f"`benchmarks/{script}`" in title]
        assert len(owners) == 1, f"{script}: {owners}"
        body = sections[owners[0]]
        # the reproducing command and the date of the figures
        assert re.search(r"python [^`\n]*benchmarks/" + re.escape(script), body), script
        assert re.search(r"20\d\d-\d\d-\d\d", body), f"{script}: no date"
        header = next(line for line in body.splitlines() if line.startswith("|"))
        assert "target" in header, f"{script}: {header}"
    assert len(sections) == len(scripts)
