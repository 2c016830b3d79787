"""Money written as text (``$30,518.00``, ``1.234,56 €``) is read as numbers, where a table
is read; an ambiguous column is left alone, never guessed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.io import OutcomeSpec, inspect_table, read_table
from leadlever.engine.io._money import money_columns, parse_money
from leadlever.simulations.world import simulate_export


def _us(x: float) -> str:
    return f"${x:,.2f}"


def _eu(x: float) -> str:
    # 1.234,56 €: swap the separators of the US writing
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + " €"


@pytest.mark.parametrize(("write", "mark"), [(_us, "."), (_eu, ",")])
def test_amounts_read_back_to_the_cent(write, mark):
    rng = np.random.default_rng(7)
    amounts = np.round(rng.lognormal(7, 2, 300), 2)
    frame = pd.DataFrame({"amount": [write(x) for x in amounts] + [""]})
    assert money_columns(frame) == {"amount": mark}
    parsed = parse_money(frame["amount"], mark)
    np.testing.assert_allclose(parsed.iloc[:-1].to_numpy(), amounts, rtol=0, atol=1e-9)
    assert np.isnan(parsed.iloc[-1])


def test_negative_and_ambiguous_and_not_money():
    frame = pd.DataFrame(
        {
            "neg": ["(1,200.00)", "-$3.50", "$4"],
            "grouped": ["1,234", "2,345", "3,456"],  # 1234 or 1.234: no currency to tell
            "phone": ["+1 555 123 4567", "+44 20 7946", "555 0100"],
            "words": ["Won", "Lost", "$5"],
        }
    )
    found = money_columns(frame)
    assert found == {"neg": "."}
    assert parse_money(frame["neg"], ".").tolist() == [-1200.0, -3.5, 4.0]


def test_read_table_and_inspect_see_money_as_numbers(tmp_path):
    export = simulate_export("pipeline", 1500, seed=3)[0]
    plain, money = tmp_path / "plain.csv", tmp_path / "money.csv"
    export.to_csv(plain, index=False)
    export.assign(
        close_value=export["close_value"].map(lambda v: _us(v) if pd.notna(v) else "")
    ).to_csv(money, index=False)
    table = read_table(money)
    np.testing.assert_allclose(
        table["close_value"].to_numpy(dtype=float),
        export["close_value"].to_numpy(dtype=float),
        equal_nan=True,
    )
    spec = OutcomeSpec("deal_stage", ("Won",), ("Lost",))
    col = inspect_table(table, outcome=spec).column("close_value")
    assert col.kind == "numeric" and any("money written as text" in w for w in col.warnings)
    # qualify fit's profit criterion fits on the money column as on the plain numbers
    runner = CliRunner()
    results = []
    for path in (plain, money):
        res = runner.invoke(
            app,
            ["qualify", "fit", str(path), "--target", "deal_stage", "--won", "Won", "--lost",
             "Lost", "--created-col", "engage_date", "--closed-col", "close_date",
             "--value-col", "close_value", "--bundle-out", str(tmp_path / f"{path.stem}.json"),
             "--json"],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        results.append(json.loads(res.stdout)["metrics"])
    assert "value" in results[1] and results[1]["value"]["n_test"] > 0
    assert results[1]["value"] == pytest.approx(results[0]["value"])
