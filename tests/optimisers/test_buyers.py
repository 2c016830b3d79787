"""Buyers file parsing: the example, typos with suggestions, bad values."""

from __future__ import annotations

import pytest

from leadlever.optimisers.exceptions import BuyersFileError
from leadlever.optimisers.packaging import parse_buyers, read_buyers
from leadlever.simulations.examples import example_path

EXAMPLE = example_path("example_buyers.toml")


def test_example_file_parses():
    market = read_buyers(EXAMPLE)
    names = [b.name for b in market.buyers]
    assert names == ["niche-partner", "volume-broker", "dach-recruiters"]
    niche = market.buyers[0]
    assert niche.min_leads == 20 and niche.max_leads == 50 and niche.min_rating == "A"
    assert niche.tiers(market.scale) == [("AAA", 120.0), ("AA", 100.0), ("A", 80.0)]
    dach = market.buyers[2]
    assert not dach.exclusive and dach.price_factor == pytest.approx(0.7)
    assert market.max_share == 2


def _one(**kw):
    return {"buyer": [{"name": "x", "price_per_lead": 10, **kw}]}


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_one(min_mean_pp=0.4), "Did you mean 'min_mean_p'"),
        (_one(pakages=2), "Did you mean 'packages'"),
        (_one(min_mean_p=40), "percentage"),
        (_one(min_grade="AAB"), "not a grade"),
        (_one(min_leads=10, max_leads=5), "below 'min_leads'"),
        (_one(price_per_lead={"AAA": 50, "A": 80}), "worse grade"),
        ({"buyer": [{"price_per_lead": 3}]}, "'name' is required"),
        ({"byer": []}, "Did you mean 'buyer'"),
        (
            {"buyer": [{"name": "a", "price_per_lead": 1}, {"name": "a", "price_per_lead": 2}]},
            "unique",
        ),
    ],
)
def test_bad_buyers_explained(doc, fragment):
    with pytest.raises(BuyersFileError) as info:
        parse_buyers(doc, source="b.toml")
    assert fragment in str(info.value)
    assert "b.toml" in str(info.value)


def test_read_buyers_missing_and_invalid(tmp_path):
    with pytest.raises(BuyersFileError, match="does not exist"):
        read_buyers(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[buyer]\nname = 1")
    with pytest.raises(BuyersFileError, match="not valid TOML"):
        read_buyers(bad)


def test_share_discount_on_an_exclusive_buyer_warns():
    doc = {"buyer": [{"name": "x", "price_per_lead": 5, "share_discount": 0.2}]}
    with pytest.warns(UserWarning, match="applies only to non-exclusive buyers"):
        market = parse_buyers(doc, source="b.toml")
    assert market.buyers[0].price_factor == 1.0  # ignored: exclusive buyers pay list prices
