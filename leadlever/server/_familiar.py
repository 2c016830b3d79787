"""Which fields of a posted lead hold a category the conversion model was not fitted on, and
which hold text where the model reads numbers.

The library answers this for a table (:func:`~leadlever.engine.scoring._familiarity.
unfamiliar_values`, with pandas: about 12 ms for one lead of the simulated bundle); the
service asks it for every posted lead, so this reads the records directly, as the compiled
fast path reads categories (:class:`~leadlever.server._fast_terms.PlanReader`): a text value
is unfamiliar when, stripped, it is neither empty, nor a declared sentinel, nor a level of the
fitted model (nor its ``missing``/``other`` cell). A category sent as a number or a boolean is
left to the library, whose text form of it this does not copy. ``tests/server/
test_familiar.py`` checks the two agree.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["FamiliarFields"]

#: level texts that are cells of their own, never unfamiliar (the library's _PSEUDO_LEVELS)
_CELLS = frozenset({"missing", "other"})


class FamiliarFields:
    """The per-lead checks for one fitted conversion model (compiled once per model version):
    unfamiliar categories (:meth:`of`) and text where it reads numbers (:meth:`text_in_numbers`)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.columns: list[tuple[str, frozenset[str], frozenset[str]]] = []
        self.numbers: list[tuple[str, frozenset[str]]] = []
        pre = getattr(model, "preprocessor_", None)
        if pre is None:
            return
        for plan in pre.plans_:
            name = plan["name"]
            words = frozenset(
                str(v).strip().lower() for v in pre.sentinels.get(name, []) if isinstance(v, str)
            )
            if plan["kind"] == "numeric":
                self.numbers.append((name, words))
            elif plan["kind"] == "categorical" and hasattr(model, "bins_"):  # cells: levels
                self.columns.append((name, frozenset(map(str, plan["levels"])) | _CELLS, words))

    def of(self, records: list[dict[str, Any]]) -> list[dict[str, str]]:
        """Per record, ``{column: value}`` of its unfamiliar categories."""
        out: list[dict[str, str]] = []
        for r in records:
            found: dict[str, str] = {}
            for name, levels, words in self.columns:
                v = r.get(name)
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                if not isinstance(v, str):
                    return self._library(records)
                text = v.strip()
                if text and text not in levels and text.lower() not in words:
                    found[name] = text
            out.append(found)
        return out

    def text_in_numbers(self, records: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        """``(record, field, value)`` of every posted value that is text, not a number, in a
        column the model reads as numbers (declared sentinels and empty text are missing
        values, as in the library). The library would score such a value as missing; a file
        with it is refused (``engine.io._numbers``), and so is a posted lead."""
        from leadlever.server._fast_terms import _number

        found = []
        for i, r in enumerate(records):
            for name, words in self.numbers:
                v = r.get(name)
                if not isinstance(v, str) or not v.strip() or v.strip().lower() in words:
                    continue
                if math.isnan(_number(v)) and v.strip().lower() != "nan":
                    found.append((i, name, v))
        return found

    def _library(self, records: list[dict[str, Any]]) -> list[dict[str, str]]:
        import pandas as pd

        from leadlever.engine.scoring._familiarity import unfamiliar_values

        return unfamiliar_values(self.model, pd.DataFrame.from_records(records))
