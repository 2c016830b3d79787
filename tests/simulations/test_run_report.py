"""``leadlever report`` on a user's run: decisions first, numbers that agree, every file
recognised by its content, a clear error when nothing is a LeadLever output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.simulations.world import simulate_leads

runner = CliRunner()


def _run(*args, to: Path | None = None):
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    if to is not None:
        to.write_text(res.stdout)
    return res


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A manager's and growth team's run, outputs saved as users save them."""
    d = tmp_path_factory.mktemp("run")
    work = tmp_path_factory.mktemp("work")
    simulate_leads(1500, seed=4).to_csv(work / "leads.csv", index=False)
    _run("examples", work)
    _run(
        "score", "fit", work / "leads.csv", "--target", "converted", "--drop", "created_at",
        "--cv", "3", "--model-out", work / "m.json", "--oof-out", d / "oof.csv", "--json",
        to=d / "fit.json",
    )  # fmt: skip
    _run("score", "apply", work / "m.json", work / "leads.csv", "--out", work / "scored.csv")
    _run("qualify", "fit", work / "leads.csv", "--bundle-out", work / "b.json")
    _run("qualify", "apply", work / "b.json", work / "leads.csv", "--out", work / "profile.csv")
    _run(
        "plan", work / "profile.csv", "--consultants", work / "team.csv", "--out",
        d / "queue.csv", "--json", to=d / "plan.json",
    )  # fmt: skip
    _run(
        "price", "leads", work / "profile.csv", "--target-margin", "0.3", "--economics",
        work / "economics.toml", "--out", d / "priced.csv", "--json", to=d / "price.json",
    )  # fmt: skip
    _run(
        "roi", "evaluate", work / "scored.csv", "--threshold", "top40%", "--json",
        to=d / "roi.json",
    )  # fmt: skip
    _run(
        "deals", "compare", work / "deals.toml", "--leads", work / "scored.csv", "--draws", "0",
        "--json", to=d / "deals.json",
    )  # fmt: skip
    _run(
        "roi", "target", d / "oof.csv", "--target", "converted", "--value-per-conversion",
        "15000", "--cost-per-contact", "2500", "--out", d / "contacts.csv", "--json",
        to=d / "target.json",
    )  # fmt: skip
    (d / "notes.txt").write_text("not an output")
    return d


def test_report_leads_with_the_decisions_and_numbers_agree(run_dir, tmp_path):
    out = tmp_path / "report.html"
    res = _run("report", run_dir, "--out", out, "--json")
    payload = json.loads(res.stdout)
    assert [b["key"] for b in payload["decisions"]] == [
        "plan",
        "sell",
        "budget",
        "deals",
        "contacts",
    ]
    assert [b["key"] for b in payload["evidence"]] == ["model"]
    kinds = {r["kind"] for r in payload["recognised"]}
    assert {"oof", "queue", "priced", "plan", "roi_evaluate", "deals", "roi_target"} <= kinds
    assert payload["skipped"] == [
        {"file": str(run_dir / "notes.txt"), "reason": "not a table, JSON or TOML file"}
    ]
    html = out.read_text()
    assert "http://" not in html and "https://" not in html  # self-contained
    assert html.index("Who to work") < html.index("Model strength")  # decisions lead
    plan = json.loads((run_dir / "plan.json").read_text())
    counts = f"{plan['n_in_house']:,} / {plan['n_nurture']:,} / {plan['n_sell']:,}"
    assert html.count(counts) == 1  # stated once, from the plan itself
    fit = json.loads((run_dir / "fit.json").read_text())
    auc = f"{fit['auc_ci']['auc']:.3f} ({fit['auc_ci']['lower']:.3f}-{fit['auc_ci']['upper']:.3f})"
    assert auc in html
    # every figure the decisions assumed is on the page
    price = json.loads((run_dir / "price.json").read_text())
    for a in price["assumptions"]:
        assert a["name"].replace("_", " ") in html
    assert payload["n_images"] == len(re.findall("<img ", html)) >= 5


def test_report_of_nothing_recognisable_is_a_clear_error(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "b.csv").write_text("x,y\n1,2\n")
    res = runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and "No LeadLever outputs" in res.output
    assert not (tmp_path / "r.html").exists()


def check_in_browser(out: Path, tmp_path: Path) -> None:
    """Headless Chromium: every image of ``out`` decodes, nothing overflows, not blank."""
    from test_report_browser import CHROMIUM, _chromium

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", out.as_uri()], tmp_path)
    match = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom.stdout)
    assert match, f"the page's load script did not run: {dom.stderr[-500:]}"
    loaded, total = map(int, match.groups())
    assert total == out.read_text().count("<img ") and loaded == total
    assert 'data-overflow="no"' in dom.stdout  # no table or image wider than the window
    shot = tmp_path / "shot.png"
    _chromium([f"--screenshot={shot}", "--window-size=1100,1400", out.as_uri()], tmp_path)
    import matplotlib.image as mpimg
    import numpy as np

    pixels = np.asarray(mpimg.imread(shot))[..., :3]
    assert pixels.shape[0] > 500 and pixels.std() > 0.05


def test_run_report_in_a_real_browser(run_dir, tmp_path):
    """Headless Chromium: every image decodes, nothing overflows the page, not blank."""
    out = tmp_path / "report.html"
    _run("report", run_dir, "--out", out)
    check_in_browser(out, tmp_path)
