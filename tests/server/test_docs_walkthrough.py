"""docs/server.md's walkthrough, as a new user runs it: its set-up commands, then its curl
blocks against a live ``leadlever serve`` (the documented ``localhost:8000`` replaced by the
test server's address), then the dashboard shows the ledger moved."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO
from server_helpers import http, start_server

DOC = REPO / "docs" / "server.md"
DOC_URL = "http://localhost:8000"


def _blocks() -> list[list[str]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            blocks.append([x for x in lines[i + 1 : j] if x.strip()])
            i = j
        i += 1
    return blocks


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_documented_walkthrough_works(tmp_path):
    setup, *rest = _blocks()
    curl_blocks = [b for b in rest if all(x.startswith("curl ") for x in b)]
    assert len(curl_blocks) == 2, "the walkthrough's curl blocks moved: update this test"
    exe = str(Path(sys.executable).with_name("leadlever"))
    serve_args: list[str] = []
    for line in setup:
        words = shlex.split(line)
        if words[0] == "pip":
            continue  # the test environment has the extra installed
        assert words[0] == "leadlever", line
        if words[1] == "serve":
            serve_args = words[2:]
            continue
        subprocess.run([exe, *words[1:]], cwd=tmp_path, check=True, capture_output=True)
    assert serve_args == ["--model", "models.json"]
    server = start_server(str(tmp_path / "leadlever.db"), tmp_path,
                          "--model", str(tmp_path / "models.json"))  # fmt: skip
    try:
        outputs = []
        for block in curl_blocks:
            for line in block:
                cmd = line.replace(DOC_URL, server.url)
                done = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, capture_output=True,
                                      text=True, timeout=60)  # fmt: skip
                assert done.returncode == 0, (line, done.stderr)
                outputs.append(json.loads(done.stdout))
        scored, outcome, lead, ledger = outputs
        assert 0 < scored["p_convert"] < 1 and scored["reasons"]
        assert scored["action"]["action"] in {"in_house", "nurture", "sell"}
        assert scored["verdict"]["feedback"] in {"positive", "negative"}
        assert outcome["outcome"] == "won" and lead["outcome"]["value"] == 17000
        week = ledger["calibration"]["by_week"][0]
        assert (week["week"], week["n_closed"], week["realised"]) == ("2026-11-30", 1, 1)
        assert week["predicted"] == pytest.approx(scored["p_convert"])
        status, models = http("GET", server.url + "/models")
        assert status == 200 and models[0]["active"]
        import urllib.request

        html = urllib.request.urlopen(server.url + "/", timeout=60).read().decode()
        assert "2026-11-30" in html and 'id="calibration-chart"' in html
    finally:
        server.stop()
