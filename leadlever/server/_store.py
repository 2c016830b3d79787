"""Reading and writing the service's tables; each public method is one transaction.

Writes either land whole or not at all: a batch of leads with a duplicate id, an
outcome for an unknown lead or a second loop step for the same period raises a
:class:`~leadlever.engine.exceptions.LeadLeverError` subclass and the transaction
rolls back, so nothing is half-stored.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from leadlever.engine.exceptions import DataError, LeadLeverError
from leadlever.server import _schema as t
from leadlever.server._driver_sql import bulk_insert, bulk_insert_columns, driver_first

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from leadlever.server._database import Database

__all__ = ["Store", "ConflictError", "NotFoundError", "utc_now", "bulk_insert", "IN_CHUNK"]

#: ids per ``IN (...)`` query (well under every driver's parameter limit)
IN_CHUNK = 900


class ConflictError(DataError):
    """The write conflicts with what is stored (a duplicate id, a concurrent step)."""


class NotFoundError(LeadLeverError, LookupError):
    """The lead, model or state asked for is not stored."""


def utc_now() -> str:
    """Now in UTC, ISO 8601 with microseconds (sorts in time order as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(v: Any) -> Any:
    """Missing values (NaN) as NULL in text columns."""
    return None if isinstance(v, float) and math.isnan(v) else v


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


class Store:
    """The service's storage operations on one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ leads
    def _existing(self, conn, ids: list[str]) -> list[str]:
        found: list[str] = []
        for i in range(0, len(ids), IN_CHUNK):
            chunk = ids[i : i + IN_CHUNK]
            found += conn.execute(
                select(t.leads.c.lead_id).where(t.leads.c.lead_id.in_(chunk))
            ).scalars().all()  # fmt: skip
        return found

    def add_arrivals(
        self,
        records: list[dict[str, Any]],
        cols: dict[str, list[Any]],
        model_version: str,
        okr: Any,
    ) -> str:
        """Store leads with their first score and verdict (``cols``: the evaluated columns,
        one value per record), in one transaction; the time."""
        now = utc_now()
        n = len(records)
        ids = [str(r["lead_id"]) for r in records]
        channels = [str(r["channel"]) for r in records]
        campaigns = [None if r.get("campaign") is None else str(r["campaign"]) for r in records]

        def nums(name: str) -> list[float | None]:
            return [_num(v) for v in cols[name]]

        lead_rows = {
            "lead_id": ids,
            "created_at": [
                None if r.get("created_at") is None else str(r["created_at"]) for r in records
            ],  # fmt: skip
            "channel": channels,
            "campaign": campaigns,
            "received_at": [now] * n,
            "fields": [json.dumps(r, default=str) for r in records],
        }
        history = {
            "lead_id": ids,
            "scored_at": [now] * n,
            "model_version": [model_version] * n,
            "trigger": ["arrival"] * n,
            **{c: nums(c) for c in t.SCORE_COLUMNS if c != "expected_value"},
            "expected_value": nums("in_house_value"),
            "expected_roi": nums("expected_roi"),
            "tier": cols["tier"],
            "reasons": cols["reasons"],
            "action": cols["action"],
            "action_reason": cols["action_reason"],
            "price": nums("price"),
        }
        verdicts = {
            "lead_id": ids,
            "channel": channels,
            "campaign": campaigns,
            "evaluated_at": [now] * n,
            "metric": [okr.metric] * n,
            "metric_value": [v or 0.0 for v in nums("metric_value")],
            "expected_roi": history["expected_roi"],
            "expected_value": nums("expected_value"),
            "acquisition_cost": nums("acquisition_cost"),
            "threshold": [okr.threshold] * n,
            "verdict": cols["verdict"],
            "magnitude": [v or 0.0 for v in nums("magnitude")],
        }
        try:
            with self.db.write() as conn:  # a stored id fails the unique lead_id: see below
                bulk_insert_columns(conn, t.leads, lead_rows)
                bulk_insert_columns(conn, t.score_history, history)
                bulk_insert_columns(conn, t.feedback, verdicts)
        except IntegrityError:  # an id already stored (or by a concurrent request): rolled back
            with self.db.read() as conn:
                taken = self._existing(conn, ids)
            raise ConflictError(_taken_message(taken or ids)) from None
        return now

    def lead(self, lead_id: str) -> dict[str, Any]:
        """A lead's fields, outcome and full score history (oldest first)."""
        with self.db.read() as conn:
            row = (
                conn.execute(select(t.leads).where(t.leads.c.lead_id == lead_id)).mappings().first()
            )
            if row is None:
                raise NotFoundError(
                    f"No lead with lead_id {lead_id!r} is stored. Post it to /leads first."
                )
            hist = conn.execute(
                select(t.score_history)
                .where(t.score_history.c.lead_id == lead_id)
                .order_by(t.score_history.c.id)
            ).mappings().all()  # fmt: skip
            outcome = conn.execute(
                select(t.outcomes).where(t.outcomes.c.lead_id == lead_id)
            ).mappings().first()  # fmt: skip
            verdict = conn.execute(
                select(t.feedback).where(t.feedback.c.lead_id == lead_id)
            ).mappings().first()  # fmt: skip
        return {
            "lead_id": row["lead_id"],
            "received_at": row["received_at"],
            "fields": json.loads(row["fields"]),
            "outcome": None if outcome is None else _plain(outcome, ("id", "lead_id")),
            "feedback": None if verdict is None else _plain(verdict, ("id", "lead_id")),
            "history": [_plain(h, ("id", "lead_id")) for h in hist],
        }

    def active_leads(
        self, lead_ids: list[str] | None = None, *, latest: int | None = None
    ) -> pd.DataFrame:
        """Fields of the leads with no outcome yet (``lead_ids`` narrows them; ``latest``, without
        ``lead_ids``: only the most recently posted ones, in the order they were posted)."""
        import pandas as pd

        q = (
            select(t.leads.c.fields)
            .select_from(t.leads.outerjoin(t.outcomes, t.outcomes.c.lead_id == t.leads.c.lead_id))
            .where(t.outcomes.c.id.is_(None))
            .order_by(t.leads.c.id)
        )
        if latest is not None:  # the newest first, limited, then back in posting order
            newest = q.add_columns(t.leads.c.id).order_by(None)
            newest = newest.order_by(t.leads.c.id.desc()).limit(latest).subquery()
            q = select(newest.c.fields).order_by(newest.c.id)
        rows: list[dict[str, Any]] = []
        with self.db.read() as conn:
            if lead_ids is None:
                rows = [json.loads(f) for f in conn.execute(q).scalars()]
            else:
                for i in range(0, len(lead_ids), IN_CHUNK):
                    chunk = lead_ids[i : i + IN_CHUNK]
                    part = q.where(t.leads.c.lead_id.in_(chunk))
                    rows += [json.loads(f) for f in conn.execute(part).scalars()]
        frame = pd.DataFrame(rows) if rows else pd.DataFrame({"lead_id": pd.Series([], dtype=str)})
        frame["lead_id"] = frame["lead_id"].astype(str)
        return frame

    def latest_scores(self) -> pd.DataFrame:
        """Each lead's latest history row: ``lead_id``, ``previous_score``, ``previous_tier``."""
        import pandas as pd

        h = t.score_history
        last = select(func.max(h.c.id).label("id")).group_by(h.c.lead_id).subquery()
        q = select(h.c.lead_id, h.c.score, h.c.tier).join(last, last.c.id == h.c.id)
        with self.db.read() as conn:
            rows = conn.execute(q).all()
        return pd.DataFrame(rows, columns=["lead_id", "previous_score", "previous_tier"])

    def append_history(
        self,
        rows: pd.DataFrame,
        event: dict[str, Any] | None = None,
        updates: dict[str, str] | None = None,
    ) -> int:
        """Append rescoring rows, the event that caused them and the leads' updated fields
        (lead id -> fields JSON) in one transaction."""
        names = set(t.score_history.c.keys()) - {"id"}
        records = [
            {
                k: (_num(v) if k in t.SCORE_COLUMNS or k == "price" else _text(v))
                for k, v in r.items()
                if k in names
            }  # fmt: skip
            for r in rows.to_dict(orient="records")
        ]
        with self.db.write() as conn:
            if event is not None:
                conn.execute(t.events.insert(), [{**event, "at": utc_now()}])
            for lead_id, fields in (updates or {}).items():
                conn.execute(
                    t.leads.update().where(t.leads.c.lead_id == lead_id).values(fields=fields)
                )
            if records:
                conn.execute(t.score_history.insert(), records)
        return len(records)

    # --------------------------------------------------------------- outcomes
    def add_outcome(self, lead_id: str, converted: int, value: float | None, closed_at: str) -> str:
        """Record a lead's outcome (once)."""
        now = utc_now()
        try:
            with self.db.write() as conn:
                known = conn.execute(
                    select(t.leads.c.id).where(t.leads.c.lead_id == lead_id)
                ).first()  # fmt: skip
                if known is None:
                    raise NotFoundError(
                        f"Field 'lead_id': no lead {lead_id!r} is stored. Post the lead to "
                        "/leads before its outcome."
                    )
                conn.execute(
                    t.outcomes.insert(),
                    [{"lead_id": lead_id, "converted": converted, "value": value,
                      "closed_at": closed_at, "recorded_at": now}],
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(
                f"Field 'lead_id': lead {lead_id!r} already has an outcome; an outcome is "
                "recorded once."
            ) from None
        return now

    # ------------------------------------------------------------ model, OKR
    def add_model(self, version: str, bundle_json: str) -> str:
        """Store a bundle version and make it the only active one."""
        now = utc_now()
        try:
            with self.db.write() as conn:
                conn.execute(t.model_versions.update().values(active=False))
                conn.execute(
                    t.model_versions.insert(),
                    [{"model_version": version, "uploaded_at": now, "active": True,
                      "bundle": bundle_json}],
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(
                f"Model version {version!r} is already stored. Refit (a new fit gets a new "
                "model_version) or activate it with POST /models/{version}/activate."
            ) from None
        return now

    def activate_model(self, version: str) -> None:
        with self.db.write() as conn:
            mv = t.model_versions
            if conn.execute(select(mv.c.id).where(mv.c.model_version == version)).first() is None:
                raise NotFoundError(f"No model version {version!r} is stored.")
            conn.execute(mv.update().values(active=mv.c.model_version == version))

    def active_version(self) -> str | None:
        """The active model's version, or None."""
        with self.db.read() as conn:
            return _active_version(conn)

    def scoring_state(self) -> tuple[str | None, tuple[float, str] | None]:
        """:meth:`active_version` and :meth:`okr_threshold` read in one transaction (what
        every arrival batch needs), on the driver's cursor (:func:`_driver_first`)."""
        with self.db.read() as conn:
            version = driver_first(conn, "active_version", _active_version_query)
            okr = driver_first(conn, "okr_threshold", _okr_threshold_query)
        return (
            None if version is None else version[0],
            None if okr is None else (float(okr[0]), okr[1]),
        )

    def model_bundle(self, version: str) -> str:
        """A stored version's bundle JSON."""
        mv = t.model_versions
        with self.db.read() as conn:
            text = conn.execute(
                select(mv.c.bundle).where(mv.c.model_version == version)
            ).scalar()  # fmt: skip
        if text is None:
            raise NotFoundError(f"No model version {version!r} is stored.")
        return text

    def models(self) -> list[dict[str, Any]]:
        mv = t.model_versions
        with self.db.read() as conn:
            rows = conn.execute(
                select(mv.c.model_version, mv.c.uploaded_at, mv.c.active).order_by(mv.c.id)
            ).mappings().all()  # fmt: skip
        return [dict(r) for r in rows]

    def okr_threshold(self) -> tuple[float, str] | None:
        """The latest OKR threshold set by an event, with its time."""
        with self.db.read() as conn:
            return _okr_threshold(conn)

    def add_run(self, kind: str, status: str, summary_json: str) -> str:
        """Store a pricing or packaging run's summary."""
        now = utc_now()
        with self.db.write() as conn:
            conn.execute(
                t.runs.insert(),
                [{"kind": kind, "created_at": now, "status": status, "summary": summary_json}],
            )
        return now

    def latest_run(self, kind: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(t.runs).where(t.runs.c.kind == kind).order_by(t.runs.c.id.desc()).limit(1)
            ).mappings().first()  # fmt: skip
        if row is None:
            return None
        return {"created_at": row["created_at"], **json.loads(row["summary"])}

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(t.events).order_by(t.events.c.id.desc()).limit(limit)
            ).mappings().all()  # fmt: skip
        return [_plain(r, ("id",)) for r in rows]


def _active_version_query() -> Any:
    mv = t.model_versions
    return select(mv.c.model_version).where(mv.c.active.is_(True))


def _okr_threshold_query() -> Any:
    e = t.events
    return (
        select(e.c.threshold, e.c.at)
        .where(and_(e.c.kind == "okr_change", e.c.threshold.is_not(None)))
        .order_by(e.c.id.desc())
        .limit(1)
    )


def _active_version(conn: Any) -> str | None:
    return conn.execute(_active_version_query()).scalar()


def _okr_threshold(conn: Any) -> tuple[float, str] | None:
    row = conn.execute(_okr_threshold_query()).first()
    return None if row is None else (float(row[0]), row[1])


def _taken_message(taken: list[str]) -> str:
    shown = ", ".join(repr(x) for x in sorted(taken)[:5])
    more = f" and {len(taken) - 5} more" if len(taken) > 5 else ""
    return (
        f"Field 'lead_id': {shown}{more} already stored, so nothing of this request was "
        "stored. Give each lead a new lead_id (use POST /events with event 'call' to rescore a "
        "stored lead)."
    )


def _plain(row: Any, drop: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in dict(row).items() if k not in drop}
