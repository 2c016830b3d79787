"""Shared plumbing of the CLI: the boundary checks, error mapping, JSON output, tables.

The library raises :class:`leadlever.engine.exceptions.LeadLeverError` subclasses for
anything a user can fix; :func:`handle_errors` turns those into a one-paragraph
message on stderr and exit code 2, and any other exception into exit code 1.

:func:`handle_errors` is also where every command's options are checked before any work
starts, in one place for all commands:

* every number option is finite and at most ``MAX_ABS_VALUE`` in size (``--budget 1e308``,
  ``--shift-delta nan`` and ``--horizon-weeks inf`` are errors naming the option);
  ``--seed`` is a whole number in [0, 2**32 - 1];
* the outputs a command declares (``@handle_errors(outputs={"out": "table"})``) are
  checked with :func:`leadlever.engine.io.check_outputs` (writable folder, not a folder,
  the right extension, not one of the command's inputs);
* a closed stdout (``leadlever ... | head``) after the work is saved is not a failure
  (exit 0, no traceback); running out of memory, or a file the system refuses to write,
  is a user error (exit 2) with a message saying what to do.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from leadlever.engine.exceptions import LeadLeverError, error_details

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
    "DedupeOption",
    "Engine",
    "EngineOption",
    "SchedulerOption",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1
#: longest error message printed (a message quoting a huge cell is cut)
MAX_MESSAGE_CHARS = 2_000
#: integer options with a fixed valid range, by parameter name
INT_RANGES = {"seed": (0, 2**32 - 1)}


class Engine(StrEnum):
    """Where ``score apply`` / ``qualify apply`` run (``leadlever.engine.io._engines``)."""

    local = "local"
    dask = "dask"


EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="local: this machine, in bounded memory (CSV or Parquet); dask: a Parquet "
        "dataset (a folder of .parquet files) on Dask, the output a folder of parts "
        "(needs the dask extra).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786) for --engine dask; default: local threads.",
    ),
]

#: ``--dedupe`` on every command that reads a lead table (help text: engine.io.DEDUPE_HELP)
DedupeOption = Annotated[
    bool,
    typer.Option(
        "--dedupe",
        help="Keep the first row of each repeated lead_id and drop the others (default: a "
        "repeated lead_id is an error).",
    ),
]


def echo_err(message: str) -> None:
    """Print to stderr."""
    typer.echo(message, err=True)


class CommandLineError(LeadLeverError):
    """Options that do not go together, or one that is missing (raised by :func:`fail`)."""


def fail(message: str) -> None:
    """Stop with a user error (exit code 2; the command's error handling prints it)."""
    raise CommandLineError(message)


def _stop(code: int, message: str, details: dict[str, Any], as_json: bool) -> typer.Exit:
    """Say why a command stops: on stderr, and with ``--json`` as one JSON object on stdout
    (:func:`~leadlever.engine.exceptions.error_details` plus ``exit_code``), so a program
    reading stdout gets an answer either way."""
    echo_err(message)
    if as_json:
        try:
            emit_json({**details, "exit_code": code})
        except (BrokenPipeError, OSError, ValueError):  # stdout closed: stderr said it
            pass
    return typer.Exit(code)


def handle_errors(
    func: F | None = None,
    *,
    outputs: Mapping[str, str] | None = None,
    inputs: tuple[str, ...] = (),
) -> Any:
    """Decorate a command: options and outputs checked first; user errors exit 2 with a
    message, internal ones exit 1.

    Parameters
    ----------
    outputs : mapping, optional
        Parameter name -> output kind (``"table"``, ``"json"``, ``"image"``, ``"html"``,
        ``"folder"``, ``"file"``) of each path the command writes.
    inputs : tuple of str
        Parameter names of the command's input files (an output may not be one of them).

    Examples
    --------
    >>> @handle_errors(outputs={"out": "table"}, inputs=("data",))
    ... def apply(data, out): ...
    """
    if func is None:
        return lambda f: handle_errors(f, outputs=outputs, inputs=inputs)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # record every warning so a command prints LeadLever's own once each, as one readable
        # line on stderr (_print_notes), instead of Python's file-and-line format
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return _run(func, args, kwargs, outputs or {}, inputs)
            finally:
                _print_notes(caught)

    wrapper.declared_outputs = dict(outputs or {})  # type: ignore[attr-defined]
    return wrapper


@functools.cache
def _option_labels(func: Callable[..., Any]) -> dict[str, str]:
    """Parameter name -> how the user spells it (``--budget``, ``DATA``), from the
    command's ``Annotated[..., typer.Option("--budget")]`` declarations."""
    import typing

    from typer.models import ArgumentInfo, OptionInfo

    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except (NameError, TypeError):  # an annotation only importable for type checkers
        return {}
    labels = {}
    for name, hint in hints.items():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, OptionInfo):
                decls = [
                    d.split("/")[0]
                    for d in (meta.default, *(meta.param_decls or ()))
                    if isinstance(d, str) and d.startswith("-")
                ]
                if decls:
                    labels[name] = max(decls, key=len)
            elif isinstance(meta, ArgumentInfo):
                labels[name] = name.upper()
    return labels


