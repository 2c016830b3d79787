"""Scheduled rescoring in a live server, the serve command's option errors, and the light
import of the command line (no web framework or database layer until a command needs it)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from server_helpers import http, start_server
from typer.testing import CliRunner

#: longest wait for two scheduled rescorings at a 1 s interval
SCHEDULE_WAIT = 60.0


def test_rescore_every_rescores_open_leads_on_schedule(tmp_path, bundle_path, lead_pool):
    records, _ = lead_pool
    server = start_server(str(tmp_path / "s.db"), tmp_path, "--model", str(bundle_path),
                          "--rescore-every", "1s")  # fmt: skip
    try:
        assert http("POST", server.url + "/leads", records[1500:1510])[0] == 200
        lead = records[1500]["lead_id"]
        http(
            "POST",
            server.url + "/outcomes",
            {"lead_id": records[1501]["lead_id"], "outcome": "lost"},
        )
        deadline = time.monotonic() + SCHEDULE_WAIT
        triggers: list[str] = []
        while time.monotonic() < deadline:
            triggers = [
                h["trigger"] for h in http("GET", f"{server.url}/leads/{lead}")[1]["history"]
            ]
            if triggers.count("scheduled") >= 2:
                break
            time.sleep(0.5)
        assert triggers[0] == "arrival" and triggers.count("scheduled") >= 2, triggers
        closed = http("GET", f"{server.url}/leads/{records[1501]['lead_id']}")[1]["history"]
        assert [h["trigger"] for h in closed] == ["arrival"]  # a closed lead is not rescored
    finally:
        server.stop()


def test_serve_rejects_bad_options_before_starting(tmp_path):
    from leadlever.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["serve", "--db", str(tmp_path / "x.db"), "--rescore-every", "daily"])
    assert out.exit_code == 2 and "90s, 30m, 12h, 1d or 1w" in out.output
    out = runner.invoke(app, ["serve", "--db", "mysql://a@b/c"])
    assert out.exit_code == 2 and "PostgreSQL" in out.output
    out = runner.invoke(app, ["serve", "--db", str(tmp_path / "x.db"), "--threshold", "nan"])
    assert out.exit_code == 2 and "finite" in out.output


def test_command_line_import_loads_no_server_stack():
    code = (
        "import json, sys, leadlever.cli, leadlever.server\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'sqlalchemy', 'alembic', 'uvicorn', 'pydantic', 'jinja2'))\n"
        "print(json.dumps(mods))"
    )
    # from another folder: in the checkout, `leadlever/` would shadow the installed package
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == []


def test_a_profit_metric_needs_its_own_threshold(tmp_path, bundle_path):
    from fastapi.testclient import TestClient

    from leadlever.engine.exceptions import ParameterError
    from leadlever.server import ServerConfig, create_app

    app = create_app(ServerConfig(db=str(tmp_path / "p.db"), metric="profit"))
    try:
        with TestClient(app):
            raise AssertionError("the service started with an ROI threshold on a profit metric")
    except ParameterError as exc:
        assert "--threshold" in str(exc) and "'profit'" in str(exc)
    app = create_app(ServerConfig(db=str(tmp_path / "p.db"), metric="profit", threshold=500.0,
                                  model=str(bundle_path)))  # fmt: skip
    with TestClient(app) as c:
        got = c.post("/leads", json={"lead_id": "p1", "channel": "social"}).json()
        assert got["threshold"] == 500.0
        assumed = {a["name"]: a for a in got["assumptions"]}
        assert assumed["metric"] == {"name": "metric", "value": "profit", "source": "option"}
        assert got["verdict"]["feedback"] == (
            "positive" if got["expected_value"] >= 500 else "negative"
        )
