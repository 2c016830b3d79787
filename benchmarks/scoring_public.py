"""The conversion scorer on three public data sets the project was not developed on.

Issue 15 asks for boosting's accuracy "on data sets the project has not seen (lead exports,
e-commerce sessions, campaign responses)". These three are public but not shipped in
``../shared/data``; download them into one folder under their published names:

``Leads.csv``
    X Education's lead-scoring export (9,240 leads, outcome ``Converted``; Kaggle, "Lead
    Scoring Dataset", also in many GitHub copies of the "Lead Scoring Case Study").
    ``Tags`` is left out (``leadlever inspect`` names it a leak suspect: free tags such as
    "Closed by Horizzon" written after the outcome); a second run also leaves out the other
    columns written by the sales team after contact (``Lead Quality``, ``Lead Profile``,
    ``Last Notable Activity``, the ``Asymmetrique`` indices). ``Select`` means missing.
``online_shoppers_intention.csv``
    UCI "Online Shoppers Purchasing Intention" (12,330 sessions, outcome ``Revenue``).
``marketing_campaign.csv``
    The retail (iFood) campaign-response data (2,240 customers, outcome ``Response``;
    Kaggle "Customer Personality Analysis"; tab- or comma-separated). ``ID`` and the two
    constant columns ``Z_CostContact``, ``Z_Revenue`` are left out.

Columns without a single value are left out for every model (scikit-learn's HistGB fails on
them). Everything else, the folds, the peers and the table printed, is
``benchmarks/scoring.py``'s :func:`accuracy`.

Usage: ``OPENBLAS_NUM_THREADS=1 python benchmarks/scoring_public.py --data DIR [--ebm]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scoring  # noqa: E402

from leadlever.engine.io import read_table  # noqa: E402
from leadlever.engine.scoring import split_target  # noqa: E402

#: columns of the education export filled in by the sales team after contact
AFTER_CONTACT = [
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Notable Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]


def _education(folder: Path, drop: list[str]):
    table = read_table(folder / "Leads.csv").drop(columns=drop)
    select = [c for c in table.columns if table[c].astype("string").eq("Select").any()]
    X, y = split_target(table, "Converted")
    return X, y, {"sentinels": {c: ["Select"] for c in select}}


def _shoppers(folder: Path):
    X, y = split_target(read_table(folder / "online_shoppers_intention.csv"), "Revenue")
    return X, y, {}


def _campaign(folder: Path):
    table = read_table(folder / "marketing_campaign.csv")
    table = table.drop(columns=[c for c in ("ID", "Z_CostContact", "Z_Revenue") if c in table])
    X, y = split_target(table, "Response")
    return X, y, {}


def sets(folder: Path) -> dict:
    """Name -> loader of (features, outcome, options), as ``scoring.load`` returns them."""
    return {
        "education leads (Tags out)": lambda: _education(folder, ["Tags"]),
        "education leads (after-contact columns out)": lambda: _education(folder, AFTER_CONTACT),
        "online shoppers": lambda: _shoppers(folder),
        "retail campaign responses": lambda: _campaign(folder),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the three files")
    parser.add_argument("--ebm", action="store_true", help="add interpret's EBM as a peer")
    args = parser.parse_args()
    loaders = sets(args.data)
    original = scoring.load

    def load(name: str):
        if name not in loaders:
            return original(name)
        X, y, options = loaders[name]()
        return X.dropna(axis=1, how="all"), y, options

    scoring.load = load
    models = scoring.peers(ebm=args.ebm)
    for name in loaders:
        scoring.accuracy(name, models, ablation=False)


if __name__ == "__main__":
    main()
