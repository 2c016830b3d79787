"""Versioned JSON files: the one way LeadLever saves and loads what a user keeps.

Model files, qualification bundles and loop states are plain JSON objects that
start with ``"format"`` (what the file is, e.g. ``"leadlever.conversion_model"``)
and ``"version"`` (an integer). Loading parses JSON only, so a file can never run
code (no pickle); it rejects ``NaN``/``Infinity`` (also numbers too large for a float,
such as ``1e999``), absurd nesting, binary content, a wrong format or version, and a
document that does not fit the file's schema (:mod:`leadlever.engine.io._docschema`: types,
shapes, finite numbers), with a message naming the file, the wrong field and how to make
a good one. :func:`rebuilding` turns any error left while an object is rebuilt from a
checked document into the same kind of message.

Examples
--------
>>> doc = versioned("leadlever.example", 1, {"alpha": 0.5})
>>> check_versioned(doc, fmt="leadlever.example", version=1, what="example", hint="")["alpha"]
0.5
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from leadlever.engine.exceptions import InputFileError, LeadLeverError, ModelFileError
from leadlever.engine.io._docschema import Spec, check_doc
from leadlever.engine.io._numbers import shorten
from leadlever.engine.io._tables import atomic_write_text

__all__ = [
    "MAX_JSON_DEPTH",
    "versioned",
    "check_versioned",
    "dumps_json",
    "loads_json",
    "save_versioned",
    "load_versioned",
    "read_json_text",
    "rebuilding",
]

#: deepest nesting a LeadLever JSON file may have (the deepest written is about 6)
MAX_JSON_DEPTH = 64


def versioned(fmt: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    """``{"format": fmt, "version": version, **body}``."""
    return {"format": fmt, "version": int(version), **body}


def check_versioned(
    data: Any,
    *,
    fmt: str,
    version: int,
    what: str,
    hint: str,
    source: str | None = None,
    schema: Spec | None = None,
) -> dict[str, Any]:
    """Check that ``data`` is a ``fmt`` document of ``version``; return it.

    Parameters
    ----------
    data : object
        Parsed JSON.
    fmt, version : str, int
        The expected ``"format"`` and ``"version"``.
    what : str
        What the file holds, for messages ("conversion model").
    hint : str
        How to make a good file ("Fit one with `leadlever score fit`.").
    source : str, optional
        Where ``data`` came from ("Model file 'm.json'"); default "The <what>".
    schema : Spec, optional
        The document's schema (:mod:`leadlever.engine.io._docschema`).

    Raises
    ------
    ModelFileError
        Not a dict, another format, another version, or a field that does not fit ``schema``.
    """
    src = source or f"The {what}"
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ModelFileError(
            f'{src} is not a LeadLever {what} (expected "format": "{fmt}"). {hint}'.rstrip()
        )
    if data.get("version") != version:
        raise ModelFileError(
            f"{src} has {what} format version {data.get('version')!r}; this LeadLever reads "
            f"version {version}. {hint}".rstrip()
        )
    if schema is not None and (problem := check_doc(data, schema)) is not None:
        raise ModelFileError(f"{src} is damaged: {problem}. {hint}".rstrip())
    return data


@contextlib.contextmanager
def rebuilding(source: str, hint: str = "") -> Iterator[None]:
    """Turn an error while rebuilding an object from a checked document into a
    :class:`ModelFileError` naming the file and the field (``KeyError``) or the problem."""
    try:
        yield
    except LeadLeverError:
        raise
    except KeyError as exc:
        raise ModelFileError(
            f"{source} is damaged: field {shorten(exc.args[0] if exc.args else '?')} is "
            f"missing. {hint}".rstrip()
        ) from None
    except (TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError) as exc:
        raise ModelFileError(
            f"{source} is damaged ({type(exc).__name__}: {shorten(str(exc), 120)}). {hint}".rstrip()
        ) from None


def dumps_json(doc: Any, *, indent: int | None = 1) -> str:
    """JSON text of ``doc``; NaN or infinite numbers are a :class:`ModelFileError`."""
    try:
        return json.dumps(doc, indent=indent, allow_nan=False)
    except ValueError as exc:
        raise ModelFileError(
            f"Cannot save: a value is NaN or infinite ({exc}). Check the input data for "
            "missing or extreme values."
        ) from None


def _nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{shorten(text, 30)} is too large for a number")
    return value


def loads_json(text: str, *, source: str) -> Any:
    """Parse JSON text strictly: no NaN/Infinity/overflowing numbers, nesting at most
    :data:`MAX_JSON_DEPTH`."""
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise ModelFileError(
            f"{source} nests deeper than {MAX_JSON_DEPTH} levels: it is not a LeadLever file."
        )
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{source} is not valid JSON ({shorten(str(exc), 160)}).") from None


def save_versioned(doc: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``doc`` (from :func:`versioned`) to ``path`` atomically."""
    return atomic_write_text(dumps_json(doc), path)


def read_json_text(path: str | os.PathLike, *, source: str, hint: str = "") -> str:
    """The text of a JSON file, or an :class:`InputFileError` naming it (missing, a folder,
    unreadable, binary or not UTF-8)."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{source} does not exist. Check the path. {hint}".rstrip())
    if p.is_dir():
        raise InputFileError(f"{source} is a folder, not a file. {hint}".rstrip())
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"{source} cannot be read: it is not UTF-8 JSON text ({shorten(str(exc), 100)}). "
            f"{hint}".rstrip()
        ) from None
    if "\x00" in text:
        raise InputFileError(f"{source} holds binary data, not JSON text. {hint}".rstrip())
    return text


def load_versioned(
    path: str | os.PathLike,
    *,
    fmt: str,
    version: int,
    what: str,
    hint: str,
    schema: Spec | None = None,
) -> dict[str, Any]:
    """Read and check a file written by :func:`save_versioned`.

    Raises
    ------
    InputFileError
        The file does not exist or is not UTF-8 text.
    ModelFileError
        Not valid JSON, too deeply nested, NaN/Infinity, another format or version, or a
        field that does not fit ``schema``.
    """
    p = Path(path)
    source = f"{what[0].upper()}{what[1:]} file '{p}'"
    text = read_json_text(p, source=source, hint=hint)
    data = loads_json(text, source=source)
    return check_versioned(
        data, fmt=fmt, version=version, what=what, hint=hint, source=source, schema=schema
    )
