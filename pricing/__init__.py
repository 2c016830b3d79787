"""pricing: expected-profit formulas, solving for a lever, per-lead prices."""

__all__: list[str] = []
