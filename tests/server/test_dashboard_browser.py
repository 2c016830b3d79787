"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright
(``executable_path``; no browser is downloaded). Pages render, the charts decode, and a
lead posted through the API appears in the work queue."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from server_helpers import http, start_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test",
)


@pytest.fixture
def browser_page(tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install '.[test]' (playwright)"
    )
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 1600},
        )  # fmt: skip
        try:
            yield context.new_page()
        finally:
            context.close()


def _charts_decoded(page) -> list[int]:
    return page.eval_on_selector_all(
        "img.chart", "imgs => imgs.map(i => i.complete ? i.naturalWidth : -1)"
    )


def test_dashboard_renders_charts_and_shows_a_posted_lead(
    browser_page, tmp_path, bundle_path, lead_pool
):
    records, truth = lead_pool
    server = start_server(str(tmp_path / "ui.db"), tmp_path, "--model", str(bundle_path),
                          "--threshold", "15")  # fmt: skip
    try:
        page = browser_page
        page.goto(server.url + "/")
        assert "No open leads yet" in page.inner_text("#queue")  # an empty service explains itself
        batch = records[:80]
        status, posted = http("POST", server.url + "/leads", batch)
        assert status == 200
        won = truth.set_index("lead_id")["true_will_convert"]
        for r in batch[:40]:  # outcomes from the simulator's truth
            outcome = {"lead_id": r["lead_id"], "outcome": "won" if won[r["lead_id"]] else "lost"}
            if won[r["lead_id"]]:
                outcome["value"] = 15000.0
            assert http("POST", server.url + "/outcomes", outcome)[0] == 200
        channels = sorted({r["channel"] for r in batch})
        assert (
            http("POST", server.url + "/campaign/step", {"budget": 9000, "channels": channels})[0]
            == 200
        )
        new = dict(records[3500], lead_id="BROWSER-1")
        status, answer = http("POST", server.url + "/leads", new)
        assert status == 200
        page.goto(server.url + "/")
        widths = _charts_decoded(page)
        assert len(widths) == 3 and min(widths) > 300  # calibration, feedback, split: all decoded
        queue = page.inner_text("#queue")
        assert page.locator("#queue tr").count() == 1 + 41  # header + every open lead (<= 50 shown)
        row = page.locator("#queue tr", has_text="BROWSER-1").inner_text()
        assert answer["action"]["action"] in row and answer["action"]["reason"] in row
        assert "reinforce" in page.inner_text("#feedback") or "correct" in page.inner_text(
            "#feedback"
        )
        open_answers = posted["leads"][40:] + [answer]
        sold = [a for a in open_answers if a["action"]["action"] == "sell"]
        summary = page.inner_text("#sell-summary")
        assert summary.startswith(f"{len(sold)} open leads to sell")
        assert f"{sum(a['action']['price'] for a in sold):,.0f} asked" in summary
        weeks = page.inner_text("#ledger-weeks")
        assert "closed" in weeks and ("ok" in weeks or "above" in weeks or "below" in weeks)
        page.click("text=BROWSER-1")
        assert "arrival" in page.inner_text("#history")
        shot = tmp_path / "dashboard.png"
        page.goto(server.url + "/")
        page.screenshot(path=str(shot), full_page=True)
        import matplotlib.image as mpimg

        pixels = np.asarray(mpimg.imread(shot))[..., :3]
        assert pixels.shape[0] > 1000 and pixels.std() > 0.05  # a page with content, not blank
        assert "BROWSER-1" in queue
        page.goto(server.url + "/docs")  # the API docs render offline, every endpoint listed
        page.get_by_text("/campaign/step").first.wait_for(timeout=30_000)
        listed = page.inner_text("body")
        for path in ("/leads", "/outcomes", "/events", "/channels/feedback", "/models", "/ledger"):
            assert path in listed, path
    finally:
        server.stop()
