"""Schemas of LeadLever's JSON files (models, bundles, loop states), checked on load.

A schema is built from a few small pieces and checked by :func:`check_doc`, which names
the first wrong field by its path (``preprocessing.plans[3].knots[0]``) and what it should
be, so a damaged file says what is wrong instead of failing later with a ``KeyError``:

=====================  ===================================================================
``Number(low, high)``  a finite real number (not a boolean) in the range; ``integer=True``
                       for whole numbers
``TEXT``, ``BOOL``     a string, a boolean
``Choice(*values)``    one of the given values
``Obj({...})``         an object with these keys (``optional`` names those that may be
                       absent); other keys are allowed (newer writers may add some)
``ListOf(item)``       a list; ``length`` names a sibling field whose length it must match
``MapOf(value)``       an object with any keys, each value checked
``Tagged(key, {...})`` an object whose ``key`` field selects its schema
``Nullable(item)``     ``null`` or the item
``ANY``                anything JSON (numbers in it are still finite: the parser checks)
=====================  ===================================================================

Examples
--------
>>> spec = Obj({"alpha": Number(0, 1), "names": ListOf(TEXT)})
>>> check_doc({"alpha": 0.5, "names": ["a"]}, spec) is None
True
>>> check_doc({"alpha": "x", "names": []}, spec)
"field 'alpha' must be a number in [0, 1], not 'x'"
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadlever.engine.io._numbers import MAX_ABS_VALUE, shorten

__all__ = [
    "Spec",
    "Number",
    "Text",
    "TEXT",
    "BOOL",
    "ANY",
    "Choice",
    "Obj",
    "ListOf",
    "MapOf",
    "Tagged",
    "Nullable",
    "check_doc",
]


class _Problem(Exception):
    def __init__(self, path: str, problem: str):
        super().__init__(path, problem)
        self.path = path
        self.problem = problem


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class Spec:
    """Base of the schema pieces: ``check(value, path, parent)`` raises on a mismatch."""

    def describe(self) -> str:  # pragma: no cover - overridden
        return "a value"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class Number(Spec):
    low: float | None = None
    high: float | None = None
    integer: bool = False
    low_open: bool = False

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{kind} {'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{kind} <= {self.high:g}"
        return kind

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _Problem(path, f"must be {self.describe()}, not {shorten(value)}")
        x = float(value)
        if not math.isfinite(x) or abs(x) > MAX_ABS_VALUE:
            raise _Problem(path, f"must be {self.describe()}, not {x:g}")
        too_low = self.low is not None and (x <= self.low if self.low_open else x < self.low)
        too_high = self.high is not None and x > self.high
        if (self.integer and x != round(x)) or too_low or too_high:
            raise _Problem(path, f"must be {self.describe()}, not {x:g}")


@dataclass(frozen=True)
class Text(Spec):
    def describe(self) -> str:
        return "a text"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, str):
            raise _Problem(path, f"must be a text, not {shorten(value)}")


@dataclass(frozen=True)
class _Bool(Spec):
    def describe(self) -> str:
        return "true or false"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, bool):
            raise _Problem(path, f"must be true or false, not {shorten(value)}")


@dataclass(frozen=True)
class _Any(Spec):
    def describe(self) -> str:
        return "any value"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        return None


TEXT = Text()
BOOL = _Bool()
ANY = _Any()


class Choice(Spec):
    def __init__(self, *values: Any):
        self.values = values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if isinstance(value, bool) or value not in self.values:
            raise _Problem(path, f"must be {self.describe()}, not {shorten(value)}")


@dataclass(frozen=True)
class Nullable(Spec):
    item: Spec

    def describe(self) -> str:
        return f"null or {self.item.describe()}"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if value is not None:
            self.item.check(value, path, parent)


@dataclass(frozen=True)
class Obj(Spec):
    fields: dict[str, Spec]
    optional: tuple[str, ...] = ()

    def describe(self) -> str:
        return "an object"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, dict):
            raise _Problem(path or "(top level)", f"must be an object, not {shorten(value)}")
        for key, spec in self.fields.items():
            if key not in value:
                if key in self.optional:
                    continue
                raise _Problem(_join(path, key), "is missing")
            spec.check(value[key], _join(path, key), value)


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    length: str | None = None
    min_length: int = 0

    def describe(self) -> str:
        return f"a list, each item {self.item.describe()}"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, list):
            raise _Problem(path, f"must be {self.describe()}, not {shorten(value)}")
        if len(value) < self.min_length:
            raise _Problem(path, f"must hold at least {self.min_length} values, not {len(value)}")
        if self.length is not None and parent is not None:
            other = parent.get(self.length)
            if isinstance(other, list | dict) and len(other) != len(value):
                raise _Problem(
                    path, f"has {len(value)} values but '{self.length}' has {len(other)}"
                )
        for i, item in enumerate(value):
            self.item.check(item, _join(path, i), parent)


@dataclass(frozen=True)
class MapOf(Spec):
    value: Spec

    def describe(self) -> str:
        return f"an object, each value {self.value.describe()}"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, dict):
            raise _Problem(path, f"must be {self.describe()}, not {shorten(value)}")
        for key, item in value.items():
            self.value.check(item, _join(path, key), value)


@dataclass(frozen=True)
class Tagged(Spec):
    key: str
    variants: dict[str, Spec] = field(default_factory=dict)

    def describe(self) -> str:
        return "an object"

    def check(self, value: Any, path: str, parent: Mapping | None = None) -> None:
        if not isinstance(value, dict):
            raise _Problem(path, f"must be an object, not {shorten(value)}")
        tag = value.get(self.key)
        if not isinstance(tag, str) or tag not in self.variants:
            choices = ", ".join(repr(v) for v in self.variants)
            raise _Problem(_join(path, self.key), f"must be one of {choices}, not {shorten(tag)}")
        self.variants[tag].check(value, path, parent)


def check_doc(data: Any, spec: Spec) -> str | None:
    """``None`` when ``data`` fits ``spec``, else the first problem as ``field 'x.y' ...``."""
    try:
        spec.check(data, "", None)
    except _Problem as problem:
        return f"field '{problem.path}' {problem.problem}"
    return None
