"""Packaged example inputs (e.g. ``example_deals.toml``)."""

__all__: list[str] = []
