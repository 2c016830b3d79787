"""Every case issue 17 found, as a test: exit 2 with a message naming what to fix, or the
right answer. (Concurrency, kills and broken pipes: test_faults_concurrency.py; ids,
streaming and Dask: test_ids_streaming.py; the fuzzer that keeps the classes fixed:
test_fuzz.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from _fuzz_catalogue import COMMANDS
from _new_user import _user_error, runner

from leadlever.cli import app


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _edit_csv(path: Path, fn) -> Path:
    frame = pd.read_csv(path, dtype={"lead_id": str})
    fn(frame).to_csv(path, index=False)
    return path


# ------------------------------------------------------- outputs checked before any work
WRITERS = [c for c in COMMANDS if c.outputs and c.outputs[0] not in c.updated]


@pytest.mark.parametrize("cmd", WRITERS, ids=[c.name for c in WRITERS])
def test_output_onto_an_existing_folder_fails_before_any_work(d, tmp_path, cmd):
    o = tmp_path / "out"
    o.mkdir()
    first = cmd.outputs[0]
    (o / first).mkdir(exist_ok=True)
    (o / first / "keep.txt").write_text("mine")
    args = [a.replace("{d}", str(d)).replace("{o}", str(o)) for a in cmd.args]
    res = run(*args)
    if cmd.name == "examples":  # a folder output: writing into an existing folder is right
        assert res.exit_code == 0, res.output
        return
    _user_error(res, "folder")
    assert "Training data" not in res.output  # failed before fitting anything
    assert (o / first / "keep.txt").read_text() == "mine"


def test_output_whose_folder_is_a_file(d, tmp_path):
    (tmp_path / "taken").write_text("a file")
    res = run(
        "score", "apply", d / "model.json", d / "leads.csv", "--out", tmp_path / "taken" / "s.csv"
    )
    _user_error(res, "is a file, not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_output_in_a_read_only_folder(d, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    res = run(
        "score", "fit", d / "closed.csv", "--target", "converted", "--model-out", ro / "m.json"
    )
    _user_error(res, "not writable")
    plot = run("deals", "compare", d / "deals.toml", "--plot", ro / "p.png")
    _user_error(plot, "not writable")


def test_output_that_is_an_input(d):
    res = run("score", "apply", d / "model.json", d / "leads.csv", "--out", d / "leads.csv")
    _user_error(res, "also an input")


@pytest.mark.parametrize("cmd", ["demo", "examples"])
def test_demo_and_examples_onto_an_existing_file(d, cmd):
    args = ["demo", "--out", d / "leads.csv"] if cmd == "demo" else ["examples", d / "leads.csv"]
    _user_error(run(*args), "is a file, not a folder")


def test_deals_plot_with_a_text_extension(d, tmp_path):
    _user_error(
        run("deals", "compare", d / "deals.toml", "--plot", tmp_path / "f.txt"), "--plot", ".png"
    )


# ------------------------------------------------------------------------ options
@pytest.mark.parametrize(
    "args, words",
    [
        (["simulate", "leads", "--n", "10", "--seed", "-1", "--out", "{t}/x.csv"], ["--seed", "-1"]),
        (["simulate", "leads", "--n", "1000000000000000", "--out", "{t}/x.csv"], ["--n"]),
        (["simulate", "campaign", "--weeks", "4", "--seeds", "1", "--shift-delta", "nan"], ["--shift-delta", "finite"]),
        (["simulate", "campaign", "--weeks", "4", "--seeds", "1", "--policies", ","], ["--policies", "learner"]),
        (["plan", "{d}/profile.csv", "--consultants", "{d}/team.csv", "--out", "{t}/q.csv", "--horizon-weeks", "inf"], ["--horizon-weeks", "finite"]),
        (["plan", "{d}/profile.csv", "--consultants", "{d}/team.csv", "--out", "{t}/q.csv", "--horizon-weeks", "-1"], ["--horizon-weeks", "(0, 520]"]),
        (["roi", "evaluate", "{d}/scored.csv", "--threshold", "nan"], ["threshold", "finite"]),
        (["campaign", "step", "--state", "{d}/state.json", "--budget", "1e308", "--out", "{t}/s.csv"], ["--budget", "1e+15"]),
        (["price", "leads", "{d}/scored.csv", "--target-profit", "1e308", "--c-high", "40", "--c-low", "20", "--out", "{t}/p.csv"], ["--target-profit", "realistic"]),
    ],
)  # fmt: skip
def test_bad_options_name_the_option(d, tmp_path, args, words):
    res = run(*[a.replace("{d}", str(d)).replace("{t}", str(tmp_path)) for a in args])
    _user_error(res, *words)
    assert not list(tmp_path.glob("*.csv"))


def test_plan_solver_highs_without_highspy(d, tmp_path, monkeypatch):
    import pulp

    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    res = run(
        "plan",
        d / "profile.csv",
        "--consultants",
        d / "team.csv",
        "--out",
        tmp_path / "q.csv",
        "--solver",
        "highs",
    )
    _user_error(res, "highspy", "pip install highspy", out=tmp_path / "q.csv")


# ------------------------------------------------------------------ damaged files
def test_corrupt_gz(d, tmp_path):
    (d / "bad.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    res = run("score", "apply", d / "model.json", d / "bad.csv.gz", "--out", tmp_path / "s.csv")
    _user_error(res, "bad.csv.gz", "damaged", out=tmp_path / "s.csv")


def test_state_of_random_bytes(d, tmp_path):
    (d / "state.json").write_bytes(os.urandom(300) + b"\xff")
    res = run(
        "campaign",
        "step",
        "--state",
        d / "state.json",
        "--budget",
        "100",
        "--out",
        tmp_path / "s.csv",
    )
    _user_error(res, "state.json", "not UTF-8 JSON", out=tmp_path / "s.csv")


@pytest.mark.parametrize("which", ["model", "bundle", "state"])
def test_json_nested_200000_levels(d, tmp_path, which):
    deep = d / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    args = {
        "model": ["score", "apply", deep, d / "leads.csv", "--out", tmp_path / "o.csv"],
        "bundle": ["qualify", "apply", deep, d / "leads.csv", "--out", tmp_path / "o.csv"],
        "state": [
            "campaign",
            "step",
            "--state",
            deep,
            "--budget",
            "100",
            "--out",
            tmp_path / "o.csv",
        ],
    }[which]
    _user_error(run(*args), "deep.json", "nests deeper", out=tmp_path / "o.csv")


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda m: m["preprocessing"]["plans"][0].update(kind="eval"), ["plans[0].kind", "'eval'"]),
        (lambda m: m["mains"][0]["values"].__setitem__(0, "a"), ["mains[0].values[0]", "number"]),
        (lambda m: m.update(intercept=float("nan")), ["not valid JSON", "NaN"]),
        (lambda m: m.update(intercept=float("inf")), ["not valid JSON", "Infinity"]),
    ],
)  # fmt: skip
def test_damaged_model_fields(d, tmp_path, edit, words):
    doc = json.loads((d / "model.json").read_text())
    edit(doc)
    (d / "model.json").write_text(json.dumps(doc))
    res = run("score", "apply", d / "model.json", d / "leads.csv", "--out", tmp_path / "s.csv")
    _user_error(res, "model.json", *words, out=tmp_path / "s.csv")


def test_overflowing_number_in_a_model(d, tmp_path):
    text = (d / "model.json").read_text().replace('"intercept": ', '"intercept": 1e999, "was": ', 1)
    (d / "model.json").write_text(text)
    res = run("score", "apply", d / "model.json", d / "leads.csv", "--out", tmp_path / "s.csv")
    _user_error(res, "1e999", out=tmp_path / "s.csv")


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda b: b.update(grade_cuts="x"), ["grade_cuts", "not 'x'"]),
        (lambda b: b["models"].pop("conversion"), ["models.conversion", "missing"]),
        (lambda b: b["settings"].update(horizons=[30, -5]), ["settings.horizons[1]", "[1, 36500]"]),
    ],
)  # fmt: skip
def test_damaged_bundle_fields(d, tmp_path, edit, words):
    doc = json.loads((d / "bundle.json").read_text())
    edit(doc)
    (d / "bundle.json").write_text(json.dumps(doc))
    res = run("qualify", "apply", d / "bundle.json", d / "leads.csv", "--out", tmp_path / "p.csv")
    _user_error(res, "bundle.json", *words, out=tmp_path / "p.csv")
    assert "KeyError" not in res.output


def test_history_with_foreign_columns(d):
    (d / "h.csv").write_text("a,b\n1,2\n")
    res = run("score", "rescore", d / "bundle.json", d / "leads.csv", "--history", d / "h.csv")
    _user_error(res, "h.csv", "score history", "--history")
    assert (d / "h.csv").read_text() == "a,b\n1,2\n"


# ------------------------------------------------------------- wrong answers, exit 0
@pytest.mark.parametrize(
    "old, new, words",
    [("points = 50", "points = nan", ["'points'", "finite"]), ("hot_threshold = 100", "hot_threshold = inf", ["'hot_threshold'", "finite"])],
)  # fmt: skip
def test_rules_file_nan_and_inf(d, tmp_path, old, new, words):
    text = (d / "rules.toml").read_text()
    assert old in text
    (d / "rules.toml").write_text(text.replace(old, new, 1))
    res = run("score", "rules", d / "rules.toml", d / "leads.csv", "--out", tmp_path / "r.csv")
    _user_error(res, "rules.toml", *words, out=tmp_path / "r.csv")


def test_commission_rate_20_is_a_percentage(d):
    text = (d / "economics.toml").read_text()
    assert "commission_rate = 0.20" in text
    (d / "economics.toml").write_text(
        text.replace("commission_rate = 0.20", "commission_rate = 20", 1)
    )
    res = run(
        "roi", "evaluate", d / "scored.csv", "--threshold", "1.5", "--economics", d / "economics.toml"
    )  # fmt: skip
    _user_error(res, "economics.toml", "commission_rate", "0.20 for 20 %")


@pytest.mark.parametrize(
    "value, words",
    [(1.5, ["outside [0, 1]", "row 4"]), (-5, ["outside [0, 1]"]), (1e308, ["1e+308"]), ("pct", ["percentage"])],
)  # fmt: skip
def test_plan_rejects_probabilities_out_of_range(d, tmp_path, value, words):
    def edit(f):
        if value == "pct":
            return f.assign(p_convert=f["p_convert"] * 100)
        f.loc[3, "p_convert"] = value
        return f

    _edit_csv(d / "profile.csv", edit)
    res = run(
        "plan", d / "profile.csv", "--consultants", d / "team.csv", "--out", tmp_path / "q.csv"
    )
    _user_error(res, "profile.csv", "p_convert", *words, out=tmp_path / "q.csv")


def test_one_text_cell_in_a_numeric_column(d, tmp_path):
    def edit(f):
        f["years_experience"] = f["years_experience"].astype(object)
        f.loc[6, "years_experience"] = "abc"
        return f

    _edit_csv(d / "closed.csv", edit)
    res = run(
        "score",
        "fit",
        d / "closed.csv",
        "--target",
        "converted",
        "--model-out",
        tmp_path / "m.json",
    )
    _user_error(res, "closed.csv", "years_experience", "row 7", "'abc'", out=tmp_path / "m.json")


def test_duplicate_column_names(d, tmp_path):
    text = (d / "scored.csv").read_text().splitlines()
    text[0] = text[0].replace("channel", "p_convert", 1)
    (d / "scored.csv").write_text("\n".join(text) + "\n")
    res = run(
        "price",
        "leads",
        d / "scored.csv",
        "--target-margin",
        "0.3",
        "--c-high",
        "40",
        "--c-low",
        "20",
        "--out",
        tmp_path / "p.csv",
    )
    _user_error(res, "duplicate column", "p_convert", out=tmp_path / "p.csv")


def test_curve_scale_1e308(d):
    _edit_csv(d / "curves.csv", lambda f: f.assign(scale=1e308))
    _user_error(run("allocate", "solve", d / "curves.csv", "--budget", "1000"), "scale", "1e+308")


def test_allocate_fit_on_negative_values(d, tmp_path):
    _edit_csv(d / "channels.csv", lambda f: f.assign(value=-f["value"]))
    res = run("allocate", "fit", d / "channels.csv", "--out", tmp_path / "c.csv")
    _user_error(res, "channels.csv", "value", "below 0", out=tmp_path / "c.csv")


def test_plan_duplicated_lead_id_error_or_dedupe(d, tmp_path):
    _edit_csv(d / "profile.csv", lambda f: pd.concat([f, f.head(1)], ignore_index=True))
    out = tmp_path / "q.csv"
    res = run("plan", d / "profile.csv", "--consultants", d / "team.csv", "--out", out)
    _user_error(res, "lead_id", "--dedupe", out=out)
    ok = run("plan", d / "profile.csv", "--consultants", d / "team.csv", "--out", out, "--dedupe")
    assert ok.exit_code == 0, ok.output
    queue = pd.read_csv(out, dtype={"lead_id": str})
    assert not queue["lead_id"].duplicated().any()
    assert len(queue) == len(pd.read_csv(d / "profile.csv")) - 1
    assert "dropped 1 row" in ok.output


def test_campaign_spend_with_duplicate_channel_rows(d, tmp_path):
    _edit_csv(d / "spend.csv", lambda f: pd.concat([f, f.head(1)], ignore_index=True))
    before = (d / "state.json").read_bytes()
    res = run(
        "campaign",
        "step",
        "--state",
        d / "state.json",
        "--budget",
        "20000",
        "--leads",
        d / "profile.csv",
        "--spend",
        d / "spend.csv",
        "--out",
        tmp_path / "s.csv",
    )
    _user_error(res, "spend.csv", "channel", "one row per channel", out=tmp_path / "s.csv")
    assert (d / "state.json").read_bytes() == before


# ---------------------------------------------------------- messages name file and fix
def test_plan_missing_value_names_the_file(d, tmp_path):
    _edit_csv(d / "profile.csv", lambda f: f.assign(p_convert=f["p_convert"].where(f.index != 3)))
    res = run(
        "plan", d / "profile.csv", "--consultants", d / "team.csv", "--out", tmp_path / "q.csv"
    )
    _user_error(res, "profile.csv", "p_convert", "row 4", "Fill them in")


@pytest.mark.parametrize("cmd", ["compare", "qualify apply", "rescore"])
def test_missing_column_messages_name_the_file(d, tmp_path, cmd):
    _edit_csv(d / "leads.csv", lambda f: f.drop(columns=["expected_salary"]))
    _edit_csv(d / "closed.csv", lambda f: f.drop(columns=["expected_salary"]))
    args = {
        "compare": ["score", "compare", d / "model.json", d / "rules.toml", d / "closed.csv", "--target", "converted"],
        "qualify apply": ["qualify", "apply", d / "bundle.json", d / "leads.csv", "--out", tmp_path / "p.csv"],
        "rescore": ["score", "rescore", d / "bundle.json", d / "leads.csv", "--history", tmp_path / "h.csv"],
    }[cmd]  # fmt: skip
    res = run(*args)
    _user_error(res, "expected_salary")
    assert "File '" in res.output and "The table" not in res.output


def test_a_300000_character_cell_is_not_echoed(d, tmp_path):
    def edit(f):
        f["age"] = f["age"].astype(object)
        f.loc[2, "age"] = "x" * 300_000
        return f

    _edit_csv(d / "leads.csv", edit)
    res = run("score", "apply", d / "model.json", d / "leads.csv", "--out", tmp_path / "s.csv")
    _user_error(res, "age", "row 3", "300,000 characters")
    assert len(res.output) < 2_000


def test_evaluate_with_one_outcome_class(d):
    _edit_csv(d / "scored.csv", lambda f: f[f["converted"] == 1])
    res = run("score", "evaluate", d / "scored.csv", "--target", "converted")
    _user_error(res, "scored.csv", "0 lost", "both won and lost leads")
