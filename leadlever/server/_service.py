"""The service's operations, shared by the HTTP routes and the ``--db`` commands.

Each method parses nothing and renders nothing: it takes plain values, calls the
library and the store, and returns a JSON-ready dict (or raises a
:class:`~leadlever.engine.exceptions.LeadLeverError`, which the routes turn into 4xx).
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from leadlever.server._pipeline import LeadEvaluator, Okr
from leadlever.server._store import NotFoundError, Store

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.economics import Economics
    from leadlever.server._database import Database

__all__ = ["Service", "NoModelError"]


class NoModelError(NotFoundError):
    """No qualification bundle has been uploaded yet."""


NO_MODEL = (
    "No model is active, so leads cannot be scored yet. Fit one with `leadlever qualify fit "
    "LEADS.csv --bundle-out models.json` and upload it: `curl -X POST --data-binary "
    "@models.json -H 'Content-Type: application/json' http://HOST:PORT/models` (or start "
    "the server with `leadlever serve --model models.json`)."
)


class Service:
    """Storage plus the active evaluator, reloaded when the active model changes.

    Parameters
    ----------
    db : Database
    economics : Economics, optional
        The business figures (library defaults when omitted, announced as such).
    metric : {"roi", "profit", "margin"}
        What the OKR threshold applies to.
    threshold : float, optional
        OKR threshold given at start-up; an ``okr_change`` event stored later wins.
    """

    def __init__(
        self,
        db: Database,
        *,
        economics: Economics | None = None,
        metric: str = "roi",
        threshold: float | None = None,
    ) -> None:
        from leadlever.engine.economics import Economics
        from leadlever.engine.exceptions import ParameterError
        from leadlever.engine.roi import METRICS

        if metric not in METRICS:
            raise ParameterError(f"--metric must be one of {', '.join(METRICS)}. Got {metric!r}.")
        self.db = db
        self.store = Store(db)
        self.economics = economics or Economics()
        self.metric = metric
        self.start_threshold = threshold
        self._evaluator: LeadEvaluator | None = None
        self._lock = threading.Lock()

    # --------------------------------------------------------------- settings
    def okr(self, stored: tuple[float, str] | None | bool = False) -> Okr:
        """The OKR threshold in force: the latest ``okr_change`` event, else the start-up
        option, else the library's announced default (``stored``: that event's threshold
        and time when already read, see :meth:`scoring_context`)."""
        from leadlever.engine.exceptions import ParameterError
        from leadlever.engine.roi import DEFAULT_OKR_METRIC, DEFAULT_OKR_THRESHOLD

        if stored is False:
            stored = self.store.okr_threshold()
        if stored is not None:
            return Okr(stored[0], "event", self.metric)
        if self.start_threshold is not None:
            return Okr(float(self.start_threshold), "option", self.metric)
        if self.metric != DEFAULT_OKR_METRIC:
            raise ParameterError(
                f"The default OKR threshold ({DEFAULT_OKR_THRESHOLD:g}) is an expected ROI, but "
                f"the metric is '{self.metric}'. Give the threshold on that "
                "metric: `leadlever serve --threshold T`, or POST /events with an okr_change."
            )
        return Okr(DEFAULT_OKR_THRESHOLD, "default", self.metric)

    def scoring_context(self) -> tuple[LeadEvaluator, Okr]:
        """The active model's evaluator and the OKR threshold, from one database read."""
        version, stored = self.store.scoring_state()
        return self.evaluator(version), self.okr(stored)

    def evaluator(self, version: str | None | bool = False) -> LeadEvaluator:
        """The evaluator of the active model (loaded once per model version; ``version``:
        the active version when already read)."""
        if version is False:
            version = self.store.active_version()
        if version is None:
            raise NoModelError(NO_MODEL)
        with self._lock:
            if self._evaluator is None or self._evaluator.model_version != version:
                text = self.store.model_bundle(version)
                from leadlever.engine.io._persist import loads_json
                from leadlever.engine.qualification import QualificationBundle

                bundle = QualificationBundle.from_dict(
                    loads_json(text, source=f"Stored model {version}")
                )
                self._evaluator = LeadEvaluator(bundle, self.economics, self.metric)
                self._evaluator.fast()  # compiled once per model version, before its first lead
            return self._evaluator

    # ------------------------------------------------------------------ leads
    def score_leads(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Score, evaluate, triage and store a batch of leads (all or nothing)."""
        return self.score_groups([records])[0]

    def score_groups(self, groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Several requests' leads scored in one call and stored in one transaction
        (all or nothing); one answer per request."""
        evaluator, okr = self.scoring_context()
        for g in groups:
            evaluator.check_numbers(g, batch=len(g) > 1)
        records = [r for g in groups for r in g]
        cols, missing = evaluator.evaluate_records(records, okr)
        stored_at = self.store.add_arrivals(records, cols, evaluator.model_version, okr)
        answers = lead_answers(cols)
        assumptions = evaluator.assumptions(okr)
        out, start = [], 0
        for g in groups:
            mine = answers[start : start + len(g)]
            start += len(g)
            absent = sorted({c for c in missing if all(c not in r for r in g)})
            strange, warnings = evaluator.familiarity(g)
            required = evaluator.required_fields()
            for answer, record, fields in zip(mine, g, strange, strict=True):
                answer["missing_fields"] = sorted(c for c in required if c not in record)
                answer["unfamiliar_fields"] = fields
            out.append(
                {
                    "stored_at": stored_at,
                    "model_version": evaluator.model_version,
                    "threshold": okr.threshold,
                    "missing_fields": absent,
                    "warnings": warnings,
                    "leads": mine,
                    "assumptions": assumptions,
                }
            )
        return out

    def rescore(
        self,
        trigger: str,
        lead_ids: list[str] | None = None,
        top: int = 5,
        *,
        event: dict[str, Any] | None = None,
        updates: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Re-score the open leads (or ``lead_ids`` among them) and append to the history.

        The history rows are the library's (:func:`rescore_frame`, with the movers), each
        completed with the lead's expected ROI and action as on arrival. ``updates`` (lead id
        -> new field values, from a call) are merged into the stored leads first; the event,
        the updated fields and the new rows are written in one transaction.
        """
        import json

        import pandas as pd

        from leadlever.engine.qualification import RescoreResult, rescore_frame

        evaluator = self.evaluator()
        leads = self.store.active_leads(lead_ids)
        changed: dict[str, str] = {}
        for lid, fields in (updates or {}).items():
            rows = leads.index[leads["lead_id"] == lid] if "lead_id" in leads else []
            for k, v in fields.items():
                if k not in leads.columns:
                    leads[k] = None
                leads.loc[rows, k] = v
            if len(rows):
                record = {
                    k: (v.item() if hasattr(v, "item") else v)  # numpy scalars as JSON numbers
                    for k, v in leads.loc[rows[0]].items()
                    if _present(v)
                }
                changed[lid] = json.dumps(record, default=str)
        warned: list[str] = []
        if leads.empty:
            new = pd.DataFrame(columns=["lead_id"])
            movers = pd.DataFrame(columns=MOVER_COLUMNS)
            from leadlever.server._store import utc_now

            stamp = utc_now()
        else:
            full, _ = evaluator.complete_fields(leads)
            new, movers, stamp, warned = rescore_frame(
                full, evaluator.bundle, self.store.latest_scores()
            )
            scored, _ = evaluator.evaluate(full, self.okr())
            extra = scored[["lead_id", "expected_roi", "expected_resale_value", "reasons",
                            "action", "action_reason", "price"]]  # fmt: skip
            new = new.merge(extra, on="lead_id", how="left")
            new["trigger"] = trigger
        n = self.store.append_history(new, event=event, updates=changed)
        result = RescoreResult(
            self.db.display_url, stamp, evaluator.model_version, new, movers, n, tuple(warned)
        )
        out = result.to_dict(top=top)
        out["trigger"] = trigger
        out["database"] = out.pop("history")
        out.pop("n_history_rows")
        return out

    def package_open_leads(self, buyers_toml: str, cost: str, which: str) -> dict[str, Any]:
        """Run the packager on the open leads (their latest scores and fields) for the buyers
        of a TOML text; store the run."""
        import json
        import tomllib

        from leadlever.engine.exceptions import DataError
        from leadlever.optimisers.packaging import package, parse_buyers
        from leadlever.server._queries import open_scores

        source = "The posted buyers file"
        try:
            doc = tomllib.loads(buyers_toml)
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{source} is not valid TOML ({exc}).") from None
        market = parse_buyers(doc, source=source)
        scores = open_scores(self.db)
        fields = self.store.active_leads()
        fields = fields.drop(columns=[c for c in fields.columns if c in scores and c != "lead_id"])
        frame = scores.merge(fields, on="lead_id", how="left")
        if which == "sell":
            frame = frame[frame["action"] == "sell"]
        if frame.empty:
            raise DataError(
                f"No open lead {'to sell ' if which == 'sell' else ''}is stored: nothing to "
                "package. Post leads first"
                + (", or package every open lead with ?leads=open." if which == "sell" else ".")
            )
        frame = frame.assign(opportunity_cost=frame["in_house_value"].clip(lower=0.0))
        result = package(
            frame.reset_index(drop=True),
            market,
            cost_col="opportunity_cost" if cost == "in_house_value" else None,
            source=source,
        )
        out = result.to_dict()
        out["n_offered"] = int(len(frame))
        out["assumptions"] = [
            {
                "name": "leads",
                "value": which,
                "source": "default" if which == "sell" else "request",
            },
            {
                "name": "cost",
                "value": "0 per lead" if cost == "none" else "expected in-house value",
                "source": "default" if cost == "none" else "request",
            },  # fmt: skip
        ]
        out["stored_at"] = self.store.add_run(
            "package", result.status, json.dumps(out, default=str)
        )
        return out

    def feedback(self, since: str | None) -> dict[str, Any]:
        """Per-channel reinforce/correct over the leads evaluated since ``since``."""
        from leadlever.engine.roi._feedback import MIN_GROUP_LEADS, feedback_frame
        from leadlever.server._queries import channel_sums

        okr = self.okr()
        sums = channel_sums(self.db, okr.threshold, since)
        # as roi evaluate: a channel of fewer leads gets 'too few leads', no spend change
        frame = feedback_frame(sums, okr.threshold, "channel", min_n=MIN_GROUP_LEADS)
        return {
            "since": since,
            "threshold": okr.threshold,
            "metric": self.metric,
            "n": int(sum(s["n"] for s in sums.values())),
            "by_channel": frame.to_dict(orient="records"),
            "assumptions": [
                {"name": "threshold", "value": okr.threshold, "source": okr.source},
                {
                    "name": "since",
                    "value": since or "all stored leads",
                    "source": "request" if since else "default",
                },  # fmt: skip
                {"name": "min_leads_per_group", "value": MIN_GROUP_LEADS, "source": "default"},
            ],
        }

    def inputs(self) -> dict[str, Any]:
        """The latest :data:`INPUT_CHECK_LEADS` open leads against what the active model was
        fitted on: the warnings ``qualify apply`` would give on them (leads posted one at a
        time add up here)."""
        version = self.store.active_version()
        if version is None:
            return {"model_version": None, "n_checked": 0, "warnings": []}
        evaluator = self.evaluator(version)
        leads = self.store.active_leads(latest=INPUT_CHECK_LEADS)
        warned = evaluator.input_warnings(leads) if len(leads) else []
        return {"model_version": version, "n_checked": int(len(leads)), "warnings": warned}

    def ledger(self) -> dict[str, Any]:
        """Calibration ledger and budget-recommendation ledger."""
        import numpy as np

        from leadlever.engine.monitoring import calibration_ledger
        from leadlever.optimisers.learning import recommendation_ledger
        from leadlever.server._loop import lead_periods
        from leadlever.server._queries import arrival_outcomes, loop_periods

        frame = arrival_outcomes(self.db)
        calib = calibration_ledger(frame)
        steps, recs = loop_periods(self.db)
        if len(recs):
            frame["period"] = lead_periods(frame["received_at"], steps)
            mine = frame[frame["period"] >= 0]
            rec = recommendation_ledger(recs, mine).to_dict()
        else:
            rec = {"by_period": []}
        out = {"calibration": calib.to_dict(), "recommendations": rec, "inputs": self.inputs()}
        out["calibration"]["n_leads"] = int(len(frame))
        out["calibration"]["n_closed"] = int(np.isfinite(frame["converted"].astype(float)).sum())
        return out


#: the ledger's input check reads at most this many open leads, the latest posted (reading
#: them is most of its cost: about 16 ms per 1,000 on SQLite)
INPUT_CHECK_LEADS = 10_000

MOVER_COLUMNS = ["lead_id", "score", "tier", "previous_score", "previous_tier", "score_change",
                 "tier_changed"]  # fmt: skip


def _present(v: Any) -> bool:
    """A field value worth storing (not a missing value)."""
    return v is not None and not (isinstance(v, float) and math.isnan(v))


#: the evaluated columns an answer shows besides the criteria, in :func:`lead_answers`' order
ANSWER_COLUMNS = ("lead_id", "channel", "p_convert", "score", "tier", "reasons", "expected_roi",
                  "expected_value", "verdict", "magnitude", "action", "action_reason", "price")  # fmt: skip


def lead_answers(cols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The JSON answer of every evaluated lead (``cols``: one list per evaluated column,
    as :meth:`LeadEvaluator.evaluate_records` gives them), built column by column;
    non-finite numbers become None (strict JSON)."""
    from leadlever.server._pipeline import PROFILE_OUT

    n = len(cols["lead_id"])

    def column(name: str) -> list[Any]:
        values = cols.get(name)
        if values is None:
            return [None] * n
        return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]

    criteria = zip(*(column(c) for c in PROFILE_OUT), strict=True)
    rows = zip(*(column(c) for c in ANSWER_COLUMNS), criteria, strict=True)
    out = []
    for lead_id, channel, p, score, tier, reasons, roi, value, verdict, magnitude, *rest in rows:
        action, reason, price, grades = rest
        out.append(
            {
                "lead_id": lead_id,
                "channel": channel,
                "p_convert": p,
                "score": int(score),
                "tier": tier,
                "reasons": [s for s in str(reasons or "").split("; ") if s],
                "criteria": dict(zip(PROFILE_OUT, grades, strict=True)),
                "expected_roi": roi,
                "expected_value": value,
                "verdict": {
                    "feedback": verdict,
                    "magnitude": magnitude,
                    "meaning": "reinforce the campaign"
                    if verdict == "positive"
                    else "correct the campaign",
                },
                "action": {"action": action, "reason": reason, "price": price},
            }
        )
    return out
