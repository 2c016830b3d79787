from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()


def test_simulate_leads_json_and_file(tmp_path):
    out = tmp_path / "leads.csv"
    result = runner.invoke(
        app, ["simulate", "leads", "--n", "500", "--seed", "3", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    frame = pd.read_csv(out)
    assert payload["n_leads"] == len(frame) == 500
    assert payload["n_open"] == int(frame["converted"].isna().sum())


def test_simulate_channels_parquet(tmp_path):
    out = tmp_path / "h.parquet"
    result = runner.invoke(
        app, ["simulate", "channels", "--weeks", "10", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out)) == json.loads(result.stdout)["n_rows"] == 60


def test_bad_parameters_exit_2_and_write_nothing(tmp_path):
    out = tmp_path / "leads.csv"
    result = runner.invoke(app, ["simulate", "leads", "--n", "0", "--out", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
    result = runner.invoke(
        app, ["simulate", "leads", "--n", "10", "--out", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2
    assert "unsupported extension" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_demo_runs_and_writes_tables(demo_run):
    out, payload, result = demo_run
    assert payload["sections"][0]["key"] == "world"
    assert payload["files"], "the demo wrote no files"
    for f in payload["files"]:
        assert out.joinpath(f.split("/")[-1]).exists()
    assert (out / "report.html").exists()
    # progress goes to stderr, the JSON object alone to stdout
    assert "[1/" in result.stderr


def test_demo_covers_the_whole_case_and_report(demo_run):
    out, payload, _ = demo_run
    keys = [s["key"] for s in payload["sections"]]
    for needed in ("world", "scoring", "qualification", "roi", "loop", "pricing"):
        assert needed in keys
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in payload["sections"]:
        assert section["highlights"], f"section {section['key']} has no key numbers"
        assert section["plots"], f"section {section['key']} has no plot"
        assert section["title"] in html.replace("&#x27;", "'").replace("&amp;", "&")


def test_demo_packages_the_sale_for_three_partners(demo_run):
    from leadlever.optimisers.packaging import read_buyers
    from leadlever.simulations.demo._packaging_step import DEMO_PARTNERS

    out, payload, _ = demo_run
    assert "packaging" in [s["key"] for s in payload["sections"]]
    packages = pd.read_csv(out / "packages.csv")
    partners = {b.name for b in read_buyers(DEMO_PARTNERS).buyers}
    served = set(packages["buyer"])
    assert served <= partners and len(served) >= 2
    # a partner without a bundle is one whose price does not beat the leads' in-house value
    lines = " ".join(next(s["lines"] for s in payload["sections"] if s["key"] == "packaging"))
    for name in partners - served:
        assert f"{name} receives no bundle" in lines
    graded = packages[packages["buyer"] == "graded-sourcer"]
    assert graded["grade"].isin(["BBB", "BB", "B"]).all()  # its min_grade is B
    sold = pd.read_csv(out / "package_assignments.csv")
    priced = pd.read_csv(out / "priced_leads.csv")
    assert set(sold["lead_id"]) <= set(priced["lead_id"])  # only leads chosen for sale
