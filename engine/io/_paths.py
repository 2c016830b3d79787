"""Output paths checked before any work starts.

:func:`check_outputs` is called by every command (``leadlever.cli._common.handle_errors``
does it from the command's declared outputs) before reading a single input row, so a fit
never computes for minutes and then fails to save: the output's folder must exist or be
creatable and be writable, the output must not be a folder (or, for folder outputs, not
a file), its extension must fit what is written, and it must not be one of the command's
own input files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from leadlever.engine.exceptions import ParameterError

__all__ = ["OUTPUT_KINDS", "IMAGE_SUFFIXES", "check_output", "check_outputs"]

#: extensions a plot may be written with (matplotlib writes each without extra packages)
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")
_JSON_SUFFIXES = (".json",)
_HTML_SUFFIXES = (".html", ".htm")
#: what an output can be: a table (.csv/.parquet), a JSON file, an image, an HTML page,
#: a folder, any file, or a dataset (a table file, or a folder of Parquet parts: the
#: engine that writes it checks which)
OUTPUT_KINDS = ("table", "json", "image", "html", "folder", "file", "dataset")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        return False
    return a.resolve() == b.resolve()


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _check_suffix(path: Path, kind: str, label: str) -> None:
    name = path.name.lower()
    if kind == "table":
        from leadlever.engine.io._formats import require_table_writer

        require_table_writer(path, label)
    elif kind == "json" and not name.endswith(_JSON_SUFFIXES):
        raise ParameterError(f"{label} '{path}' must end in .json (the file is JSON).")
    elif kind == "image" and not name.endswith(IMAGE_SUFFIXES):
        raise ParameterError(
            f"{label} '{path}' must be an image file: end it in {', '.join(IMAGE_SUFFIXES)}."
        )
    elif kind == "html" and not name.endswith(_HTML_SUFFIXES):
        raise ParameterError(f"{label} '{path}' must end in .html.")


def check_output(
    path: str | os.PathLike,
    *,
    kind: str = "file",
    label: str = "Output",
    inputs: Iterable[str | os.PathLike | None] = (),
) -> Path:
    """Check that ``path`` can be written as a ``kind`` output; return it as a Path.

    Parameters
    ----------
    path : path
    kind : str
        One of :data:`OUTPUT_KINDS`.
    label : str
        How the user named it, e.g. ``"--out"``, for messages.
    inputs : paths
        The command's input files; the output must be none of them.

    Raises
    ------
    ParameterError
        Naming the option, the path, what is wrong and what to do.
    """
    if kind not in OUTPUT_KINDS:  # pragma: no cover - programming error
        raise ValueError(f"unknown output kind {kind!r}")
    p = Path(path)
    if str(path).strip() == "":
        raise ParameterError(f"{label} is empty. Name a file to write.")
    if kind == "dataset":
        pass  # a file or a folder, decided by the engine before it reads anything
    elif kind == "folder":
        if p.exists() and not p.is_dir():
            raise ParameterError(
                f"{label} '{p}' is a file, not a folder. Name a folder (it is created if needed)."
            )
    else:
        if p.is_dir():
            raise ParameterError(
                f"{label} '{p}' is a folder. Name a file inside it, e.g. '{p / 'out'}'."
            )
        _check_suffix(p, kind, label)
    if kind != "folder":
        for source in inputs:
            if source is not None and _same_file(p, Path(source)):
                raise ParameterError(
                    f"{label} '{p}' is also an input of this command; writing it would replace "
                    "the data being read. Write to a new file."
                )
    anchor = _nearest_existing(p if kind == "folder" else p.parent)
    if not anchor.is_dir():
        raise ParameterError(
            f"{label} '{p}' cannot be created: '{anchor}' is a file, not a folder. Choose "
            "another path."
        )
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise ParameterError(
            f"{label} '{p}' cannot be written: folder '{anchor}' is not writable. Choose a "
            "folder you can write to, or change its permissions."
        )
    return p


def check_outputs(
    outputs: Mapping[str, tuple[str | os.PathLike | None, str]],
    inputs: Iterable[str | os.PathLike | None] = (),
) -> None:
    """:func:`check_output` for each ``label -> (path, kind)`` whose path is given.

    Two outputs may not be the same file either.
    """
    inputs = list(inputs)
    seen: dict[Path, str] = {}
    for label, (path, kind) in outputs.items():
        if path is None:
            continue
        p = check_output(path, kind=kind, label=label, inputs=inputs)
        for other, other_label in seen.items():
            if _same_file(p, other):
                raise ParameterError(
                    f"{label} and {other_label} are the same file '{p}'. Give each its own file."
                )
        seen[p] = label
