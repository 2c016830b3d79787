"""Dependency floors: every direct dependency has one, and the constraints file that
.ci/run installs (every floor, pinned) says the same."""

from __future__ import annotations

import tomllib

from helpers import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

CONSTRAINTS = REPO / ".ci" / "constraints-min.txt"
#: extras whose packages the floors job installs (the test extra holds the parquet and
#: docs packages too)
CHECKED_EXTRAS = ("test",)


def _requirements() -> dict[str, list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"core": project["dependencies"], **project["optional-dependencies"]}
    return {name: [Requirement(r) for r in reqs] for name, reqs in groups.items()}


def _floor(req: Requirement) -> Version | None:
    return next((Version(s.version) for s in req.specifier if s.operator == ">="), None)


def test_every_direct_dependency_has_a_floor():
    missing = [str(r) for reqs in _requirements().values() for r in reqs if _floor(r) is None]
    assert not missing, f"dependencies without a '>=' floor: {missing}"


def test_constraints_pin_every_checked_floor():
    groups = _requirements()
    wanted = {
        canonicalize_name(r.name): _floor(r)
        for group in ("core", *CHECKED_EXTRAS)
        for r in groups[group]
    }
    pinned = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            specs = list(req.specifier)
            assert len(specs) == 1 and specs[0].operator == "==", line
            pinned[canonicalize_name(req.name)] = Version(specs[0].version)
    assert pinned == wanted


def test_floors_job_runs_after_the_readme_tests():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    readme_tests = script.index('pip install ".[test]" && pytest')
    floors = script.index("constraints-min.txt")
    assert readme_tests < floors
    assert "FLOORS_TESTS" in script[floors:] and "tests/engine" in script[floors:]
