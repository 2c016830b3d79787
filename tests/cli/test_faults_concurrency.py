"""Faults and concurrency through the real command line (separate processes).

Eight concurrent writers on one score history or one loop state lose and repeat
nothing; a closed stdout after the work is saved is not a failure; a killed run leaves
the old output as it was and its temporary files are removed by the next run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from leadlever.engine.io import read_table
from leadlever.simulations.world import simulate_leads

N_WRITERS = 8
CHANNELS = "professional_network,job_board_a,job_board_b,search_ads,social,referral"


def _cmd(*args: str) -> list[str]:
    # -P: the working directory is not put on sys.path, so a run from the repository root
    # imports the installed package (CI's wheel), not the source folder's bare `leadlever`
    return [sys.executable, "-P", "-c", "from leadlever.cli import main; main()", *args]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(_cmd(*args), cwd=cwd, capture_output=True, text=True, timeout=300)


def _all_ok(procs: list[subprocess.Popen]) -> list[str]:
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "Traceback" not in err, err
        outs.append(out)
    return outs


@pytest.fixture(scope="module")
def lead_files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("faults")
    simulate_leads(500, seed=4).to_csv(d / "leads.csv", index=False)
    res = _run("qualify", "fit", "leads.csv", "--bundle-out", "bundle.json", cwd=d)
    assert res.returncode == 0, res.stderr
    return d


@pytest.mark.slow
def test_eight_concurrent_rescorings_lose_and_repeat_nothing(lead_files, tmp_path):
    history = tmp_path / "history.csv"
    leads = pd.read_csv(lead_files / "leads.csv")
    n_active = int(leads["converted"].isna().sum())
    procs = [
        subprocess.Popen(
            _cmd(
                "score",
                "rescore",
                str(lead_files / "bundle.json"),
                str(lead_files / "leads.csv"),
                "--history",
                str(history),
                "--scored-at",
                f"2026-01-0{k + 1}T00:00:00Z",
                "--json",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for k in range(N_WRITERS)
    ]
    outs = [json.loads(o) for o in _all_ok(procs)]
    hist = read_table(history)
    assert len(hist) == N_WRITERS * n_active
    assert hist.groupby("scored_at").size().tolist() == [n_active] * N_WRITERS
    assert not hist.duplicated(["lead_id", "scored_at"]).any()
    # each run saw the rows of the runs before it: the counts it reports are 1..8 batches
    assert sorted(o["n_history_rows"] for o in outs) == [
        n_active * k for k in range(1, N_WRITERS + 1)
    ]
    assert not list(tmp_path.glob(".*"))  # no lock or temporary file is left


@pytest.mark.slow
def test_a_rescoring_killed_at_any_moment_leaves_whole_batches(lead_files, tmp_path):
    """SIGKILL (nothing can be cleaned up) at several moments of a rescoring: the history
    holds whole batches only, and the next run appends its batch and removes the killed
    runs' temporary files."""
    history = tmp_path / "history.csv"
    n_active = int(pd.read_csv(lead_files / "leads.csv")["converted"].isna().sum())

    def rescore(day: int) -> list[str]:
        return _cmd("score", "rescore", str(lead_files / "bundle.json"),
                    str(lead_files / "leads.csv"), "--history", str(history),
                    "--scored-at", f"2026-02-{day:02d}T00:00:00Z")  # fmt: skip

    first = subprocess.run(rescore(1), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    for day, delay in enumerate((0.2, 0.8, 1.6, 3.2, 6.4), start=2):
        proc = subprocess.Popen(rescore(day), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        sizes = read_table(history).groupby("scored_at").size()
        assert (sizes == n_active).all(), sizes  # whole batches: the old file or the new one
    last = subprocess.run(rescore(20), capture_output=True, text=True, timeout=300)
    assert last.returncode == 0, last.stderr
    hist = read_table(history)
    assert (hist.groupby("scored_at").size() == n_active).all()
    assert "2026-02-20T00:00:00Z" in set(hist["scored_at"].astype(str))
    assert not hist.duplicated(["lead_id", "scored_at"]).any()
    assert not list(tmp_path.glob(".history.csv.leadlever-*.tmp"))


@pytest.mark.slow
def test_eight_concurrent_campaign_steps_each_advance_one_period(lead_files, tmp_path):
    profile = tmp_path / "profile.csv"
    res = _run(
        "qualify", "apply", str(lead_files / "bundle.json"), str(lead_files / "leads.csv"),
        "--out", str(profile), cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    state = tmp_path / "loop.json"
    first = _run(
        "campaign", "step", "--state", str(state), "--budget", "20000",
        "--channels", CHANNELS, "--out", str(tmp_path / "split.csv"), cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    procs = [
        subprocess.Popen(
            _cmd(
                "campaign",
                "step",
                "--state",
                str(state),
                "--budget",
                "20000",
                "--leads",
                str(profile),
                "--out",
                str(tmp_path / f"split{k}.csv"),
                "--json",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for k in range(N_WRITERS)
    ]
    outs = [json.loads(o) for o in _all_ok(procs)]
    assert sorted(o["updated_period"] for o in outs) == list(range(N_WRITERS))
    saved = json.loads(state.read_text())
    assert saved["period"] == N_WRITERS
    for log in saved["logs"].values():
        assert log["period"] == list(range(N_WRITERS))


@pytest.mark.slow
def test_eight_concurrent_steps_on_the_service_database_store_each_period_once(tmp_path):
    """The learner's state in the service's database (``campaign step --db``): a step that
    loses the race for a period stores nothing, writes no --out and says to repeat; every
    stored period is stored once, with its own recommendations."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    db = tmp_path / "loop.db"
    first = _run("campaign", "step", "--db", str(db), "--budget", "5000", "--channels", CHANNELS,
                 "--out", str(tmp_path / "split.csv"), cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    outs = [tmp_path / f"split{k}.csv" for k in range(N_WRITERS)]
    procs = [
        subprocess.Popen(
            _cmd("campaign", "step", "--db", str(db), "--budget", "5000", "--out", str(out)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for out in outs
    ]
    won = 0
    for proc, out in zip(procs, outs, strict=True):
        _, err = proc.communicate(timeout=600)
        assert "Traceback" not in err, err
        if proc.returncode == 0:
            won += 1
            assert out.exists()
        else:
            assert proc.returncode == 2 and "nothing was stored" in err, err
            assert not out.exists()
    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        periods = [r[0] for r in conn.execute(sqlalchemy.text("SELECT period FROM loop_states"))]
        n_recs = conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM recommendations")).scalar()
    engine.dispose()
    assert won >= 1
    assert sorted(periods) == list(range(won + 1))  # the first step's, then one per winner
    assert n_recs == (won + 1) * len(CHANNELS.split(","))


def test_broken_pipe_after_the_work_is_saved_exits_0(lead_files, tmp_path):
    """`leadlever score rescore ... | head -c 0`: the rows are saved once, exit code 0."""
    history = tmp_path / "history.csv"
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        _cmd(
            "score", "rescore", str(lead_files / "bundle.json"), str(lead_files / "leads.csv"),
            "--history", str(history), "--top", "50",
        ),
        stdout=write_end, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.close(write_end)
    os.close(read_end)  # the reader is gone before anything is printed
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    leads = pd.read_csv(lead_files / "leads.csv")
    assert len(read_table(history)) == int(leads["converted"].isna().sum())


def test_stale_temporary_files_of_dead_runs_are_removed(tmp_path):
    from leadlever.engine.io import write_table

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "out.csv"
    stale = tmp_path / f".out.csv.leadlever-{dead.pid}-0badc0de.tmp"
    stale.write_text("half a table")
    alive = tmp_path / f".out.csv.leadlever-{os.getpid()}-0badc0de.tmp"
    alive.write_text("another run's work in progress")
    other = tmp_path / f".other.csv.leadlever-{dead.pid}-0badc0de.tmp"
    other.write_text("belongs to another file")
    write_table(pd.DataFrame({"a": [1]}), target)
    assert not stale.exists()
    assert alive.exists() and other.exists()
    assert read_table(target)["a"].tolist() == [1]


@pytest.mark.slow
def test_demo_killed_mid_run_leaves_the_old_folder_then_replaces_it(tmp_path):
    out = tmp_path / "demo"
    first = _run("demo", "--out", str(out), "--seed", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen(
        _cmd("demo", "--out", str(out), "--seed", "2"),
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in proc.stderr:  # progress lines: kill in the middle of the run
        if line.startswith("[3/"):
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(tmp_path.glob(".demo.leadlever-*"))  # the killed run's work folder
    again = _run("demo", "--out", str(out), "--seed", "2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob(".demo.leadlever-*"))
    assert (out / "report.html").read_bytes() != before["report.html"]


def test_demo_refuses_a_folder_of_other_files_without_force(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    res = _run("demo", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 2
    assert "--force" in res.stderr and "not empty" in res.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert not list(tmp_path.glob(".mine.leadlever-*"))


def test_sigterm_removes_the_temporary_file(tmp_path):
    """SIGTERM unwinds like an exception: no temporary file, no half-written output."""
    proc = subprocess.Popen(
        _cmd("simulate", "leads", "--n", "1000000", "--out", "big.csv.gz"),
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if list(tmp_path.glob(".big.csv.gz.leadlever-*")):
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the run ended before its output was being written")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not (tmp_path / "big.csv.gz").exists()
    assert not list(tmp_path.glob(".big.csv.gz.leadlever-*"))
