"""Every command of the CLI with good inputs, and the ways a user's inputs go wrong.

:func:`build_inputs` writes one small set of valid input files; :data:`COMMANDS` lists
each command's invocation on them (``{d}`` = the inputs folder, ``{o}`` = a fresh output
folder), its input files, its outputs and its numeric options. The mutation functions
damage one input the way real exports and hand edits do; ``tests/cli/test_fuzz.py`` draws
them with hypothesis.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Command",
    "COMMANDS",
    "build_inputs",
    "TABLE_MUTATIONS",
    "TEXT_MUTATIONS",
    "JSON_MUTATIONS",
    "BAD_NUMBERS",
    "mutate_table",
    "mutate_parquet",
    "mutate_text",
    "mutate_json",
]

CHANNELS = [
    "professional_network",
    "job_board_a",
    "job_board_b",
    "search_ads",
    "social",
    "referral",
]


@dataclass(frozen=True)
class Command:
    """One command: its arguments, which of ``{d}``'s files it reads, what it writes."""

    name: str
    args: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    #: inputs copied into the output folder first (read and rewritten: state, history)
    updated: tuple[str, ...] = ()
    numbers: tuple[str, ...] = field(default=())
    #: writes data as users bring it (a simulated export), empty cells included on purpose
    raw_data: bool = False
    #: has a ``--json`` option (``serve`` has none)
    json_output: bool = True


