"""Demo step: package the leads chosen for sale for three simulated partner agencies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Economics
from leadlever.optimisers.packaging._buyers import read_buyers
from leadlever.optimisers.packaging._packager import PackagerSettings
from leadlever.optimisers.packaging._sale import package_open_leads
from leadlever.optimisers.packaging.plots import plot_bundle_composition
from leadlever.simulations.demo._pricing_step import GENERATION_COST
from leadlever.simulations.examples._write import example_path

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["packaging_step", "DEMO_PARTNERS", "N_FOR_SALE"]

#: three simulated partner agencies that buy what the demo sells: unlikely leads, graded
DEMO_PARTNERS = example_path("demo_partners.toml")
N_FOR_SALE = 3000


def _sell_list(ctx: DemoContext) -> tuple[pd.DataFrame, str]:
    """Leads chosen for sale, with a p_convert column, and where they came from."""
    data = ctx.data
    for key in ("priced", "plan"):
        table = data.get(key)
        if isinstance(table, pd.DataFrame) and "lead_id" in table.columns:
            sell = table
            for col in ("action", "decision", "plan"):
                if col in table.columns:
                    sell = table[table[col].astype(str).str.contains("sell", case=False)]
                    break
            if "p_convert" in sell.columns and len(sell):
                return sell.reset_index(drop=True), f"the {key} step's sell list"
    if isinstance(data.get("scored"), pd.DataFrame) and "p_convert" in data["scored"].columns:
        scored = data["scored"]
        source = "the scoring step's p_convert"
    else:
        scored = data["open"].copy()
        rng = np.random.default_rng(ctx.seed + 8)
        noisy = scored["true_p_convert"].to_numpy() + rng.normal(0, 0.03, len(scored))
        scored["p_convert"] = np.clip(noisy, 0.001, 0.999)
        source = "simulator ground truth true_p_convert plus noise (no scoring step ran)"
    sell = (
        scored.nsmallest(N_FOR_SALE, "p_convert")
        if "open" not in data
        else scored.loc[scored["lead_id"].isin(data["open"]["lead_id"])].nsmallest(
            N_FOR_SALE, "p_convert"
        )
    )
    return sell.reset_index(
        drop=True
    ), f"the {N_FOR_SALE} open leads least likely to convert, p from {source}"


def packaging_step(ctx: DemoContext) -> Section:
    """Package the leads for sale into graded bundles for three partner agencies."""
    from leadlever.simulations.demo._context import Section

    leads, source = _sell_list(ctx)
    profile = ctx.data.get("profile")
    if isinstance(profile, pd.DataFrame) and "expected_value" not in leads.columns:
        # each lead's opportunity cost is its expected in-house value, from the profile
        leads = leads.merge(profile[["lead_id", "expected_value"]], on="lead_id", how="left")
    if "grade" in leads.columns:  # the pricing step's generation cost, so both count it alike
        leads = leads.assign(generation_cost=leads["grade"].map(GENERATION_COST))
    market = read_buyers(DEMO_PARTNERS)
    sale = package_open_leads(
        leads, market, economics=Economics(),
        settings=PackagerSettings(on_infeasible="skip", time_limit=6),
    )  # fmt: skip
    result = sale.result
    ctx.data["packages"] = result
    frame = result.packages_frame()
    d = sale.to_dict()
    lines = [
        f"Leads for sale: {len(leads):,} ({source}).",
        f"Status {result.status} ({'MILP' if result.method == 'milp' else 'greedy'} plan"
        + (f", gap {result.gap:.2%}" if result.gap is not None and np.isfinite(result.gap) else "")
        + f"); revenue {result.revenue:,.0f} EUR, generation cost of the leads sold "
        f"{sale.generation_cost:,.0f} EUR, profit {sale.profit:,.0f} EUR; selling gains "
        f"{d['gain_over_keeping']:,.0f} EUR over working them in-house; "
        f"{len(result.unsold):,} leads unsold.",
    ]
    rec = sale.reconciliation()
    if rec is not None:
        lines.append(
            f"  reconciliation: the pricing step's list prices of the same leads total "
            f"{rec['list_revenue']:,.0f} EUR (profit {rec['list_profit']:,.0f}); the bundles "
            f"{rec['difference']:+,.0f} EUR: {rec['why']}"
        )
    for b in result.bundles:
        conversions = "conversion" if b.promised == 1 else "conversions"
        lines.append(
            f"  {b.package_id:<20} {b.n_leads:>4} leads, mean p {b.mean_p:.3f}, promise >= "
            f"{b.promised} {conversions} with P = {b.guarantee:.2%} -> grade {b.rating}, "
            f"{b.price_per_lead:,.2f} EUR per lead, {b.price:,.0f} EUR"
        )
    if any(b.rating == "NR" for b in result.bundles):
        lines.append(
            "  (NR = not rated: the promise holds with less than the lowest grade's probability; "
            "sold only to partners that ask for no grade)"
        )
    lines += [f"  note: {n}" for n in (*sale.notes, *result.notes)]
    plot = plot_bundle_composition(
        result, leads["p_convert"].to_numpy(), ctx.out_dir / "bundle_composition.png"
    )
    return Section(
        key="packaging",
        title="Packaging leads for partner agencies",
        lines=tuple(lines),
        tables={"packages": frame, "package_assignments": result.to_frame()},
        plots=(plot,),
        explanation=(
            "Each bundle's grade states the probability that at least its promised number of leads "
            "convert (exact Poisson-binomial). Offer each partner the bundles listed; a partner "
            "skipped in the notes needs better leads than the ones for sale."
        ),
        highlights={
            "Bundles sold to partners": f"{len(result.bundles):,}",
            "Packaging revenue": f"{result.revenue:,.0f} EUR",
            "Packaging profit after generation cost": f"{sale.profit:,.0f} EUR",
        },
    )
