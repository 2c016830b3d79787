"""``POST /packages``: the library's packager on the open leads, stored as a run and shown on
the dashboard; the same bundles as ``package()`` called directly on the same leads."""

from __future__ import annotations

import pandas as pd
import pytest

from leadlever.simulations.examples import __file__ as EXAMPLES

BUYERS = (pd.io.common.Path(EXAMPLES).parent / "data" / "example_buyers.toml").read_text()


def test_packaging_run_matches_the_library_and_shows_on_the_dashboard(client, lead_pool):
    from leadlever.optimisers.packaging import package, parse_buyers

    records, _ = lead_pool
    batch = records[1600:2000]
    answers = client.post("/leads", json=batch).json()["leads"]
    client.post("/outcomes", json={"lead_id": batch[0]["lead_id"], "outcome": "lost"})
    r = client.post("/packages?leads=open", content=BUYERS.encode())
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["n_offered"] == 399 and got["status"] in {"optimal", "feasible"}
    assert {a["name"]: a["value"] for a in got["assumptions"]}["cost"] == "0 per lead"
    frame = pd.DataFrame(batch[1:]).assign(p_convert=[a["p_convert"] for a in answers[1:]])
    import tomllib

    want = package(frame, parse_buyers(tomllib.loads(BUYERS)))
    assert got["revenue"] == pytest.approx(want.revenue, rel=1e-6)
    assert got["n_sold"] == sum(b.n_leads for b in want.bundles) > 0
    html = client.get("/").text
    assert 'id="packaging-summary"' in html and f"{got['n_sold']} of 399 leads offered sold" in html


def test_packaging_errors_name_the_fix(client, lead_pool):
    records, _ = lead_pool
    r = client.post("/packages", content=BUYERS.encode())
    assert r.status_code == 422 and "Post leads first" in r.json()["message"]
    client.post("/leads", json=records[2100:2110])
    r = client.post("/packages?leads=open", content=b"[[buyer]\nname = ")
    assert r.status_code == 422 and "not valid TOML" in r.json()["message"]
    r = client.post("/packages?leads=open", content=b'[[buyer]]\nname = "x"\npackagez = 2\n')
    assert r.status_code in (400, 422) and "packagez" in r.json()["message"]
    r = client.post("/packages?cost=everything", content=BUYERS.encode())
    assert r.status_code == 422 and "'cost'" in r.json()["message"]