COMMANDS = (
    Command("simulate leads", ("simulate", "leads", "--n", "150", "--seed", "1", "--out", "{o}/l.csv"),
            outputs=("l.csv",), numbers=("--n", "--seed"), raw_data=True),
    Command("simulate export", ("simulate", "export", "--kind", "pipeline", "--n", "100",
                                "--out", "{o}/e.csv"),
            outputs=("e.csv",), numbers=("--n", "--seed"), raw_data=True),
    Command("simulate channels", ("simulate", "channels", "--weeks", "12", "--out", "{o}/c.csv"),
            outputs=("c.csv",), numbers=("--weeks", "--seed", "--channels")),
    Command("simulate ads", ("simulate", "ads", "--ads", "60", "--out", "{o}/ads.csv"),
            outputs=("ads.csv",), numbers=("--ads", "--seed"), raw_data=True),
    Command("simulate campaign", ("simulate", "campaign", "--weeks", "4", "--seeds", "1",
                                  "--policies", "equal,oracle"),
            numbers=("--weeks", "--seeds", "--shift", "--shift-delta", "--okr-week",
                     "--okr-threshold", "--budget")),
    Command("score fit", ("score", "fit", "{d}/closed.csv", "--target", "converted", "--cv", "2",
                          "--model-out", "{o}/m.json", "--oof-out", "{o}/oof.csv"),
            inputs=("closed.csv",), outputs=("m.json", "oof.csv"), numbers=("--cv", "--seed")),
    Command("score apply", ("score", "apply", "{d}/model.json", "{d}/leads.csv", "--out", "{o}/s.csv"),
            inputs=("model.json", "leads.csv"), outputs=("s.csv",)),
    Command("score apply parquet", ("score", "apply", "{d}/model.json", "{d}/leads.parquet",
                                    "--out", "{o}/s.parquet", "--no-reasons"),
            inputs=("leads.parquet",), outputs=("s.parquet",)),
    Command("score evaluate", ("score", "evaluate", "{d}/scored.csv", "--target", "converted"),
            inputs=("scored.csv",), numbers=("--threshold",)),
    Command("score rules", ("score", "rules", "{d}/rules.toml", "{d}/leads.csv", "--out", "{o}/r.csv"),
            inputs=("rules.toml", "leads.csv"), outputs=("r.csv",)),
    Command("score compare", ("score", "compare", "{d}/model.json", "{d}/rules.toml",
                              "{d}/closed.csv", "--target", "converted"),
            inputs=("model.json", "rules.toml", "closed.csv"),
            numbers=("--weight", "--threshold", "--cv", "--seed")),
    Command("score rescore", ("score", "rescore", "{d}/bundle.json", "{d}/leads.csv",
                              "--history", "{o}/history.csv", "--events", "{d}/events.csv"),
            inputs=("bundle.json", "leads.csv", "events.csv", "history.csv"),
            outputs=("history.csv",), updated=("history.csv",), numbers=("--top",)),
    Command("qualify fit", ("qualify", "fit", "{d}/leads.csv", "--bundle-out", "{o}/b.json"),
            inputs=("leads.csv",), outputs=("b.json",),
            numbers=("--test-fraction", "--seed")),
    Command("qualify apply", ("qualify", "apply", "{d}/bundle.json", "{d}/leads.csv",
                              "--out", "{o}/p.csv"),
            inputs=("bundle.json", "leads.csv"), outputs=("p.csv",),
            numbers=("--commission-rate", "--hourly-rate")),
    Command("qualify apply economics", ("qualify", "apply", "{d}/bundle.json", "{d}/leads.csv",
                                        "--economics", "{d}/economics.toml", "--out", "{o}/p.csv"),
            inputs=("economics.toml",), outputs=("p.csv",)),
    Command("qualify apply parquet", ("qualify", "apply", "{d}/bundle.json", "{d}/leads.parquet",
                                      "--out", "{o}/p.csv.gz"),
            inputs=("leads.parquet",), outputs=("p.csv.gz",)),
    Command("plan", ("plan", "{d}/profile.csv", "--consultants", "{d}/team.csv", "--out", "{o}/q.csv",
                     "--time-limit", "2"),
            inputs=("profile.csv", "team.csv"), outputs=("q.csv",),
            numbers=("--odds-factor", "--hourly-rate", "--horizon-weeks", "--fit-threshold",
                     "--timing-threshold", "--time-limit")),
    Command("plan economics", ("plan", "{d}/profile.csv", "--consultants", "{d}/team.csv",
                               "--economics", "{d}/economics.toml", "--out", "{o}/q.csv",
                               "--time-limit", "2"),
            inputs=("economics.toml", "profile.csv", "team.csv"), outputs=("q.csv",),
            numbers=("--hourly-rate",)),
    Command("roi evaluate", ("roi", "evaluate", "{d}/scored.csv", "--threshold", "top40%",
                             "--economics", "{d}/economics.toml", "--out", "{o}/roi.csv"),
            inputs=("scored.csv", "economics.toml"), outputs=("roi.csv",),
            numbers=("--threshold",)),
    Command("roi evaluate curves", ("roi", "evaluate", "{d}/scored.csv", "--threshold", "0.5",
                                    "--curves", "{d}/curves.csv", "--out", "{o}/roi.csv"),
            inputs=("curves.csv", "curves.fit.json"), outputs=("roi.csv",)),
    Command("roi target", ("roi", "target", "{d}/scored.csv", "--value-per-conversion", "10000",
                           "--cost-per-contact", "500", "--out", "{o}/contacts.csv"),
            inputs=("scored.csv",), outputs=("contacts.csv",),
            numbers=("--value-per-conversion", "--cost-per-contact", "--budget")),
    Command("roi target economics", ("roi", "target", "{d}/scored.csv", "--economics",
                                     "{d}/economics.toml", "--budget", "20", "--out",
                                     "{o}/contacts.csv"),
            inputs=("economics.toml",), outputs=("contacts.csv",)),
    Command("inspect", ("inspect", "{d}/leads.csv", "--target", "converted"),
            inputs=("leads.csv",)),
    Command("allocate fit", ("allocate", "fit", "{d}/channels.csv", "--out", "{o}/cv.csv"),
            inputs=("channels.csv",), outputs=("cv.csv", "cv.fit.json"),
            numbers=("--value-per-lead", "--draws", "--seed", "--ended-weeks")),
    Command("allocate plan", ("allocate", "plan", "{d}/curves.csv", "--weeks", "4",
                              "--budget", "80000", "--out", "{o}/weeks.csv"),
            inputs=("curves.csv", "curves.fit.json"), outputs=("weeks.csv",),
            numbers=("--budget", "--weeks", "--max-week", "--margin")),
    Command("allocate plan target", ("allocate", "plan", "{d}/curves.csv", "--weeks", "3",
                                     "--target", "300000", "--json"),
            inputs=("curves.csv",), numbers=("--target", "--weeks")),
    Command("allocate plan weekly", ("allocate", "plan", "{d}/curves.csv", "--weeks", "3",
                                     "--weekly", "20000,25000,20000"),
            inputs=("curves.csv",), numbers=("--weeks",)),
    Command("allocate solve", ("allocate", "solve", "{d}/curves.csv", "--budget", "20000"),
            inputs=("curves.csv", "curves.fit.json"),
            numbers=("--budget", "--margin", "--hold-band", "--narrow-range")),
    Command("allocate solve cvar", ("allocate", "solve", "{d}/curves.csv", "--budget", "20000",
                                    "--risk", "cvar", "--objective", "profit"),
            inputs=("curves.fit.json",), numbers=("--risk-level", "--margin")),
    Command("campaign step", ("campaign", "step", "--state", "{o}/state.json", "--budget", "20000",
                              "--leads", "{d}/profile.csv", "--spend", "{d}/spend.csv",
                              "--out", "{o}/split.csv"),
            inputs=("state.json", "profile.csv", "spend.csv"), outputs=("split.csv", "state.json"),
            updated=("state.json",), numbers=("--budget", "--floor", "--forgetting", "--seed",
                                              "--threshold")),
    Command("campaign step curves", ("campaign", "step", "--state", "{o}/state2.json", "--budget",
                                     "20000", "--curves", "{d}/curves.csv", "--outcomes",
                                     "{d}/outcomes.csv", "--out", "{o}/split.csv"),
            inputs=("state2.json", "curves.csv", "outcomes.csv"),
            outputs=("split.csv", "state2.json"), updated=("state2.json",),
            numbers=("--budget", "--max-change")),
    Command("price", ("price", "--p", "0.3", "--r-high", "500", "--c-high", "120", "--r-low", "80",
                      "--c-low", "40", "--n", "1000"),
            numbers=("--p", "--r-high", "--c-high", "--r-low", "--c-low", "--n", "--multiplier")),
    Command("price solve", ("price", "solve", "--for", "p", "--target-profit", "200", "--r-high", "500",
                            "--c-high", "120", "--r-low", "80", "--c-low", "40"),
            numbers=("--target-profit", "--r-high", "--c-high", "--r-low", "--c-low")),
    Command("price solve n", ("price", "solve", "--for", "multiplier", "--target-total", "50000",
                              "--p", "0.3", "--r-high", "500", "--c-high", "120", "--r-low",
                              "80", "--c-low", "40", "--n", "1000"),
            numbers=("--target-total", "--p", "--multiplier", "--n")),
    Command("price solve margin", ("price", "solve", "--for", "r_high", "--target-margin", "0.3",
                                   "--p", "0.3", "--c-high", "120", "--r-low", "80",
                                   "--c-low", "40", "--n", "100"),
            numbers=("--target-margin", "--n")),
    Command("price leads", ("price", "leads", "{d}/scored.csv", "--target-margin", "0.3",
                            "--c-high", "40", "--c-low", "20", "--out", "{o}/pr.csv",
                            "--economics", "{d}/economics.toml"),
            inputs=("scored.csv", "economics.toml"), outputs=("pr.csv",),
            numbers=("--target-margin", "--c-high", "--c-low", "--threshold", "--r-high", "--cap",
                     "--confidence", "--r-low", "--target-profit")),
    Command("deals compare", ("deals", "compare", "{d}/deals.toml", "--leads", "{d}/scored.csv",
                              "--draws", "500", "--tornado", "{o}/t.csv"),
            inputs=("deals.toml", "scored.csv"), outputs=("t.csv",), numbers=("--draws", "--seed")),
    Command("package", ("package", "{d}/scored.csv", "{d}/buyers.toml", "--out", "{o}/pk.csv",
                        "--time-limit", "5", "--skip-infeasible"),
            inputs=("scored.csv", "buyers.toml"), outputs=("pk.csv",), numbers=("--time-limit",)),
    Command("package economics", ("package", "{d}/scored.csv", "{d}/buyers.toml", "--out",
                                  "{o}/pk.csv", "--economics", "{d}/economics.toml",
                                  "--time-limit", "5", "--skip-infeasible"),
            inputs=("economics.toml",), outputs=("pk.csv",)),
    Command("report", ("report", "{d}/scored.csv", "{d}/profile.csv", "{d}/curves.csv",
                       "{d}/economics.toml", "--out", "{o}/report.html"),
            inputs=("scored.csv", "profile.csv", "curves.csv", "economics.toml"),
            outputs=("report.html",)),
    Command("serve", ("serve", "--db", "{o}/s.db", "--model", "{d}/bundle.json",
                      "--economics", "{d}/economics.toml", "--port", "8799"),
            inputs=("bundle.json", "economics.toml"), outputs=("s.db",),
            numbers=("--port", "--threshold"), json_output=False),
    Command("examples", ("examples", "{o}/ex"), outputs=("ex",)),
)  # fmt: skip


