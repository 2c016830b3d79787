"""Human output of ``leadlever allocate fit|solve|plan`` (the JSON is the result's ``to_dict``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from leadlever.cli._common import echo_err, print_table

__all__ = ["render_fit", "render_solve", "render_plan", "render_assumptions"]


def _money(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+,.0f}"


def render_assumptions(assumptions: Any) -> None:
    """One line per assumption a result rests on, with where it came from."""
    items = list(assumptions)
    if not items:
        return
    typer.echo("Assumptions:")
    for a in items:
        typer.echo(f"  - {a['name']}: {a['value']} ({a['source']})")


def render_fit(result: Any, out: Path, sidecar: str) -> None:
    frame = result.to_frame()
    rows = [a["value"] for a in result.assumptions if a["name"] == "rows read"]
    read = (
        rows[0]
        if rows
        else f"{result.n_periods} {'weeks' if result.sequential else 'observations'}"
    )
    typer.echo(
        f"Fitted {len(frame)} curves"
        + (
            " jointly on a wide table"
            if any(a["name"] == "layout" for a in result.assumptions)
            else ""
        )
        + f" ({read}); wrote {out} and {sidecar} "
        f"({0 if result.draws is None else result.draws.n} posterior draws per channel)."
    )
    cols = [
        "channel",
        "scale",
        "half_saturation",
        "shape",
        "adstock",
        "r2",
        "max_observed_spend",
        "current_spend",
        "quality",
    ]
    print_table(frame[[c for c in cols if c in frame.columns]])
    for c in result.curves:
        if c.quality != "trusted":
            echo_err(f"Warning: channel '{c.channel}' is {c.quality}: {'; '.join(c.reasons)}.")
    render_assumptions(a for a in result.assumptions if a["name"] != "rows read")


def render_solve(rec: Any) -> None:
    d = rec.to_dict()
    iv = d["uplift_interval"]
    if rec.uplift is None:
        typer.echo(
            f"Best split of {rec.budget:,.0f} by the curves: value {rec.allocation.total_value:,.0f} "
            "(no current_spend column: no uplift to report)."
        )
    else:
        line = (
            f"Uplift at equal budget ({rec.budget:,.0f}): {_money(rec.uplift)}"
            + (f" ({d['uplift_relative']:+.1%})" if d.get("uplift_relative") is not None else "")
            + " by the fitted curves"
            + (
                " (against today's split rescaled to the budget: reference_spend)"
                if rec.rescaled
                else ""
            )
        )
        if iv is not None:
            line += (
                f"; 90% interval {_money(iv[0])} to {_money(iv[1])}; the new split is better in "
                f"{rec.p_better:.0%} of {rec.n_draws} posterior draws"
            )
        else:
            line += "; no uncertainty (no draws file next to the curves)"
        typer.echo(line + ".")
    if rec.value_change is not None:
        vc = d["value_change_interval"]
        typer.echo(
            f"Value change against today's spend ({rec.current_budget:,.0f}): "
            f"{_money(rec.value_change)}"
            + (f" (90% interval {_money(vc[0])} to {_money(vc[1])})" if vc else "")
            + "."
        )
    frame = rec.to_frame()
    cols = [
        "channel",
        "current_spend",
        "reference_spend",
        "spend",
        "spend_change",
        "quality",
        "status",
    ]
    print_table(frame[[c for c in cols if c in frame.columns]])
    for c in rec.channels:
        if c.status in ("held", "capped"):
            cost = (
                f"; lifting it would add {c.limit_cost:,.0f} a week by the fitted curves"
                if round(c.limit_cost) > 0
                else ""
            )
            echo_err(f"Warning: '{c.channel}' {c.why}{cost}.")
    if round(rec.limits_cost) > 0:
        typer.echo(
            f"The evidence limits cost {rec.limits_cost:,.0f} a week by the fitted curves (caps at "
            "2x the largest spend seen and holds released): test higher spend on the held and "
            "capped channels before trusting more."
        )
    for note in rec.notes:
        echo_err(f"Warning: {note}")
    cert = rec.allocation.certificate
    typer.echo(
        f"Certificate: budget residual {cert.budget_residual:.3g}, marginal-return spread "
        f"{cert.mroi_spread:.3g} ({cert.method}); risk objective: {rec.risk}."
    )
    render_assumptions(rec.assumptions)


def render_plan(result: Any, out: Path | None) -> None:
    typer.echo(result.headline())
    print_table(result.to_frame(wide=True))
    for name, why in zip(result.held, result.held_why, strict=False):
        echo_err(f"Warning: '{name}' {why}.")
    for note in result.notes:
        echo_err(f"Warning: {note}")
    if out is not None:
        typer.echo(f"Wrote the plan to {out}.")
    render_assumptions(result.assumptions)
