"""The fitted curves a campaign's state follows: recorded by path and content hash.

The first ``campaign step --curves curves.csv`` records the curves file (and the fit file
next to it, when one was read) in the state: its absolute path and the SHA-256 of its
bytes. Later steps without ``--curves`` use the recorded file, after checking that it is
still there and unchanged, so the split keeps following the curves until the learner has
its own feedback. A file that is gone or changed is an error saying which and what to do;
``--curves`` again (the same file or a refit) records the new one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from leadlever.engine.exceptions import DataError

__all__ = ["record_curves", "recall_curves"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_curves(path: str | Path, fit_path: str | Path | None, period: int) -> dict[str, Any]:
    """The state's record of the curves file (and fit file) a step used."""
    p = Path(path).resolve()
    f = None if fit_path is None else Path(fit_path).resolve()
    return {
        "path": str(p),
        "sha256": _sha256(p),
        "fit_path": None if f is None else str(f),
        "fit_sha256": None if f is None else _sha256(f),
        "period": int(period),
    }


def recall_curves(ref: dict[str, Any], source: str) -> tuple[str, str | bool]:
    """The recorded curves file and fit file (False: none), checked against their hashes.

    Raises
    ------
    DataError
        A recorded file is gone or its content changed since it was recorded.
    """
    fix = (
        "Pass --curves with the curves to follow (the same file or a refit); the state then "
        "records them."
    )
    for key, what in (("path", "curves file"), ("fit_path", "fit file")):
        name = ref.get(key)
        if name is None:
            continue
        p = Path(name)
        if not p.is_file():
            raise DataError(
                f"{source} follows the {what} '{name}' (recorded at period {ref['period']}), "
                f"which is gone. {fix}"
            )
        if _sha256(p) != ref[key.replace("path", "sha256")]:
            raise DataError(
                f"{source} follows the {what} '{name}' (recorded at period {ref['period']}), "
                f"which has changed since (its SHA-256 differs). {fix}"
            )
    return ref["path"], ref["fit_path"] if ref.get("fit_path") else False