def build_inputs(d: Path) -> None:
    """Write one valid, small input file of every kind into ``d``."""
    from leadlever.engine.qualification import fit_bundle, rescore
    from leadlever.engine.scoring import ConversionModel
    from leadlever.optimisers.curves import fit_curves
    from leadlever.optimisers.curves._result import write_fit
    from leadlever.optimisers.learning import campaign_step
    from leadlever.simulations.examples import write_examples
    from leadlever.simulations.world import TRUE_COLUMNS, simulate_channels, simulate_leads

    write_examples(d)
    leads = simulate_leads(400, seed=21).drop(columns=list(TRUE_COLUMNS))
    leads.to_csv(d / "leads.csv", index=False)
    leads.to_parquet(d / "leads.parquet", index=False)
    closed = leads[leads["converted"].notna()].drop(columns=["created_at"])
    closed.to_csv(d / "closed.csv", index=False)
    model = ConversionModel(cv=2).fit(closed.drop(columns=["converted"]), closed["converted"])
    model.save(d / "model.json")
    model.score_table(leads, reasons=False).to_csv(d / "scored.csv", index=False)
    bundle = fit_bundle(leads, seed=0)
    bundle.save(d / "bundle.json")
    bundle.profile(leads[leads["converted"].isna()]).to_csv(d / "profile.csv", index=False)
    channels = simulate_channels(30, seed=2)
    channels.to_csv(d / "channels.csv", index=False)
    write_fit(fit_curves(channels), d / "curves.csv")  # and its curves.fit.json
    campaign_step(d / "state.json", budget=20000, channels=CHANNELS)
    spend = pd.DataFrame({"channel": CHANNELS, "spend": [3000, 3000, 2000, 4000, 5000, 3000]})
    spend.to_csv(d / "spend.csv", index=False)
    campaign_step(d / "state2.json", budget=20000, channels=CHANNELS)  # period 0 recorded:
    campaign_step(d / "state2.json", budget=20000, channels=CHANNELS,  # outcomes.csv revises it
                  leads=pd.read_csv(d / "profile.csv"), spend=spend)  # fmt: skip
    pd.DataFrame({"period": [0, 0], "channel": CHANNELS[:2], "value": [12.0, 7.0]}).to_csv(
        d / "outcomes.csv", index=False
    )
    rescore(leads, bundle, d / "history.csv", scored_at="2026-01-01T00:00:00Z")
    ids = leads.loc[leads["converted"].isna(), "lead_id"].head(3)
    pd.DataFrame({"event": ["call"] * len(ids), "lead_id": ids}).to_csv(
        d / "events.csv", index=False
    )


