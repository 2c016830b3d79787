"""DEALS.toml parsing."""

from __future__ import annotations

import pytest

from leadlever.simulations.deals import example_deals_path, load_deals
from leadlever.simulations.exceptions import DealError


def test_example_file_parses():
    spec = load_deals(example_deals_path())
    assert [d.name for d in spec.deals] == ["client_contract", "lead_sale", "retainer"]
    assert spec.pool == {"city": "Berlin", "season": "autumn", "method": "poisson_binomial"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[[deals]]\nkind = 'line'\nintercept = 1\nslope = 2\n", "no 'name'"),
        ("x = 1\n", "unknown top-level"),
        ("[pool]\ncity = 'X'\n", "no deals"),
        (
            "[[deals]]\nname = 'a'\nkind = 'line'\nintercept = 1\nslope = 2\n[pool]\nseason = 'monsoon'\n",
            "season",
        ),
        ("[[deals]]\nname = 'a'\nkind = 'line'\nintercept = 1\n", "needs"),
        ("[[deals\nname = ", "not valid TOML"),
    ],
)
def test_bad_files(tmp_path, text, match):
    path = tmp_path / "deals.toml"
    path.write_text(text)
    with pytest.raises(DealError, match=match):
        load_deals(path)


def test_missing_file(tmp_path):
    with pytest.raises(DealError, match="does not exist"):
        load_deals(tmp_path / "nope.toml")
