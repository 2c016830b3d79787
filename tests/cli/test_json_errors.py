"""With ``--json`` a failing command still answers on stdout: one JSON object with the error's
class, its message (the same text as on stderr), the column and rows at fault where the
error knows them, and the exit code. Without ``--json`` stdout stays empty."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()
PRICE = ["--p", "0.3", "--r-high", "500", "--c-high", "120", "--r-low", "80", "--c-low", "40"]


def _said(stderr: str) -> str:
    """stderr as one line, without the frame typer draws around usage errors."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", stderr).split())


@pytest.fixture
def bad_curves(tmp_path):
    path = tmp_path / "curves.csv"
    path.write_text(
        "channel,curve,scale,half_saturation,shape,current_spend\n"
        "Search,hill,60000,8000,1.5,5000\n"
        "Social,sigmoidish,20000,3000,1.2,2000\n",
        encoding="utf-8",
    )
    return path


def test_a_data_error_names_its_column_and_rows_on_stdout(bad_curves):
    res = runner.invoke(app, ["allocate", "solve", str(bad_curves), "--json"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert doc["error"] == "InvalidValueError" and doc["exit_code"] == 2
    assert doc["column"] == "curve" and doc["rows"] == [2]
    assert "'sigmoidish'" in doc["message"] and str(bad_curves) in doc["message"]
    assert res.stderr.strip() == f"Error: {doc['message']}"
    plain = runner.invoke(app, ["allocate", "solve", str(bad_curves)])
    assert plain.exit_code == 2 and plain.stdout == "" and plain.stderr == res.stderr


def test_options_that_do_not_go_together_answer_in_json():
    res = runner.invoke(
        app,
        ["price", "solve", "--for", "p", "--target-profit", "2", "--target-margin", "0.2",
         *PRICE[2:], "--json"],
    )  # fmt: skip
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert doc["error"] == "CommandLineError" and "exactly one of" in doc["message"]
    assert res.stderr.strip() == f"Error: {doc['message']}"


def test_a_usage_error_answers_in_json_through_the_installed_command(tmp_path):
    """Typer rejects a bad option value before the command runs: the console script's group
    answers in JSON too (and only with --json)."""
    script = "from leadlever.cli import main; main()"
    cases = [
        (["allocate", "solve", "x.csv", "--margin", "-1", "--json"], "'--margin'"),
        (["allocate", "nosuch", "--json"], "No such command 'nosuch'"),
        (["--json"], "--json"),  # "No such option: --json" (click 8.3+: "... '--json'.")
    ]
    for argv, words in cases:
        res = subprocess.run(
            [sys.executable, "-c", script, *argv], capture_output=True, text=True, cwd=tmp_path
        )
        assert res.returncode == 2, res.stderr
        doc = json.loads(res.stdout)
        assert doc == {"error": "UsageError", "message": doc["message"], "exit_code": 2}
        assert words in doc["message"] and doc["message"][:40] in _said(res.stderr)
    res = subprocess.run(
        [sys.executable, "-c", script, "allocate", "solve", "x.csv", "--margin", "-1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert res.returncode == 2 and res.stdout == "" and "'--margin'" in _said(res.stderr)


def test_a_successful_run_is_unchanged_by_the_json_group(tmp_path):
    """The group's non-standalone path gives the command's own exit code and output."""
    script = "from leadlever.cli import main; main()"
    res = subprocess.run(
        [sys.executable, "-c", script, "price", *PRICE, "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert "error" not in doc
    # p (R_high - C_high) + (1 - p) (R_low - C_low) = 0.3 * 380 + 0.7 * 40
    assert doc["expected_profit_per_lead"] == pytest.approx(0.3 * 380 + 0.7 * 40)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--budget", "-1000", "--budget (the total over the weeks) is -1,000; it must be >= 0"),
        ("--max-week", "-1", "--max-week is -1; it must be > 0"),
        ("--target", "-5", "--target (the value to reach) is -5; it must be > 0"),
    ],
)
def test_allocate_plan_refuses_negative_amounts(tmp_path, option, value, words):
    """Before, a negative budget became a weekly budget of -250 and a negative target a plan."""
    path = tmp_path / "curves.csv"
    path.write_text(
        "channel,curve,scale,half_saturation,shape,current_spend,max_observed_spend\n"
        "Search,hill,60000,8000,1.5,5000,9000\n"
        "Social,hill,20000,3000,1.2,2000,4000\n",
        encoding="utf-8",
    )
    res = runner.invoke(
        app, ["allocate", "plan", str(path), "--weeks", "4", option, value, "--json"]
    )
    assert res.exit_code == 2
    assert words in json.loads(res.stdout)["message"]