# ------------------------------------------------------------------ mutations
#: numbers a user or an export gets wrong
BAD_NUMBERS = ("nan", "inf", "-inf", "1e308", "-1e308", "-5", "0", "1e16", "150", "abc", "")
#: what can go wrong with a table
TABLE_MUTATIONS = (
    "missing", "empty", "binary", "header_only", "semicolons", "tabs", "misspell_column",
    "duplicate_column", "drop_column", "bad_cell", "percent_column", "one_row", "duplicate_row",
    "unicode", "formula_cells",
)  # fmt: skip
#: what can go wrong with a TOML file
TEXT_MUTATIONS = ("missing", "empty", "binary", "truncate", "bad_number", "drop_line", "unicode")
#: what can go wrong with a JSON file
JSON_MUTATIONS = (
    "missing", "empty", "binary", "truncate", "deep", "bad_leaf", "drop_key", "overflow",
)  # fmt: skip


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write_rows(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _numeric_columns(header: list[str], rows: list[list[str]]) -> list[int]:
    out = []
    for j in range(len(header)):
        cells = [r[j] for r in rows if j < len(r) and r[j] != ""]
        try:
            [float(c) for c in cells]
        except ValueError:
            continue
        if cells:
            out.append(j)
    return out


def mutate_table(path: Path, kind: str, pick: int, value: str) -> None:
    """Damage the CSV table at ``path`` (``pick`` chooses a column or row)."""
    if kind in ("missing", "empty", "binary"):
        _common(path, kind, pick)
        return
    header, rows = _rows(path)
    numeric = _numeric_columns(header, rows) or [0]
    col = numeric[pick % len(numeric)]
    any_col = pick % len(header)
    if kind == "header_only":
        rows = []
    elif kind in ("semicolons", "tabs"):
        _write_rows(path, header, rows, ";" if kind == "semicolons" else "\t")
        return
    elif kind == "misspell_column":
        header[any_col] = header[any_col][:-1] + "x"
    elif kind == "duplicate_column":
        header[any_col] = header[(any_col + 1) % len(header)]
    elif kind == "drop_column":
        header = header[:any_col] + header[any_col + 1 :]
        rows = [r[:any_col] + r[any_col + 1 :] for r in rows]
    elif kind == "bad_cell" and rows:
        rows[pick % len(rows)][col] = value
    elif kind == "percent_column":
        for r in rows:
            try:
                r[col] = repr(float(r[col]) * 100)
            except ValueError:  # not a number (or empty): leave it
                pass
    elif kind == "one_row":
        rows = rows[:1]
    elif kind == "duplicate_row" and rows:
        rows.append(list(rows[pick % len(rows)]))
    elif kind == "unicode":
        header[any_col] = header[any_col] + "_Zürich_北京"
        for r in rows[:5]:
            r[any_col] = "Zürich 北京 🚀 " + r[any_col]
    elif kind == "formula_cells":
        for r in rows[:5]:
            r[any_col] = "=1+1" if r[any_col] == "" else "-" + r[any_col]
    _write_rows(path, header, rows)


def mutate_parquet(path: Path, kind: str, pick: int, value: str) -> None:
    """Damage a Parquet table: as CSV, then back to Parquet (or the damaged bytes as they are)."""
    as_csv = path.with_suffix(".csv")
    pd.read_parquet(path).to_csv(as_csv, index=False)
    mutate_table(as_csv, kind, pick, value)
    if not as_csv.exists():
        path.unlink()
        return
    try:
        pd.read_csv(as_csv, dtype={"lead_id": str}, sep=None, engine="python").to_parquet(
            path, index=False
        )
    except Exception:  # not a table any more: the damaged bytes are the Parquet file
        path.write_bytes(as_csv.read_bytes())
    as_csv.unlink()


def _common(path: Path, kind: str, pick: int) -> None:
    if kind == "missing":
        path.unlink()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(np.random.default_rng(pick).bytes(200 + pick % 500))


def mutate_text(path: Path, kind: str, pick: int, value: str) -> None:
    """Damage a TOML file."""
    if kind in ("missing", "empty", "binary"):
        _common(path, kind, pick)
        return
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if kind == "truncate":
        path.write_text(text[: pick % max(len(text), 1)], encoding="utf-8")
        return
    if kind == "bad_number":
        numeric = [i for i, line in enumerate(lines) if _number_value(line)]
        if numeric:
            i = numeric[pick % len(numeric)]
            key = lines[i].split("=", 1)[0]
            literal = (
                value
                if value in ("nan", "inf", "-inf")
                else (json.dumps(value) if value in ("abc", "") else value)
            )
            lines[i] = f"{key}= {literal}"
    elif kind == "drop_line" and lines:
        del lines[pick % len(lines)]
    elif kind == "unicode":
        lines.insert(0, "# Zürich 北京 🚀")
        lines = [line.replace('"', '"ü', 1) if i == pick % max(len(lines), 1) else line
                 for i, line in enumerate(lines)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _number_value(line: str) -> bool:
    if "=" not in line or line.lstrip().startswith("#"):
        return False
    raw = line.split("=", 1)[1].split("#")[0].strip()
    try:
        float(raw)
    except ValueError:
        return False
    return True


def _leaves(doc: object, path: tuple = ()) -> list[tuple]:
    if isinstance(doc, dict):
        return [leaf for k, v in doc.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(doc, list):
        return [leaf for i, v in enumerate(doc) for leaf in _leaves(v, (*path, i))]
    return [path]


def mutate_json(path: Path, kind: str, pick: int, value: str) -> None:
    """Damage a JSON file (model, bundle, state)."""
    if kind in ("missing", "empty", "binary"):
        _common(path, kind, pick)
        return
    text = path.read_text(encoding="utf-8")
    if kind == "truncate":
        path.write_text(text[: pick % max(len(text), 1)], encoding="utf-8")
        return
    if kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        return
    if kind == "overflow":
        path.write_text(text.replace(": 0.", ': 1e999, "x": 0.', 1), encoding="utf-8")
        return
    doc = json.loads(text)
    leaves = [leaf for leaf in _leaves(doc) if leaf and leaf[0] not in ("format", "version")]
    target = leaves[pick % len(leaves)]
    parent = doc
    for key in target[:-1]:
        parent = parent[key]
    if kind == "drop_key" and isinstance(parent, dict):
        del parent[target[-1]]
    else:  # bad_leaf
        try:
            parent[target[-1]] = float(value) if value not in ("abc", "") else value
        except ValueError:
            parent[target[-1]] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
