"""Shared plumbing of the CLI: error mapping, JSON output, progress, tables.

The library raises :class:`leadlever.engine.exceptions.LeadLeverError` subclasses for
anything a user can fix; :func:`handle_errors` turns those into a one-paragraph
message on stderr and exit code 2, and any other exception into exit code 1.
"""

from __future__ import annotations

import functools
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from leadlever.engine.exceptions import LeadLeverError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "handle_errors",
    "emit_json",
    "to_jsonable",
    "progress",
    "print_table",
    "echo_err",
    "fail",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


def echo_err(message: str) -> None:
    """Print to stderr."""
    typer.echo(message, err=True)


def fail(message: str) -> None:
    """Stop with a user error (exit code 2)."""
    echo_err(f"Error: {message}")
    raise typer.Exit(EXIT_USER_ERROR)


def handle_errors(func: F) -> F:
    """Decorate a command: user errors exit 2 with a message, internal ones exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # record every warning so a command prints LeadLever's own once each, as one readable
        # line on stderr (_print_notes), instead of Python's file-and-line format
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return _run(func, args, kwargs)
            finally:
                _print_notes(caught)

    return wrapper  # type: ignore[return-value]


def _print_notes(caught: list[warnings.WarningMessage]) -> None:
    """Library warnings as one readable line each on stderr (no file paths), deduplicated."""
    seen: set[str] = set()
    for item in caught:
        text = str(item.message)
        # LeadLever's own notices are UserWarnings; numeric RuntimeWarnings and deprecations
        # from dependencies are not for the user of a command
        if text in seen or not issubclass(item.category, UserWarning):
            continue
        seen.add(text)
        echo_err(f"Warning: {text}")


def _run(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call a command; user errors exit 2 with a message, internal ones exit 1."""
    try:
        return func(*args, **kwargs)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except LeadLeverError as exc:
        echo_err(f"Error: {exc}")
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        echo_err("Interrupted; no output was written.")
        raise typer.Exit(130) from None
    except Exception as exc:  # internal failure: say so, keep it short
        echo_err(
            f"Internal error ({type(exc).__name__}: {exc}). This is a bug in LeadLever; "
            "please report it with the command you ran."
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and containers to JSON-safe Python objects.

    Non-finite floats become ``null`` so the output is strict JSON. numpy and pandas are
    not imported here: their objects exist only when a command has loaded them, and the
    small commands (``price --json``) should not pay for the import.
    """
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if np is not None and isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if pd is not None and isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if pd is not None and isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if np is not None and isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float) or (np is not None and isinstance(obj, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if np is not None and isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, datetime | date):  # pandas.Timestamp is a datetime
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if pd is not None and (obj is pd.NA or obj is pd.NaT):
        return None
    return obj


def emit_json(payload: dict[str, Any]) -> None:
    """Print exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(payload), allow_nan=False) + "\n")
    sys.stdout.flush()


T = TypeVar("T")


def progress(items: Iterable[T], label: str, *, length: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar on stderr (hidden when stderr is not a terminal)."""
    with typer.progressbar(items, label=label, length=length, file=sys.stderr) as bar:
        yield from bar


def print_table(
    frame: pd.DataFrame, *, title: str | None = None, float_format: str = "{:,.2f}"
) -> None:
    """Print a DataFrame as a readable text table on stdout."""
    import pandas as pd

    if title:
        typer.echo(title)
    with pd.option_context("display.max_columns", 50, "display.width", 160):
        formatted = frame.copy()
        for col in formatted.columns:
            if pd.api.types.is_float_dtype(formatted[col]):
                formatted[col] = formatted[col].map(
                    lambda v: "" if pd.isna(v) else float_format.format(v)
                )
        typer.echo(formatted.to_string(index=False))
