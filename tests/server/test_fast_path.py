"""The service's compiled fast path gives the library's numbers, reasons and actions.

Each lead is scored twice: by :meth:`LeadEvaluator.evaluate` (the library's batch
functions on a one-row frame: ``QualificationBundle.profile``, ``score_table(reasons=True)``,
``evaluate_leads``, ``triage_leads``) and by the compiled
:class:`~leadlever.server._fast_eval.FastEvaluator` on the plain record. The leads are
simulated and then damaged at random (seeded): fields dropped or null, unseen and blank
categories, numbers sent as text, text where a number belongs, extreme values.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

# The fast path was written for the linear scorer; the additive scorer (issue 15) replaced
# it before the port, so its bundles take the library path (leadlever/server/_fast_eval.py
# _known). The comparisons below need a bundle the fast path accepts.
pytestmark = pytest.mark.skip(
    reason="fast path not yet ported to the additive conversion model (issue 16 note); "
    "the service uses the library path, tested in test_api.py"
)

#: relative difference allowed between the two paths' numbers (they run the same
#: operations in the same order; this only absorbs a last-bit difference)
REL_TOL = 1e-12
#: random leads compared one by one, per bundle variant
N_SINGLE = 100
SEED = 16


def _pick(rng, options: list):
    return options[int(rng.integers(len(options)))]


def _damaged(records: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` leads with random damage of every kind the API accepts."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        r = dict(records[int(rng.integers(len(records)))])
        r["lead_id"] = f"fast-{seed}-{i}"
        for key in [k for k in r if k not in ("lead_id", "channel")]:
            u = rng.random()
            v = r[key]
            if u < 0.08:
                del r[key]  # the field is absent
            elif u < 0.14:
                r[key] = None
            elif u < 0.20 and isinstance(v, str):
                r[key] = _pick(rng, ["never-seen-level", "  ", "", f" {v} "])
            elif u < 0.24 and isinstance(v, int | float) and not isinstance(v, bool):
                r[key] = _pick(rng, [str(v), "n/a", v * 1e6, -abs(v) - 1.0, True])
        if rng.random() < 0.1:
            r["channel"] = "a-channel-never-seen"
        out.append(r)
    return out


def _library(evaluator, records, okr):
    frame = pd.DataFrame.from_records(records)
    frame["lead_id"] = frame["lead_id"].astype(str)
    scored, missing = evaluator.evaluate(frame, okr)
    return {c: scored[c].to_numpy(dtype=object).tolist() for c in scored.columns}, missing


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _same(a, b) -> bool:
    if _missing(a) or _missing(b):  # an empty cell: None or NaN alike
        return _missing(a) and _missing(b)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= REL_TOL * max(abs(a), abs(b))
    return a == b and type(a) is type(b)


def _assert_same(fast: dict, lib: dict, records: list[dict]) -> None:
    assert list(fast) == list(lib)
    for col in lib:
        for i, (x, y) in enumerate(zip(fast[col], lib[col], strict=True)):
            if isinstance(y, np.generic):
                y = y.item()
            assert _same(x, y), (col, records[i], x, y)


def _variants(bundle):
    from leadlever.engine.economics import Economics

    roles = tuple(bundle.fit.role_levels_[:2]) if bundle.fit and bundle.fit.roles_ else None
    plain = Economics()
    return {
        "as fitted": (bundle, plain, "roi"),
        "no timing, effort, value or fit model": (
            dataclasses.replace(
                bundle, timing=None, effort=None, value=None, fit=None, resale=None
            ),
            plain,
            "roi",
        ),  # fmt: skip
        "fit as target roles, profit metric, costs by channel": (
            dataclasses.replace(
                bundle, settings=dataclasses.replace(bundle.settings, target_roles=roles)
            ),
            Economics(generation_cost=25.0, generation_cost_by_channel={"referral": 300.0}),
            "profit",
        ),
    }


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_fast_path_equals_the_library_lead_by_lead(bundle, lead_pool, variant):
    from leadlever.server._pipeline import LeadEvaluator, Okr

    name, (b, economics, metric) = list(_variants(bundle).items())[variant]
    evaluator = LeadEvaluator(b, economics, metric)
    fast = evaluator.fast()
    assert fast is not None, name
    okr = Okr(40.0 if metric == "profit" else 1.0, "option", metric)
    records, _ = lead_pool
    leads = _damaged(records, N_SINGLE, SEED + variant)
    actions, tiers = set(), set()
    for lead in leads:
        got, missing = fast.evaluate([lead], okr.threshold)
        want, want_missing = _library(evaluator, [lead], okr)
        _assert_same(got, want, [lead])
        assert missing == sorted(want_missing)
        actions.add(got["action"][0])
        tiers.add(got["tier"][0])
    # the comparison covered more than one branch of the rules
    assert len(actions) >= 2 and len(tiers) >= 2, (actions, tiers)


def test_fast_path_equals_the_library_on_a_batch(bundle, lead_pool):
    """A batch whose columns keep one type each (the library reads a column's type from
    the whole frame), with nulls, unseen categories and a field nobody sent."""
    from leadlever.engine.economics import Economics
    from leadlever.server._pipeline import LeadEvaluator, Okr

    rng = np.random.default_rng(SEED)
    records, _ = lead_pool
    batch = []
    for i, r in enumerate(records[:400]):
        r = {k: v for k, v in r.items() if k != "education"}
        if rng.random() < 0.2:
            r["industry"] = None
        if rng.random() < 0.2:
            r["city"] = "Reykjavik"
        if rng.random() < 0.2:
            r["skills_match"] = None
        batch.append({**r, "lead_id": f"batch-{i}"})
    evaluator = LeadEvaluator(bundle, Economics())
    okr = Okr(1.0, "default")
    got, missing = evaluator.fast().evaluate(batch, okr.threshold)
    want, want_missing = _library(evaluator, batch, okr)
    _assert_same(got, want, batch)
    assert missing == sorted(want_missing) == ["education"]


def test_an_unknown_conversion_model_keeps_the_library_path(bundle, lead_pool):
    """A bundle whose conversion model is not the class the fast path mirrors is scored by
    the library (same answer through :meth:`LeadEvaluator.evaluate_records`)."""
    from leadlever.engine.economics import Economics
    from leadlever.engine.scoring import ConversionModel
    from leadlever.server._pipeline import LeadEvaluator, Okr

    class Scorer(ConversionModel):
        """Another model behind the same interface."""

    other = Scorer.from_dict(bundle.conversion.to_dict())
    changed = dataclasses.replace(bundle, conversion=other)
    evaluator = LeadEvaluator(changed, Economics())
    assert evaluator.fast() is None
    records, _ = lead_pool
    okr = Okr(1.0, "default")
    got, _ = evaluator.evaluate_records(records[:3], okr)
    want, _ = LeadEvaluator(bundle, Economics()).fast().evaluate(records[:3], okr.threshold)
    _assert_same(got, want, records[:3])


def test_a_fast_path_that_disagrees_with_the_library_is_not_used(
    bundle, lead_pool, monkeypatch, caplog
):
    """The compiled path checks itself on probe leads against the library before use: a
    path that is off (here by 1e-6 in probability) is dropped, with a warning, and the leads
    get the library's answers."""
    import logging

    from leadlever.engine.economics import Economics
    from leadlever.server import _fast_eval
    from leadlever.server._pipeline import LeadEvaluator, Okr

    exact = _fast_eval.FastEvaluator.evaluate

    def off(self, records, threshold):
        cols, missing = exact(self, records, threshold)
        cols["p_convert"] = [p + 1e-6 for p in cols["p_convert"]]
        return cols, missing

    monkeypatch.setattr(_fast_eval.FastEvaluator, "evaluate", off)
    evaluator = LeadEvaluator(bundle, Economics())
    with caplog.at_level(logging.WARNING, logger="leadlever.server"):
        assert evaluator.fast() is None
    assert "disagrees with the library" in caplog.text
    records, _ = lead_pool
    okr = Okr(1.0, "default")
    got, _ = evaluator.evaluate_records(records[:3], okr)
    want, _ = _library(evaluator, records[:3], okr)
    _assert_same(got, want, records[:3])
