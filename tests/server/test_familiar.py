"""``POST /leads`` says which fields hold a category the model was not fitted on, lead by
lead (``unfamiliar_fields``), and gives a batch the warnings ``qualify apply`` gives the same
leads (one answer). The service's per-lead check reads records directly; it is compared with
the library's :func:`unfamiliar_values` on the same records."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.scoring._familiarity import UNFAMILIAR_MIN_ROWS, unfamiliar_values
from leadlever.server._familiar import FamiliarFields


def _odd(records):
    """Copies of the records with unseen, padded, empty and missing categories."""
    out = [dict(r) for r in records]
    edits = [("channel", "tiktok"), ("channel", "  social  "), ("channel", ""),
             ("channel", None), ("industry", "mining"), ("industry", " Mining "),
             ("education", "other"), ("education", "missing"), ("city", "Atlantis\t")]  # fmt: skip
    for i, (col, value) in enumerate(edits * 3):
        out[i * 7 % len(out)][col] = value
    return out


def test_the_per_lead_check_agrees_with_the_library(bundle, lead_pool):
    records = _odd(lead_pool[0][:200])
    model = bundle.conversion
    fast = FamiliarFields(model).of(records)
    library = unfamiliar_values(model, pd.DataFrame.from_records(records))
    assert fast == library
    flagged = {k for f in fast for k in f}
    assert flagged >= {"channel", "industry", "city"} and sum(map(bool, fast)) >= 4
    # a category sent as a number is left to the library (the same answer either way)
    records[3]["industry"] = 7
    assert FamiliarFields(model).of(records) == unfamiliar_values(
        model, pd.DataFrame.from_records(records)
    )
    assert FamiliarFields(model).of(records)[3]["industry"] == "7"


def test_a_posted_lead_names_its_unfamiliar_fields(client, lead_pool):
    records, _ = lead_pool
    known = client.post("/leads", json=records[700]).json()
    assert known["unfamiliar_fields"] == {} and known["warnings"] == []
    lead = {**records[701], "channel": "tiktok", "industry": " mining "}
    got = client.post("/leads", json=lead).json()
    assert got["unfamiliar_fields"] == {"channel": "tiktok", "industry": "mining"}
    assert got["warnings"] == []  # one lead: no share to warn about (as qualify apply)


def test_a_batch_gets_the_warnings_qualify_apply_gives(client, bundle_path, lead_pool, tmp_path):
    records, _ = lead_pool
    batch = [dict(r) for r in records[800:860]]
    for r in batch[: UNFAMILIAR_MIN_ROWS + 5]:
        r["channel"] = "tiktok"
    r = client.post("/leads", json=batch)
    assert r.status_code == 200, r.text
    got = r.json()
    assert sum(lead["unfamiliar_fields"] == {"channel": "tiktok"} for lead in got["leads"]) == 15
    assert len(got["warnings"]) == 1 and "'tiktok' (15)" in got["warnings"][0]
    path = tmp_path / "batch.csv"
    pd.DataFrame.from_records(batch).to_csv(path, index=False)
    res = CliRunner().invoke(
        app,
        ["qualify", "apply", str(bundle_path), str(path), "--out", str(tmp_path / "p.csv"),
         "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert got["warnings"][0] in cli["warnings"]


def test_leads_posted_one_at_a_time_add_up_in_the_ledger_and_the_rescoring(
    client, bundle_path, lead_pool, tmp_path
):
    """One lead has no share to warn about; forty posted singly do. The ledger, the
    dashboard, POST /rescore and `score rescore` on a file of the same leads give the
    warning `qualify apply` gives them."""
    records, _ = lead_pool
    leads = [dict(r) for r in records[900:940]]
    for r in leads[:15]:
        r["channel"] = "tiktok"
    for r in leads:
        got = client.post("/leads", json=r).json()
        assert got["warnings"] == []
    inputs = client.get("/ledger").json()["inputs"]
    assert inputs["n_checked"] == 40 and len(inputs["warnings"]) == 1
    warning = inputs["warnings"][0]
    assert "15 of 40 leads" in warning and "'tiktok' (15)" in warning
    path = tmp_path / "leads.csv"
    pd.DataFrame.from_records(leads).to_csv(path, index=False)
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["qualify", "apply", str(bundle_path), str(path), "--out", str(tmp_path / "p.csv"),
         "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert warning in json.loads(res.stdout)["warnings"]
    assert client.post("/rescore").json()["warnings"] == [warning]
    assert 'id="input-warnings"' in client.get("/").text and "tiktok" in client.get("/").text
    res = runner.invoke(
        app,
        ["score", "rescore", str(bundle_path), str(path), "--history",
         str(tmp_path / "history.csv"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["warnings"] == [warning]
    res = runner.invoke(
        app,
        ["score", "rescore", str(bundle_path), str(path), "--history",
         str(tmp_path / "history.csv")],
    )  # fmt: skip
    assert res.exit_code == 0 and f"Warning: {warning}" in " ".join(res.stderr.split())


def test_the_input_check_reads_the_latest_open_leads(client, lead_pool):
    """``active_leads(latest=k)``: the k most recently posted leads without an outcome, in the
    order they were posted (brute force: the posting order minus the closed ones)."""
    records, _ = lead_pool
    posted = records[1000:1010]
    for r in posted:
        assert client.post("/leads", json=r).status_code == 200
    closed = {posted[9]["lead_id"], posted[6]["lead_id"]}
    for lid in closed:
        assert client.post("/outcomes", json={"lead_id": lid, "outcome": "lost"}).status_code == 200
    store = client.app.state.service.store
    still_open = [r["lead_id"] for r in posted if r["lead_id"] not in closed]
    for k in (1, 3, 8, 50):
        assert store.active_leads(latest=k)["lead_id"].tolist() == still_open[-k:]
    assert store.active_leads()["lead_id"].tolist() == still_open


def test_text_in_a_numeric_field_is_refused_as_a_file_would_be(client, bundle, lead_pool):
    """A number field holding text is refused (422, nothing stored), as `qualify apply`
    refuses a file with it; numbers sent as text, empty text and null are fine. The fields
    at fault are the ones the model reads as numbers (from the model, not a list here)."""
    records, _ = lead_pool
    numeric = {p["name"] for p in bundle.conversion.preprocessor_.plans_ if p["kind"] == "numeric"}
    assert {"age", "current_salary"} <= numeric
    bad = {**records[1100], "age": "abc", "current_salary": "lots"}
    r = client.post("/leads", json=bad)
    assert r.status_code == 422 and r.json()["error"] == "DataError"
    message = r.json()["message"]
    assert "Field 'age' holds 'abc'; field 'current_salary' holds 'lots'" in message
    assert client.get(f"/leads/{bad['lead_id']}").status_code == 404
    batch = [{**records[1101], "age": "31"}, {**records[1102], "age": "n/a?"}]
    r = client.post("/leads", json=batch)
    assert r.status_code == 422 and "Field '[1].age' holds 'n/a?'" in r.json()["message"]
    ok = [
        {**records[1103], "age": " 31 "},
        {**records[1104], "age": ""},
        {**records[1105], "age": None},
    ]
    r = client.post("/leads", json=ok)
    assert r.status_code == 200, r.text
    # " 31 " is read as the number 31, as a file's cell is
    as_number = client.post("/leads", json={**records[1106], "age": 31}).json()["p_convert"]
    as_text = client.post("/leads", json={**records[1106], "lead_id": "t-1106", "age": " 31 "})
    assert as_text.json()["p_convert"] == as_number


def test_each_lead_of_a_batch_names_its_missing_fields(client, lead_pool):
    records, _ = lead_pool
    a = {k: v for k, v in records[1200].items() if k != "age"}
    b = {k: v for k, v in records[1201].items() if k != "skills_match"}
    got = client.post("/leads", json=[a, b]).json()
    assert got["missing_fields"] == []  # no field is missing from every lead
    assert [lead["missing_fields"] for lead in got["leads"]] == [["age"], ["skills_match"]]


def test_unknown_paths_methods_and_broken_json_answer_with_error_and_message(client):
    r = client.get("/nothing-here")
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
    assert "GET /docs" in r.json()["message"]
    r = client.delete("/leads/L-1")
    assert r.status_code == 405 and r.json()["error"] == "MethodNotAllowed"
    r = client.post("/leads", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "RequestValidationError"
    assert r.json()["message"].startswith("The body is not valid JSON (at character 1)")