def _check_options(
    func: Callable[..., Any],
    kwargs: dict[str, Any],
    outputs: Mapping[str, str],
    inputs: tuple[str, ...],
) -> None:
    """The boundary checks every command gets (see the module docstring)."""
    from leadlever.engine.io import check_number, check_outputs

    labels = _option_labels(func)

    def label(name: str) -> str:
        return labels.get(name, "--" + name.replace("_", "-"))

    for name, value in kwargs.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, float):
                check_number(item, label(name))
            elif isinstance(item, int) and not isinstance(item, bool):
                low, high = INT_RANGES.get(name, (None, None))
                check_number(item, label(name), low=low, high=high, integer=True)
    given = [kwargs.get(n) for n in inputs]
    check_outputs(
        {label(n): (kwargs.get(n), kind) for n, kind in outputs.items()},
        inputs=[p for v in given for p in (v if isinstance(v, list | tuple) else [v])],
    )


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
        echo_err(f"Warning: {_cut(text)}")


def _cut(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}... (message cut; {len(message):,} characters)"


def _quiet_stdout() -> None:
    """After a broken pipe: send the rest of stdout to /dev/null so exiting prints nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. a test runner)
        pass


def _run(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    outputs: Mapping[str, str],
    inputs: tuple[str, ...],
) -> Any:
    """Check the options, call a command; user errors exit 2 with a message, internal ones 1.

    With ``--json`` the reason is also printed on stdout as one JSON object."""
    as_json = bool(kwargs.get("json_out"))
    try:
        _check_options(func, kwargs, outputs, inputs)
        return func(*args, **kwargs)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except LeadLeverError as exc:
        text = _cut(str(exc))
        raise _stop(
            EXIT_USER_ERROR, f"Error: {text}", {**error_details(exc), "message": text}, as_json
        ) from None
    except BrokenPipeError:
        # the reader of stdout went away (`| head`); outputs are already saved
        _quiet_stdout()
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        raise _stop(
            130,
            "Interrupted; no output was written.",
            {"error": "Interrupted", "message": "Interrupted; no output was written."},
            as_json,
        ) from None
    except MemoryError:
        text = (
            "not enough memory for this run; nothing was written. Use a smaller input "
            "or smaller sizes (e.g. --n), or a machine with more memory."
        )
        raise _stop(
            EXIT_USER_ERROR, f"Error: {text}", {"error": "MemoryError", "message": text}, as_json
        ) from None
    except OSError as exc:
        if exc.filename is None:
            raise _internal(exc, as_json) from None
        text = (
            f"cannot use '{exc.filename}': {exc.strerror or exc}. Check the path, its "
            "permissions and the free disk space; no output was written."
        )
        raise _stop(
            EXIT_USER_ERROR,
            f"Error: {text}",
            {"error": type(exc).__name__, "message": text, "file": str(exc.filename)},
            as_json,
        ) from None
    except Exception as exc:  # internal failure: say so, keep it short
        raise _internal(exc, as_json) from None


def _internal(exc: BaseException, as_json: bool = False) -> typer.Exit:
    text = (
        f"Internal error ({type(exc).__name__}: {_cut(str(exc))}). This is a bug in LeadLever; "
        "please report it with the command you ran."
    )
    return _stop(EXIT_INTERNAL, text, {"error": "InternalError", "message": text}, as_json)


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
