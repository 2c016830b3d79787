"""The one settings object for business figures: defaults, file, options, sources, formulas."""

from __future__ import annotations

import numpy as np
import pytest

from leadlever.engine.economics import Economics, load_economics
from leadlever.engine.exceptions import InputFileError, ParameterError


def test_sources_default_file_option(tmp_path):
    path = tmp_path / "economics.toml"
    path.write_text(
        "hourly_rate = 80\nvalue_per_conversion = 5000\n[generation_cost_by_channel]\nsocial = 12\n"
    )
    econ = load_economics(path, value_per_conversion=7000.0, contact_cost=None)
    assert econ.hourly_rate == 80 and econ.source("hourly_rate") == "file"
    assert econ.value_per_conversion == 7000 and econ.source("value_per_conversion") == "option"
    assert econ.source("commission_rate") == "default" and econ.commission_rate == 0.2
    assert econ.generation_cost_by_channel == {"social": 12.0}
    records = [a.to_dict() for a in econ.assumptions(["hourly_rate", "contact_cost"])]
    assert records == [
        {"name": "hourly_rate", "value": 80.0, "source": "file"},
        {"name": "contact_cost", "value": 0.0, "source": "default"},
    ]
    assert econ.assumption("hourly_rate").describe() == "hourly rate 80 (file)"


def test_bad_economics(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text("hourly_rat = 80\n")
    with pytest.raises(ParameterError, match="Did you mean 'hourly_rate'"):
        load_economics(path)
    path.write_text("commission_rate = 20\n")
    with pytest.raises(ParameterError, match="e.toml.*percentage"):
        load_economics(path)
    with pytest.raises(ParameterError, match=">= 0"):
        Economics(hourly_rate=-1)
    with pytest.raises(ParameterError, match="finite"):
        Economics(contact_cost=float("nan"))
    with pytest.raises(InputFileError):
        load_economics(tmp_path / "missing.toml")


def test_delivery_cost_and_in_house_value_formulas():
    e = Economics(hourly_rate=50, legal_fees=200, admin_overhead=10)
    p, hours = np.array([0.1, 0.5]), np.array([4.0, 8.0])
    np.testing.assert_allclose(e.delivery_cost(p, hours), [50 * 4 + 20 + 10, 50 * 8 + 100 + 10])
    np.testing.assert_allclose(
        e.in_house_value(p, [10_000, 20_000], hours), [1000 - 230, 10_000 - 510]
    )
    per_lead = Economics(legal_fees=200, legal_fees_per="lead", admin_overhead=0, hourly_rate=0)
    np.testing.assert_allclose(per_lead.delivery_cost(p, hours), [200, 200])
    by = Economics(generation_cost=5, generation_cost_by_channel={"a": 9})
    np.testing.assert_allclose(by.generation_costs(3, ["a", "b", "a"]), [9, 5, 9])
