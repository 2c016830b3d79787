"""Issue 17's classes on the commands that arrived after it (serve, demo, report, roi target,
allocate plan, campaign step --curves): exit 2 with a message naming what to fix, nothing
written, and the service's start-up errors reported before it binds a port."""

from __future__ import annotations

from pathlib import Path

import pytest
from _new_user import _user_error, runner

from leadlever.cli import app


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def no_server(monkeypatch):
    """``uvicorn.run`` fails the test: every case below must stop before it."""
    import uvicorn

    def refuse(*_args, **_kwargs):
        raise AssertionError("the service started despite a bad start-up input")

    monkeypatch.setattr(uvicorn, "run", refuse)


@pytest.mark.parametrize(
    ("damage", "args", "words"),
    [
        ("bundle", ("--model", "{d}/bundle.json"), ("bundle.json", "JSON")),
        ("economics", ("--economics", "{d}/economics.toml"), ("economics.toml", "commission_rate")),
        (None, ("--metric", "profit"), ("--threshold",)),
        (None, ("--metric", "revenue"), ("--metric", "roi")),
        (None, ("--db", "{d}"), ("--db", "folder", "leadlever.db")),
    ],
)
def test_serve_start_up_errors_exit_2_before_binding(d, no_server, damage, args, words):
    """Found by the fuzzer: a damaged --model or --economics file gave a traceback from the
    server's start-up and exit 3."""
    if damage == "bundle":
        (d / "bundle.json").write_text('{"format": "leadlever.qualification"', encoding="utf-8")
    elif damage == "economics":
        (d / "economics.toml").write_text("commission_rate = 20\n", encoding="utf-8")
    argv = [a.replace("{d}", str(d)) for a in args]
    db = [] if "--db" in argv else ["--db", d / "s.db"]
    _user_error(run("serve", *db, *argv), *words)


def test_serve_starts_on_good_inputs(d, monkeypatch):
    """The check before binding accepts what the start-up accepts (the service then starts)."""
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **kw: started.append(kw["port"]))
    res = run("serve", "--db", d / "s.db", "--model", d / "bundle.json",
              "--economics", d / "economics.toml", "--port", "8123")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert started == [8123]


@pytest.mark.parametrize("seed", ["-1", "4294967296", "1e16", "nan", "abc"])
def test_demo_bad_seed_and_outputs(tmp_path, seed):
    """``demo`` (fuzzed here: its inputs are its options, and one run takes half a minute)."""
    out = tmp_path / "demo"
    _user_error(run("demo", "--seed", seed, "--out", out), "--seed", out=out)
    assert not any(tmp_path.iterdir())


def _edit_fit(d: Path, edit) -> None:
    import json

    doc = json.loads((d / "curves.fit.json").read_text(encoding="utf-8"))
    edit(doc)
    (d / "curves.fit.json").write_text(json.dumps(doc), encoding="utf-8")


def _set(path: tuple, value):
    def edit(doc):
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value

    return edit


def _ragged(doc):
    doc["draws"]["params"]["scale"][1] = doc["draws"]["params"]["scale"][1][:-1]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_set(("time_effect", "order"), "abc"), ("time_effect.order", "whole number")),
        (_set(("time_effect", "coef"), [0.1, 0.2, 0.3]), ("time_effect.coef", "values")),
        (_set(("time_effect", "coef"), [1e300]), ("time_effect.coef",)),
        (_ragged, ("draws.params.scale", "one per channel")),
        (_set(("draws", "params", "adstock", 0, 0), 5.0), ("draws.params.adstock", "[0, 1]")),
        (_set(("draws", "params", "scale", 0, 0), "abc"), ("draws.params.scale", "number")),
        (_set(("draws", "kind"), "eval"), ("draws.kind",)),
        (lambda doc: doc["draws"]["params"].pop("shape"), ("draws.params", "'shape'")),
    ],
    ids=["order", "coef-length", "coef-huge", "ragged", "adstock", "text", "kind", "missing"],
)
@pytest.mark.parametrize("cmd", ["allocate solve", "allocate plan", "roi evaluate"])
def test_a_damaged_curve_fit_file_names_its_field(d, edit, words, cmd):
    """Found by the fuzzer: ``"order": "abc"`` in curves.fit.json was an internal error in
    ``roi evaluate --curves`` (and ``allocate solve``/``plan``)."""
    _edit_fit(d, edit)
    args = {
        "allocate solve": ("allocate", "solve", d / "curves.csv", "--budget", "20000"),
        "allocate plan": ("allocate", "plan", d / "curves.csv", "--weeks", "3", "--budget", "60000"),
        "roi evaluate": ("roi", "evaluate", d / "scored.csv", "--threshold", "0.5",
                         "--curves", d / "curves.csv"),
    }[cmd]  # fmt: skip
    _user_error(run(*args), "curves.fit.json", "damaged", *words)


@pytest.mark.parametrize(
    ("weekly", "words"),
    [
        ("nan,20000,20000", ("week 1", "nan", "finite")),
        ("20000,-5,20000", ("week 2", "-5", ">= 0")),
        ("1e308,20000,20000", ("week 1", "largest value")),
        ("20000,20000", ("3 values", "got 2")),
    ],
)
def test_allocate_plan_weekly_budgets_name_the_week(d, weekly, words):
    """``--weekly nan,...`` said "3 values ... got 3"; ``1e308`` echoed a 300-digit number."""
    res = run("allocate", "plan", d / "curves.csv", "--weeks", "3", "--weekly", weekly,
              "--out", d / "weeks.csv")  # fmt: skip
    _user_error(res, "--weekly", *words, out=d / "weeks.csv")
    assert len(res.output) < 400


def test_report_says_why_a_damaged_table_is_not_used(d, tmp_path):
    """A queue with one infinite cell was skipped as "a table with no LeadLever output's
    columns" (and, alone, reported as no LeadLever output at all)."""
    import pandas as pd

    frame = pd.read_csv(d / "profile.csv", dtype={"lead_id": str})
    frame.loc[3, "expected_roi"] = float("inf")
    frame.to_csv(d / "profile.csv", index=False)
    out = tmp_path / "r.html"
    _user_error(run("report", d / "profile.csv", "--out", out), "profile.csv", "expected_roi",
                "row 4", "infinite", out=out)  # fmt: skip
    res = run("report", d / "profile.csv", d / "curves.csv", "--out", out)
    assert res.exit_code == 0, res.output
    assert "not used" in res.output and "expected_roi" in res.output


def test_report_reads_json_outputs_strictly(d, tmp_path):
    (d / "plan.json").write_text('{"n_leads": NaN, "queue": []}', encoding="utf-8")
    out = tmp_path / "r.html"
    _user_error(run("report", d / "plan.json", "--out", out), "plan.json", out=out)
