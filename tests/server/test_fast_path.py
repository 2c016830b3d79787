"""The service's compiled fast path gives the library's numbers, reasons and actions.

Each lead is scored twice: by :meth:`LeadEvaluator.evaluate` (the library's batch
functions on a one-row frame: ``QualificationBundle.profile``, ``score_table(reasons=True)``,
``evaluate_leads``, ``triage_leads``) and by the compiled
:class:`~leadlever.server._fast_eval.FastEvaluator` on the plain record. The leads are
simulated and then damaged at random (seeded): fields dropped or null, unseen and blank
categories, numbers sent as text, text where a number belongs, extreme values. A foreign
export (other column names, NaN, values far beyond the cells' range) is compared too, and
so are the additive model's log-odds and term contributions on the whole pool.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

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
                r[key] = _pick(
                    rng, [str(v), "n/a", v * 1e6, -abs(v) - 1.0, True, math.nan, math.inf]
                )
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


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    frame["lead_id"] = frame["lead_id"].astype(str)
    return frame


def test_additive_terms_equal_the_library_on_the_pool(bundle, lead_pool):
    """Log-odds and every term's contribution (main effects and pairs) of 4,000 simulated
    leads, plus their reason texts, are the library's exactly."""
    from leadlever.server._fast_additive import AdditiveScorer
    from leadlever.server._fast_reasons import reason_texts
    from leadlever.server._fast_terms import RawValues

    model = bundle.conversion
    assert model.pairs_, "the bundle should have pair terms to compare"
    records, _ = lead_pool
    scorer = AdditiveScorer(model)
    raw = RawValues(records)
    eta, contrib = scorer(raw)
    frame = _frame(records)
    np.testing.assert_array_equal(eta, model.decision_function(frame))
    np.testing.assert_array_equal(contrib, model.contributions(frame).to_numpy())
    p = model.calibrator_.predict(eta)
    want = model.score_table(frame, reasons=True)["reasons"].tolist()
    got = reason_texts(scorer, raw, eta, contrib, p)
    assert got == want
    assert sum(";" in t for t in got) > len(got) // 2  # most leads have several reasons


def _foreign(records: list[dict], seed: int) -> list[dict]:
    """An export from another CRM: two fields under other names (so the model's are
    missing), NaN, numbers far outside every column's cells, unseen and blank categories."""
    rng = np.random.default_rng(seed)
    extremes = [math.nan, math.inf, -math.inf, 1e300, -1e300, 0.0, -1.0, 1e9, "1e400", " 7 "]
    out = []
    for i, r in enumerate(records):
        lead = {"lead_id": f"foreign-{i}", "channel": r["channel"]}
        for key, v in r.items():
            if key in ("lead_id", "channel"):
                continue
            name = {"age": "Age", "industry": "Sector"}.get(key, key)
            if isinstance(v, str):
                v = _pick(rng, [v, v, "Unseen Level", "", math.nan])
            elif isinstance(v, int | float) and not isinstance(v, bool):
                v = _pick(rng, [v, *extremes])
            lead[name] = v
        out.append(lead)
    return out


def test_fast_path_equals_the_library_on_a_foreign_export(bundle, lead_pool):
    """Lead by lead, then as one batch."""
    from leadlever.engine.economics import Economics
    from leadlever.server._pipeline import LeadEvaluator, Okr

    evaluator = LeadEvaluator(bundle, Economics())
    fast = evaluator.fast()
    assert fast is not None
    okr = Okr(1.0, "default")
    records, _ = lead_pool
    leads = _foreign(records[:60], SEED)
    for lead in leads[:30]:
        got, missing = fast.evaluate([lead], okr.threshold)
        want, want_missing = _library(evaluator, [lead], okr)
        _assert_same(got, want, [lead])
        assert missing == sorted(want_missing) == ["age", "industry"]
    got, _ = fast.evaluate(leads, okr.threshold)
    want, _ = _library(evaluator, leads, okr)
    _assert_same(got, want, leads)
    assert any("missing" in t for t in got["reasons"])  # the missing cells gave reasons


def test_a_category_sent_as_a_number_takes_the_library_path(bundle, lead_pool):
    """pandas types such a column from the whole batch (``3`` or ``3.0``): the fast path
    refuses it and the service answers with the library's path."""
    from leadlever.engine.economics import Economics
    from leadlever.server._fast_terms import Unsupported
    from leadlever.server._pipeline import LeadEvaluator, Okr

    evaluator = LeadEvaluator(bundle, Economics())
    records, _ = lead_pool
    leads = [{**records[0], "education": 3}, {**records[1], "education": None}]
    okr = Okr(1.0, "default")
    with pytest.raises(Unsupported):
        evaluator.fast().evaluate(leads, okr.threshold)
    got, _ = evaluator.evaluate_records(leads, okr)
    want, _ = _library(evaluator, leads, okr)
    _assert_same(got, want, leads)


def _unknown_calibration(model):
    model.calibrator_.method_ = "beta"  # applied as the identity by the library


def _reordered_cells(model):
    info = next(b for b in model.bins_ if b["kind"] == "categorical")
    info["levels"] = info["levels"][1:2] + info["levels"][:1] + info["levels"][2:]


