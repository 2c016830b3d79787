"""Demo step: price the leads chosen for sale, and compare two deals for a city pool."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leadlever.pricing._formulas import TwoClassLevers, profit_sensitivity
from leadlever.pricing._lead_prices import price_lead_table
from leadlever.pricing.exceptions import UnreachableTargetError
from leadlever.pricing.plots import plot_pricing_sensitivity
from leadlever.simulations.deals._compare import compare_deals, p_star_sensitivity
from leadlever.simulations.deals._file import example_deals_path, load_deals
from leadlever.simulations.deals._forecast import forecast_pool_p, season_of
from leadlever.simulations.deals.plots import plot_deals

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["pricing_step", "SALE_P_MAX", "GENERATION_COST", "TARGET_MARGIN", "CONFIDENCE"]

#: without a plan, open leads below this p_convert are the ones offered for sale
SALE_P_MAX = 0.2
#: cost of selling a lead by grade (EUR: vetting, data transfer; acquisition spend is sunk): the price floor
GENERATION_COST = {"low": 10.0, "high": 15.0}
TARGET_MARGIN = 0.3
CONFIDENCE = 0.9
DEMO_DRAWS = 20_000


def _sell_ids(plan: Any) -> list[str] | None:
    """Lead ids the plan sells (a table with ``action``, or a ``sell`` list / key), else None."""
    if plan is None:
        return None
    frame = plan.to_frame() if hasattr(plan, "to_frame") else plan
    if isinstance(frame, pd.DataFrame) and {"lead_id", "action"} <= set(frame.columns):
        return frame.loc[frame["action"].astype(str) == "sell", "lead_id"].astype(str).tolist()
    sell = plan.get("sell") if isinstance(plan, dict) else getattr(plan, "sell", None)
    if sell is None:
        return None
    if isinstance(sell, pd.DataFrame):
        return sell["lead_id"].astype(str).tolist() if "lead_id" in sell.columns else None
    return [str(x) for x in sell]


def _scored(ctx: DemoContext, rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    scored = ctx.data.get("scored")
    if isinstance(scored, pd.DataFrame) and "p_convert" in scored.columns:
        return scored, "p_convert from the scoring step"
    leads = ctx.data["leads"].copy()
    logit = np.log(leads["true_p_convert"] / (1 - leads["true_p_convert"]))
    leads["p_convert"] = (1 / (1 + np.exp(-(logit + rng.normal(0, 0.3, len(leads)))))).round(6)
    return (
        leads,
        "no scoring step ran: p_convert = true_p_convert plus noise (0.3 on the log-odds scale)",
    )


def _price_sale(sale: pd.DataFrame, ctx: DemoContext) -> tuple[pd.DataFrame, str, Path | None]:
    """Price the leads for sale; the summary line; the pricing sensitivity chart."""
    if sale.empty:
        return (
            sale.assign(grade=pd.Series(dtype=str), price=pd.Series(dtype=float)),
            "No leads to sell.",
            None,
        )
    if "true_resale_value" in sale.columns:  # simulator: the partners' willingness to pay
        sale = sale.assign(willingness_to_pay=sale["true_resale_value"])
    # the partners' willingness to pay may cap the margin: step the target down until reachable
    for target in (TARGET_MARGIN, 0.2, 0.1, 0.0):
        try:
            priced, pricing = price_lead_table(
                sale, costs=GENERATION_COST, target_margin=target, confidence=CONFIDENCE
            )
            break
        except UnreachableTargetError:
            if target == 0.0:
                raise
    mean_price = {
        g: float(priced.loc[priced["grade"] == g, "price"].mean()) for g in ("high", "low")
    }
    share_high = float((priced["grade"] == "high").mean())
    levers = TwoClassLevers(
        p=share_high,
        r_high=mean_price["high"] if share_high > 0 else 0.0,
        c_high=GENERATION_COST["high"],
        r_low=mean_price["low"] if share_high < 1 else 0.0,
        c_low=GENERATION_COST["low"],
        n=len(priced),
    )
    sens = plot_pricing_sensitivity(
        profit_sensitivity(levers), ctx.out_dir / "pricing_sensitivity.png"
    )
    margin = "n/a" if pricing.margin is None else f"{pricing.margin:.1%}"
    line = (
        f"Priced {len(priced):,} leads for a {target:.0%} margin with {CONFIDENCE:.0%} confidence"
        f"{'' if target == TARGET_MARGIN else f' (the partners caps rule out {TARGET_MARGIN:.0%})'}: "
        f"mean price {pricing.to_dict()['mean_price']:,.2f} EUR, expected profit {pricing.expected_profit:,.0f} EUR "
        f"(margin {margin}), P(target met) = {pricing.prob_target_met:.3f}; "
        f"{pricing.n_floored:,} at the cost floor, {pricing.n_capped:,} at the partners' willingness to pay."
    )
    return priced, line, sens


def pricing_step(ctx: DemoContext) -> Section:
    """Price the leads for sale (target margin with a confidence) and compare two deals for one pool."""
    from leadlever.simulations.demo._context import Section

    rng = np.random.default_rng([ctx.seed, 7])
    scored, source = _scored(ctx, rng)
    ids = _sell_ids(ctx.data.get("plan"))
    open_ids = (
        set(ctx.data["open"]["lead_id"].astype(str))
        if "open" in ctx.data
        else set(scored["lead_id"])
    )
    if ids is not None:
        sale = scored[scored["lead_id"].astype(str).isin(set(ids))]
        chosen = f"the plan's sell list ({len(sale):,} leads)"
    else:
        sale = scored[
            scored["lead_id"].astype(str).isin(open_ids) & (scored["p_convert"] < SALE_P_MAX)
        ]
        chosen = f"open leads with p_convert < {SALE_P_MAX} ({len(sale):,} leads; no plan step ran)"
    sale = sale.reset_index(drop=True)
    priced, price_line, sens = _price_sale(sale, ctx)

    # deals: the example's client contract vs lead sale, for the largest city in its busiest season
    deals = load_deals(example_deals_path()).deals[:2]
    city = str(scored["city"].value_counts().idxmax())
    season = str(season_of(scored["created_at"]).value_counts().idxmax())
    forecast = forecast_pool_p(scored, city=city, season=season)
    comparison = compare_deals(deals, forecast, n_draws=DEMO_DRAWS, seed=ctx.seed)
    p_star = comparison.crossings[0].p
    tornado = p_star_sensitivity(*deals)
    ctx.data.update(priced=priced, deals=comparison)

    figure = plot_deals(
        comparison,
        ctx.out_dir / "deals_figure3.png",
        title=f"Deals for {city}, {season}: expected profit against p",
    )
    best = comparison.best_expected
    lines = (
        f"Leads for sale: {chosen}; {source}.",
        price_line,
        f"Deals for the {city} / {season} pool: p* = {p_star:.3f} "
        f"({comparison.crossings[0].better_below} better below, {comparison.crossings[0].better_above} above).",
        f"Forecast p = {forecast.mean:.3f} (sd {forecast.std:.3f}, {forecast.n_leads} leads, Poisson-binomial); "
        f"P({best} best) = {comparison.exact.prob_best[best]:.3f}; choose {best} "
        f"(expected regret {comparison.exact.expected_regret[best]:,.0f} EUR).",
    )
    cols = [
        c
        for c in ("lead_id", "p_convert", "grade", "price", "willingness_to_pay")
        if c in priced.columns
    ]
    return Section(
        key="pricing",
        title="Pricing leads for sale and the deal break-even p*",
        lines=lines,
        tables={"priced_leads": priced[cols], "deal_p_star_sensitivity": tornado},
        plots=(figure,) + ((sens,) if sens is not None else ()),
        explanation=(
            "Prices are weighted by each lead's probability, floored at generation cost and capped at "
            "the partners' willingness to pay (simulator ground truth). Deals are lines in p; p* is "
            "where they cross; the forecast of p is the Poisson-binomial share of high-quality leads. "
            "Take the deal that is best at the forecast p, and watch p against p*."
        ),
        highlights={
            "Leads priced for sale": f"{len(priced):,}",
            "Break-even p* between the two deals": f"{p_star:.3f}",
            "Forecast p for the pool": f"{forecast.mean:.3f}",
        },
    )
