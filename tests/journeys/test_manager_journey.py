"""The manager's journey on a foreign export: inspect, qualify, plan, price, package.

Closed leads never reach a recommendation, and every figure a decision assumed appears
in its ``assumptions``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _journey import PIPELINE_OUTCOME, VALIANT_OUTCOME, open_ids, run

VALIANT_COLUMNS = (
    "--created-col", "Created Date", "--closed-col", "Close Date",
    "--value-col", "Starting Salary", "--effort-col", "Consultant Hours",
    "--fit-col", "Client Feedback",
)  # fmt: skip


@pytest.fixture(scope="module")
def valiant(exports, tmp_path_factory):
    d = tmp_path_factory.mktemp("manager")
    fit, _ = run(
        "qualify", "fit", exports["valiant"], *VALIANT_OUTCOME, *VALIANT_COLUMNS,
        "--bundle-out", d / "models.json", "--json",
    )  # fmt: skip
    return d, fit


def test_qualify_fit_maps_the_foreign_columns(valiant):
    _, fit = valiant
    status = {c["criterion"]: c["status"] for c in fit["criteria"]}
    assert status == dict.fromkeys(("conversion", "timing", "delivery", "profit", "fit"), "fitted")
    assert fit["columns"]["lead_id"] == "Lead ID" and fit["columns"]["value_is_salary"] is False
    assert "Lead Number" not in fit["features"] and "Status" not in fit["features"]
    assert fit["metrics"]["conversion"]["auc"] > 0.7


def test_manager_journey_keeps_closed_leads_out(valiant, exports):
    d, _ = valiant
    path = exports["valiant"]
    open_ = open_ids(path, "Status", ("Placed", "Lost"))
    (d / "team.csv").write_text("name,weekly_hours,seniority\nAna,40,senior\nBen,40,mid\n")
    prof, _ = run("qualify", "apply", d / "models.json", path, "--out", d / "profile.csv", "--json")
    profile = pd.read_csv(d / "profile.csv", dtype={"lead_id": str})
    assert set(profile["lead_id"]) == open_ and prof["n_closed_excluded"] == 2500 - len(open_)
    # the value model fitted a salary-free value, so no commission rate is assumed
    assumed = {a["name"] for a in prof["assumptions"]}
    assert {"hourly_rate", "legal_fees", "admin_overhead"} <= assumed
    plan, _ = run(
        "plan", d / "profile.csv", "--consultants", d / "team.csv", "--out", d / "q.csv", "--json"
    )
    queue = pd.read_csv(d / "q.csv", dtype={"lead_id": str})
    assert set(queue["lead_id"]) <= open_ and len(queue) == len(open_)
    assert {"hourly_rate", "legal_fees"} <= {a["name"] for a in plan["assumptions"]}
    priced, _ = run(
        "price", "leads", d / "profile.csv", "--target-margin", "0.3", "--c-high", "40",
        "--c-low", "20", "--out", d / "priced.csv", "--json",
    )  # fmt: skip
    assert set(pd.read_csv(d / "priced.csv", dtype={"lead_id": str})["lead_id"]) <= open_
    assert priced["n_leads"] == len(open_)


def test_a_raw_export_with_closed_leads_never_reaches_a_recommendation(valiant, exports):
    """The same checks downstream when a command is given the raw scored export."""
    d, _ = valiant
    path = exports["valiant"]
    run(
        "score", "fit", path, *VALIANT_OUTCOME, "--drop",
        "Starting Salary,Consultant Hours,Client Feedback,Close Date,Created Date",
        "--cv", "3", "--model-out", d / "model.json",
    )  # fmt: skip
    run("score", "apply", d / "model.json", path, "--out", d / "scored.csv")
    scored = pd.read_csv(d / "scored.csv", dtype={"Lead ID": str})
    assert scored["converted"].notna().sum() == (scored["Status"].isin(["Placed", "Lost"])).sum()
    open_ = set(scored.loc[scored["converted"].isna(), "Lead ID"])
    (d / "team.csv").write_text("name,weekly_hours,seniority\nAna,40,senior\n")
    plan, _ = run(
        "plan", d / "scored.csv", "--consultants", d / "team.csv", "--id-col", "Lead ID",
        "--out", d / "q2.csv", "--json",
    )  # fmt: skip
    assert set(pd.read_csv(d / "q2.csv", dtype={"lead_id": str})["lead_id"]) == open_
    # a scored table has no value or effort estimate: both come from the economics, said so
    assumed = {a["name"]: a["source"] for a in plan["assumptions"]}
    assert assumed["value_per_conversion"] == "default" and assumed["effort_hours"] == "default"
    roi, _ = run("roi", "evaluate", d / "scored.csv", "--threshold", "top40%", "--json")
    assert roi["n"] == len(open_) and roi["n_closed_excluded"] == len(scored) - len(open_)


def test_pipeline_plan_for_sales_agents_has_only_open_deals(exports, tmp_path):
    path = exports["pipeline"]
    fit, res = run(
        "qualify", "fit", path, *PIPELINE_OUTCOME, "--created-col", "engage_date",
        "--closed-col", "close_date", "--value-col", "close_value",
        "--bundle-out", tmp_path / "p.json", "--json",
    )  # fmt: skip
    status = {c["criterion"]: (c["status"], c["reason"]) for c in fit["criteria"]}
    assert status["conversion"][0] == status["timing"][0] == status["profit"][0] == "fitted"
    assert status["delivery"][0] == status["fit"][0] == "skipped"
    assert "--effort-col" in status["delivery"][1] and "--fit-col" in status["fit"][1]
    assert any("no better than chance" in w for w in fit["warnings"])
    agents = pd.read_csv(path)["sales_agent"].unique()
    team = pd.DataFrame({"name": agents, "weekly_hours": 40, "seniority": "mid"})
    team.to_csv(tmp_path / "agents.csv", index=False)
    run("qualify", "apply", tmp_path / "p.json", path, "--out", tmp_path / "deals.csv")
    plan, _ = run(
        "plan", tmp_path / "deals.csv", "--consultants", tmp_path / "agents.csv",
        "--out", tmp_path / "queue.csv", "--json",
    )  # fmt: skip
    queue = pd.read_csv(tmp_path / "queue.csv", dtype=str, keep_default_na=False)
    assert set(queue["lead_id"]) == open_ids(path, "deal_stage", ("Won", "Lost"))
    assert any("no better than chance" in w for w in plan["warnings"])
    assert (queue["model_warning"] != "").all()
    hours = pd.DataFrame(plan["consultants"])
    assert (hours["hours_assigned"] <= 40 + 1e-9).all()
    assert {a["name"] for a in plan["assumptions"]} >= {"effort_hours", "hourly_rate"}