def _unknown_kind(model):
    model.bins_[next(k for k, b in enumerate(model.bins_) if b["kind"] == "numeric")]["kind"] = (
        "cyclic"
    )


def _pair_table_too_small(model):
    model.pairs_[0]["shape"] = [model.pairs_[0]["shape"][0] - 1, model.pairs_[0]["shape"][1]]


@pytest.mark.parametrize(
    "change", [_unknown_calibration, _reordered_cells, _unknown_kind, _pair_table_too_small]
)
def test_the_gate_refuses_a_structure_the_fast_path_does_not_read(bundle, lead_pool, change):
    """A conversion model whose structure differs from what :mod:`._fast_additive` reads
    is refused by ``_known`` (the service keeps the library path for it)."""
    import copy

    from leadlever.engine.economics import Economics
    from leadlever.server._fast_eval import _known, compile_bundle
    from leadlever.server._pipeline import LeadEvaluator, Okr

    assert _known(bundle)
    other = copy.deepcopy(bundle.conversion)  # to_dict/from_dict share the cell plans
    change(other)
    changed = dataclasses.replace(bundle, conversion=other)
    assert not _known(changed)
    assert compile_bundle(changed, Economics()) is None
    if change is _unknown_calibration:  # the library still scores it: the service answers
        evaluator = LeadEvaluator(changed, Economics())
        assert evaluator.fast() is None
        records, _ = lead_pool
        okr = Okr(1.0, "default")
        got, _ = evaluator.evaluate_records(records[:3], okr)
        want, _ = _library(evaluator, records[:3], okr)
        _assert_same(got, want, records[:3])


def _every_kind(n: int = 800, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Leads with every column kind the additive model bins: numbers with a sentinel (999)
    and a spike at 0, yes/no text, categories with rare levels pooled, ISO dates, a
    category with empty cells."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2026-01-01") - pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    X = pd.DataFrame(
        {
            "visits": np.where(rng.random(n) < 0.1, 999, rng.poisson(4, n)).astype(float),
            "page_value": np.where(rng.random(n) < 0.4, 0.0, rng.lognormal(2, 1, n)),
            "signed_up": rng.choice(["yes", "no"], n),
            "plan": rng.choice(
                ["basic", "pro", "team", "rare1", "rare2"], n, p=[0.4, 0.3, 0.26, 0.02, 0.02]
            ),  # fmt: skip
            "first_seen": days.strftime("%Y-%m-%d"),
            "band": rng.choice(["A", "B", None], n),
        }
    )
    eta = (
        0.3 * np.minimum(X["visits"], 10) - 0.5 * (X["signed_up"] == "no") + 0.02 * X["page_value"]
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-(eta - 1.5)))).astype(int)
    return X, y.to_numpy()


@pytest.mark.parametrize("calibration", ["none", "platt", "isotonic"])
def test_every_column_kind_and_calibration_equals_the_library(calibration):
    """A model the simulator's bundle does not make (sentinel, date, yes/no and pooled
    columns, a monotone column, three pairs, each calibration): log-odds, contributions and
    reasons of posted records equal the library's, in a batch and lead by lead, with values
    beyond the cells, unseen levels and dates, unreadable yes/no and missing fields."""
    from leadlever.engine.scoring import ConversionModel
    from leadlever.server._fast_additive import AdditiveScorer, additive_structure_ok
    from leadlever.server._fast_reasons import reason_texts
    from leadlever.server._fast_terms import RawValues

    X, y = _every_kind()
    model = ConversionModel(sentinels={"visits": [999]}, monotone={"page_value": 1},
                            interactions=3, calibration=calibration).fit(X, y)  # fmt: skip
    kinds = {b["kind"] for b in model.bins_}
    assert kinds == {"numeric", "binary", "categorical", "date"} and len(model.pairs_) == 3
    assert additive_structure_ok(model)
    records = json.loads(X.head(300).to_json(orient="records"))
    for k, r in enumerate(records):
        changes = {0: ("visits", 1e9), 1: ("first_seen", "2030-05-05"), 2: ("plan", "enterprise"),
                   3: ("signed_up", "maybe"), 4: ("first_seen", None), 5: ("page_value", -5.0),
                   6: ("visits", math.nan)}  # fmt: skip
        if k % 8 in changes:
            name, value = changes[k % 8]
            r[name] = value
        if k % 9 == 0:
            del r["band"]
    scorer = AdditiveScorer(model)
    for group in [records] + [[r] for r in records[:40]]:
        raw = RawValues(group)
        eta, contrib = scorer(raw)
        frame = pd.DataFrame.from_records(group)
        frame = frame.assign(**{c: np.nan for c in X.columns if c not in frame})
        np.testing.assert_array_equal(eta, model.decision_function(frame))
        np.testing.assert_array_equal(contrib, model.contributions(frame).to_numpy())
        p = model.calibrator_.predict(eta)
        got = reason_texts(scorer, raw, eta, contrib, p)
        assert got == model.score_table(frame, reasons=True)["reasons"].tolist()
