"""The dashboard's charts: matplotlib figures rendered server-side to inline PNGs.

Each function takes a result the service computed and returns a ``data:`` URI (or
None when there is nothing to draw). matplotlib is imported inside each function.
"""

from __future__ import annotations

import base64
import io
from typing import Any

__all__ = ["calibration_chart", "feedback_chart", "split_chart"]

DPI = 100


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def calibration_chart(by_week: list[dict[str, Any]]) -> str | None:
    """Predicted vs realised conversion rate of closed leads per week, with the interval."""
    rows = [r for r in by_week if r["status"] != "open"]
    if not rows:
        return None
    fig, ax = _figure()
    for version in dict.fromkeys(r["model_version"] for r in rows):
        mine = [r for r in rows if r["model_version"] == version]
        x = [r["week"] for r in mine]
        pred = [100 * r["predicted_rate"] for r in mine]
        err = [[p - 100 * r["low"] for p, r in zip(pred, mine, strict=True)],
               [100 * r["high"] - p for p, r in zip(pred, mine, strict=True)]]  # fmt: skip
        ax.errorbar(x, pred, yerr=err, fmt="--o", capsize=4,
                    label=f"predicted, 95% interval ({version[-8:]})")  # fmt: skip
        ax.plot(x, [100 * r["realised_rate"] for r in mine], marker="s",
                label=f"realised ({version[-8:]})")  # fmt: skip
    ax.set_ylabel("conversion rate of closed leads (%)")
    ax.set_xlabel("week of arrival (Monday)")
    ax.set_title("Predicted vs realised conversion")
    ax.legend(fontsize=7, loc="best")
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    return _png(fig)


def feedback_chart(by_channel: list[dict[str, Any]], threshold: float, metric: str) -> str | None:
    """Mean metric per channel against the OKR threshold."""
    if not by_channel:
        return None
    fig, ax = _figure()
    names = [r["channel"] for r in by_channel]
    values = [r["mean_metric"] for r in by_channel]
    from leadlever.engine.roi._feedback import verdict_colours

    colours = verdict_colours(r["feedback"] for r in by_channel)
    ax.barh(names, values, color=colours)
    ax.axvline(threshold, color="black", linestyle="--", label=f"OKR threshold {threshold:g}")
    ax.set_xlabel(f"mean expected {metric} per lead")
    ax.set_title("Channel feedback: green reinforce, red correct, grey too few leads")
    ax.legend(fontsize=8)
    return _png(fig)


def split_chart(split: list[dict[str, Any]]) -> str | None:
    """The latest recommended spend per channel, with its predicted value."""
    if not split:
        return None
    fig, ax = _figure()
    names = [r["channel"] for r in split]
    ax.barh(names, [r["spend"] for r in split], color="#1565c0", label="spend")
    for i, r in enumerate(split):
        if r["predicted_value"] is not None:
            text = (f"predicted value {r['predicted_value']:,.0f} "
                    f"(80%: {r['predicted_low']:,.0f}-{r['predicted_high']:,.0f})")  # fmt: skip
            ax.annotate(text, (r["spend"], i), fontsize=7, xytext=(4, -3),
                        textcoords="offset points")  # fmt: skip
    ax.set_xlabel("recommended spend next period")
    ax.set_title(f"Recommended split, period {split[0]['period']}")
    return _png(fig)
