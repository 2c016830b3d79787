"""Helpers of the service tests: live ``leadlever serve`` processes, a temporary
PostgreSQL cluster, raw HTTP calls (standard library only, so a test measures the
server and not a client library)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "OUTCOME_FIELDS",
    "LiveServer",
    "free_port",
    "http",
    "start_server",
    "start_postgres",
]

#: fields of the simulated lead table that are outcomes (never posted with a new lead)
OUTCOME_FIELDS = ("converted", "days_to_convert", "placement_salary", "commission",
                  "n_interactions", "effort_hours", "fit_feedback", "resale_value")  # fmt: skip
#: seconds a server may take to start accepting connections
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, timeout: float = 60.0) -> tuple[int, dict]:
    """(status, JSON body) of one request."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@dataclass
class LiveServer:
    process: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(db: str, folder: Path, *args: str) -> LiveServer:
    """``leadlever serve --db DB`` on a free loopback port; waits until it answers."""
    port = free_port()
    exe = Path(sys.executable).with_name("leadlever")
    log = folder / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--db", db, "--port", str(port), "--log-level", "warning", *args],
            stdout=out, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"leadlever serve exited {proc.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            status, _ = http("GET", url + "/models", timeout=2)
            if status == 200:
                return LiveServer(proc, url, log)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(
        f"leadlever serve did not start in {START_TIMEOUT} s: {log.read_text()[-2000:]}"
    )


@dataclass
class Postgres:
    data: Path
    port: int
    run_as: list[str]
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql://leadlever@127.0.0.1:{self.port}/leadlever"

    def stop(self) -> None:
        subprocess.run([*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(self.data.parent, ignore_errors=True)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def start_postgres(folder: Path) -> Postgres:
    """initdb into ``folder`` and start a server on a free port (as the ``postgres`` user when
    running as root); skips the test with the reason when that cannot be done."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql) and "
                    "LEADLEVER_TEST_POSTGRES_URL is not set; .ci/run provides one")  # fmt: skip
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as 'postgres'
        import pwd

        runuser = shutil.which("runuser")
        try:
            pg = pwd.getpwnam("postgres")
        except KeyError:
            pg = None
        if runuser is None or pg is None:
            pytest.skip("running as root without runuser or a 'postgres' user: cannot start "
                        "PostgreSQL unprivileged")  # fmt: skip
        run_as = [runuser, "-u", "postgres", "--"]
        folder = Path(tempfile.mkdtemp(prefix="leadlever-pg-"))  # reachable by 'postgres'
        os.chown(folder, pg.pw_uid, pg.pw_gid)
    data = folder / "data"
    port = free_port()
    steps = [
        [initdb, "-D", str(data), "-A", "trust", "-U", "leadlever", "--no-sync"],
        [
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(folder / "pg.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
            "start",
        ],  # fmt: skip
    ]
    for cmd in steps:
        done = subprocess.run([*run_as, *cmd], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"could not start PostgreSQL ({' '.join(cmd[:1])}): {done.stderr[-500:]}")
    server = Postgres(data, port, run_as, pg_ctl)
    createdb = _pg_bin("createdb")
    subprocess.run([*run_as, createdb, "-h", "127.0.0.1", "-p", str(port), "-U", "leadlever",
                    "leadlever"], check=True, capture_output=True)  # fmt: skip
    return server
