"""Test-session settings (single-threaded BLAS) and shared fixtures.

The test machine is shared by several jobs on 2 cores; multi-threaded OpenBLAS
then spends most of its time contending (a 41k x 66 Gram product took 2 s instead
of 0.06 s). Set before numpy is imported; an explicit environment value wins.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import matplotlib  # noqa: E402  (after the BLAS settings on purpose)
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

matplotlib.use("Agg")

# Property tests draw the same examples on every run (derandomize: a CI result can be
# reproduced), with no time limit per example (the machine is shared and noisy).
# HYPOTHESIS_PROFILE=explore draws new random examples, to hunt for new failures locally.
settings.register_profile("leadlever", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "leadlever"))


@pytest.fixture(scope="session")
def small_leads():
    from leadlever.simulations.world import simulate_leads

    return simulate_leads(3000, seed=11)


@pytest.fixture(scope="session")
def small_history():
    from leadlever.simulations.world import simulate_channels

    return simulate_channels(52, seed=11)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One ``leadlever demo --json`` run shared by the tests that inspect its output."""
    import json

    from typer.testing import CliRunner

    from leadlever.cli import app

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout), result
