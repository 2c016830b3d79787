"""Request bodies of the HTTP API (pydantic), with messages that name the field and the fix."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["LeadIn", "OutcomeIn", "EventIn", "CampaignStepIn", "MAX_BATCH", "MAX_TEXT"]

#: most leads one request may carry (split larger exports into several requests)
MAX_BATCH = 50_000
#: longest id, channel or campaign text kept
MAX_TEXT = 200


def _iso_date(value: Any, field: str) -> str:
    text = str(value).strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"'{field}' must be an ISO 8601 date or time such as 2026-11-30 or "
            f"2026-11-30T09:15:00Z; got {text[:40]!r}"
        ) from None
    return text


class LeadIn(BaseModel):
    """One lead: ``lead_id`` and ``channel`` plus any fields of the lead table
    (numbers, text, true/false or null), e.g. ``site_visits``, ``expected_salary``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "lead_id": "L-1001",
                    "created_at": "2026-11-30",
                    "channel": "job_board_a",
                    "campaign": "jba-sponsored",
                    "years_experience": 6,
                    "site_visits": 9,
                }  # fmt: skip
            ]
        },
    )

    lead_id: str = Field(min_length=1, max_length=MAX_TEXT, description="Unique id, kept as text.")
    channel: str = Field(min_length=1, max_length=MAX_TEXT, description="Where the lead came from.")
    created_at: str | None = Field(None, description="When the lead arrived (ISO 8601).")
    campaign: str | None = Field(None, max_length=MAX_TEXT)

    @field_validator("lead_id", "channel", "campaign", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        if isinstance(v, bool) or isinstance(v, dict | list):
            raise ValueError("must be text or a whole number")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip() if v is not None else v

    @field_validator("created_at", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return None if v is None or v == "" else _iso_date(v, "created_at")

    @model_validator(mode="after")
    def _scalars(self) -> LeadIn:
        for key, value in (self.model_extra or {}).items():
            if isinstance(value, dict | list):
                raise ValueError(
                    f"field '{key}' holds a {type(value).__name__}; a lead field must be a "
                    "number, text, true/false or null (flatten nested values into fields)"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"field '{key}' is not a finite number")
        return self

    def record(self) -> dict[str, Any]:
        """The lead as one row of the lead table."""
        out = {"lead_id": self.lead_id, "channel": self.channel}
        if self.created_at is not None:
            out["created_at"] = self.created_at
        if self.campaign is not None:
            out["campaign"] = self.campaign
        out.update(self.model_extra or {})
        return out


class OutcomeIn(BaseModel):
    """A closed lead: won (with the value realised) or lost."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"lead_id": "L-1001", "outcome": "won", "value": 23400, "closed_at": "2027-01-15"}
            ]
        },
    )

    lead_id: str = Field(min_length=1, max_length=MAX_TEXT)
    outcome: Literal["won", "lost"]
    value: float | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="Realised value of a won lead (its commission).",
    )
    closed_at: str | None = Field(None, description="When it closed (ISO 8601); default: now.")

    @field_validator("lead_id", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return LeadIn._text(v)

    @field_validator("closed_at", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return None if v is None or v == "" else _iso_date(v, "closed_at")

    @model_validator(mode="after")
    def _value(self) -> OutcomeIn:
        if self.outcome == "won" and self.value is None:
            raise ValueError(
                "field 'value' is required when the outcome is 'won': give the value realised "
                "(e.g. the commission, 20% of the starting salary)"
            )
        if self.outcome == "lost" and self.value not in (None, 0.0):
            raise ValueError("field 'value' must be absent or 0 when the outcome is 'lost'")
        return self


class EventIn(BaseModel):
    """Something that makes scores stale: a call, a new client, an OKR change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"event": "call", "lead_id": "L-1001"},
                {"event": "okr_change", "threshold": 2.5},
            ]  # fmt: skip
        },
    )

    event: Literal["call", "new_client", "okr_change"]
    lead_id: str | None = Field(None, max_length=MAX_TEXT)
    threshold: float | None = Field(None, allow_inf_nan=False)
    note: str | None = Field(None, max_length=2000)
    fields: dict[str, Any] | None = Field(
        None, description="For a call: lead fields that changed (e.g. days_since_last_activity)."
    )

    @model_validator(mode="after")
    def _needs(self) -> EventIn:
        if self.event == "call" and not self.lead_id:
            raise ValueError("field 'lead_id' is required for a 'call' event: the lead called")
        if self.event == "okr_change" and self.threshold is None:
            raise ValueError(
                "field 'threshold' is required for an 'okr_change' event: the new OKR threshold "
                "on the metric (expected ROI by default), e.g. 2.5"
            )
        if self.event != "okr_change" and self.threshold is not None:
            raise ValueError("field 'threshold' belongs to 'okr_change' events only")
        if self.fields is not None:
            if self.event != "call":
                raise ValueError("field 'fields' belongs to 'call' events only (the lead called)")
            for key, value in self.fields.items():
                if (
                    key == "lead_id"
                    or isinstance(value, dict | list)
                    or (isinstance(value, float) and not math.isfinite(value))
                ):
                    raise ValueError(
                        f"fields.{key}: give a number, text, true/false or null for a field "
                        "other than lead_id"
                    )
        return self


class CampaignStepIn(BaseModel):
    """One period of the closed loop."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"budget": 17600, "channels": ["job_board_a", "social", "search_ads"]}]
        },
    )

    budget: float = Field(gt=0, allow_inf_nan=False, description="Next period's budget (a cap).")
    channels: list[str] | None = Field(None, description="Channel names (first step only).")
    spend: dict[str, float] | None = Field(
        None, description="Last period's spend per channel; default: the last recommendation."
    )
    seed: int = Field(0, ge=0, description="Seed of the learner's draws (first step only).")

    @field_validator("spend")
    @classmethod
    def _spend(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        for k, x in (v or {}).items():
            if not math.isfinite(x) or x < 0:
                raise ValueError(f"spend of channel '{k}' must be a finite number >= 0")
        return v
