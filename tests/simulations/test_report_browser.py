"""The demo report in a real browser: headless Chromium renders it, images load."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test",
)


def _chromium(args, tmp_path):
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_renders_with_all_images(demo_run, tmp_path):
    out, payload, _ = demo_run
    report = out / "report.html"
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # self-contained: no network
    n_images = html.count("<img ")
    assert n_images >= len(payload["sections"]) - 1 >= 0

    dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", report.as_uri()], tmp_path)
    match = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom.stdout)
    assert match, f"the page's load script did not run: {dom.stderr[-500:]}"
    loaded, total = map(int, match.groups())
    assert total == n_images and loaded == total

    shot = tmp_path / "shot.png"
    _chromium([f"--screenshot={shot}", "--window-size=1100,1400", report.as_uri()], tmp_path)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] > 500
    # not blank: many distinct colours and real contrast
    assert np.asarray(pixels[..., :3]).std() > 0.05
    assert len(np.unique((pixels[..., :3] * 255).astype(int).reshape(-1, 3), axis=0)) > 50
