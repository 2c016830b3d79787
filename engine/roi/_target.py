r"""Targeting a campaign: contact the leads whose expected profit is positive.

Contacting a lead with conversion probability :math:`p` costs :math:`C` and earns
:math:`V` if it converts, so its expected profit is :math:`pV - C`: contact it when
:math:`p > p^* = C / V` (at most :math:`N` leads, the most probable first, with a budget).
For the contact list :math:`S`

.. math::
    \mathbb E[\text{profit}] = \sum_{i \in S} (p_i V - C), \qquad
    \operatorname{sd} = V \sqrt{\textstyle\sum_{i \in S} p_i (1 - p_i)}

(conversions independent, a Poisson-binomial count), reported with a 90 % normal
interval and compared with contacting everyone. With known outcomes :math:`y_i` (a
backtest on out-of-fold probabilities) the realised profit is
:math:`V \sum_{i \in S} y_i - C |S|`.

Two uses, told apart by ``outcome`` (``--target``):

* **a contact list** (no ``outcome``): only open leads are contacted. The outcome column is
  found as every recommending command finds it (``converted``, ``Converted``, a Won/Lost
  ``deal_stage``, a yes/no ``y`` ...; it is named in a note) and the closed leads are left
  out and counted (``n_closed_excluded``);
* **the evaluation of a past campaign** (``outcome`` given): the rule is applied to the
  leads whose outcome is known, and the realised profit is reported next to the expected
  one; the list is then a backtest, not leads to contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._open_leads import open_leads
from leadlever.engine.io._outcomes import OutcomeSpec, parse_outcome
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.scoring._fit_record import column_warning

__all__ = ["TargetingResult", "target_contacts", "TARGET_INTERVAL"]

#: coverage of the expected-profit interval
TARGET_INTERVAL = 0.90


@dataclass(frozen=True)
class TargetingResult:
    """The contact list and its economics (the ``roi target --json`` object)."""

    contacts: pd.DataFrame
    n: int
    threshold_p: float
    expected_profit: float
    expected_profit_sd: float
    expected_profit_contact_all: float
    realised_profit: float | None = None
    realised_profit_contact_all: float | None = None
    n_closed_excluded: int = 0
    budget: int | None = None
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def n_contact(self) -> int:
        return int(len(self.contacts))

    def to_frame(self) -> pd.DataFrame:
        return self.contacts

    def to_dict(self) -> dict[str, Any]:
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + TARGET_INTERVAL / 2))
        out = {
            "n": self.n,
            "n_contact": self.n_contact,
            "budget": self.budget,
            "threshold_p": self.threshold_p,
            "expected_profit": self.expected_profit,
            "expected_profit_sd": self.expected_profit_sd,
            "expected_profit_interval": [
                self.expected_profit - z * self.expected_profit_sd,
                self.expected_profit + z * self.expected_profit_sd,
            ],
            "interval_level": TARGET_INTERVAL,
            "expected_profit_contact_all": self.expected_profit_contact_all,
            "n_closed_excluded": self.n_closed_excluded,
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }
        if self.realised_profit is not None:
            out["realised_profit"] = self.realised_profit
            out["realised_profit_contact_all"] = self.realised_profit_contact_all
        return out


def target_contacts(
    scored: pd.DataFrame,
    *,
    economics: Economics | None = None,
    outcome: OutcomeSpec | None = None,
    budget: int | None = None,
    prob_col: str = "p_convert",
    source: str | None = None,
) -> TargetingResult:
    """Choose whom to contact (module docstring).

    Parameters
    ----------
    scored : DataFrame
        A probability per lead in ``prob_col`` (e.g. ``score fit --oof-out`` or
        ``score apply`` output).
    economics : Economics, optional
        ``value_per_conversion`` (V) and ``contact_cost`` (C).
    outcome : OutcomeSpec, optional
        Known outcomes: the leads with one are a backtest (realised profit reported).
        Without it, closed leads (by the outcome column found) are left out.
    budget : int, optional
        Contact at most this many leads.
    """
    econ = economics or Economics()
    V, C = econ.value_per_conversion, econ.contact_cost
    if V <= 0:
        raise ParameterError(
            "The value per conversion must be > 0 to target a campaign. Give "
            "--value-per-conversion or value_per_conversion in the economics file."
        )
    if budget is not None and (isinstance(budget, bool) or budget < 1):
        raise ParameterError(f"The budget must be a whole number of contacts >= 1. Got {budget!r}.")
    notes: list[str] = []
    n_closed = 0
    y = None
    if outcome is not None:
        parsed = parse_outcome(scored, outcome, source=source)
        if parsed.note:
            notes.append(parsed.note)
        frame = scored.loc[parsed.closed].reset_index(drop=True)
        y = parsed.values[parsed.closed].to_numpy(dtype=float)
        if parsed.n_open:
            notes.append(
                f"Backtest on the {len(frame):,} leads with a known outcome ({parsed.n_open:,} open left out)."
            )
    else:
        found = open_leads(scored, source=source)
        frame, n_closed = found.leads, found.n_closed
        notes.extend(found.notes)
        if n_closed:
            column = found.outcome.column if found.outcome else "COL"
            notes.append(
                f"Left out {n_closed:,} closed lead(s) ({found.closed_why}): only open leads are "
                f"contacted. To evaluate the rule on them as a past campaign, pass --target "
                f"'{column}'."
            )
        if frame.empty and n_closed:
            column = found.outcome.column if found.outcome else "COL"
            raise ParameterError(
                f"{'File ' + repr(source) if source else 'The table'} has no open leads to "
                f"contact: all {n_closed:,} are closed ({found.closed_why}). To evaluate the rule "
                f"on them as a past campaign, pass --target '{column}'."
            )
    if frame.empty:
        raise ParameterError("No leads to target.")
    frame = validate_table(
        frame, TableSchema("scored", (ColumnSpec(prob_col, "probability"),)), source=source
    )
    p = frame[prob_col].to_numpy(dtype=float)
    gain = p * V - C
    order = np.argsort(-p, kind="stable")
    chosen = order[gain[order] > 0]
    if budget is not None and chosen.size > budget:
        chosen = chosen[:budget]
        notes.append(
            f"The budget allows {budget:,} contacts; {int((gain > 0).sum()):,} leads have a positive expected profit."
        )
    contacts = frame.iloc[chosen].copy()
    contacts.insert(0, "contact_rank", np.arange(1, chosen.size + 1))
    contacts["expected_profit"] = gain[chosen]
    sd = float(V * np.sqrt(np.sum(p[chosen] * (1 - p[chosen]))))
    realised = realised_all = None
    if y is not None:
        realised = float(V * y[chosen].sum() - C * chosen.size)
        realised_all = float(V * y.sum() - C * y.size)
        contacts["outcome"] = y[chosen]
    warning = column_warning(frame, source)
    return TargetingResult(
        contacts=contacts.reset_index(drop=True),
        n=int(len(frame)),
        threshold_p=float(C / V),
        expected_profit=float(gain[chosen].sum()),
        expected_profit_sd=sd,
        expected_profit_contact_all=float(gain.sum()),
        realised_profit=realised,
        realised_profit_contact_all=realised_all,
        n_closed_excluded=n_closed,
        budget=budget,
        assumptions=(
            *econ.assumptions(["value_per_conversion", "contact_cost"]),
            *_TARGET_TERMS,
        ),
        warnings=() if warning is None else (warning,),
        notes=(*notes, *_backtest_note(y is not None)),
    )


#: what the targeting rule counts and what its interval covers, announced with every answer
_TARGET_TERMS = (
    Assumption(
        "costs counted",
        "contact_cost per lead contacted only: the work of a converted lead (effort hours, "
        "legal fees, overhead) and its generation cost are not counted, unlike in roi evaluate; "
        "put what a contact costs you in contact_cost (--cost-per-contact)",
        "default",
    ),
    Assumption(
        "interval",
        f"{TARGET_INTERVAL:.0%} of the chance in who converts, the probabilities taken as exact: "
        "an error in the probabilities (a miscalibrated or in-sample score) is not in it",
        "default",
    ),
)


def _backtest_note(backtest: bool) -> tuple[str, ...]:
    if not backtest:
        return ()
    return (
        "A backtest is only honest on out-of-sample probabilities (score fit --oof-out, or "
        "leads the model was not fitted on): on the training leads the realised profit is "
        "optimistic (score compare tells how many rows a model has seen).",
    )
