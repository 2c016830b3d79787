"""Atomic outputs: temporary files that carry the process id, stale ones cleaned, folder swaps.

Every file LeadLever writes goes through :func:`atomic_path`: the content is written to
``.<name>.leadlever-<pid>-<random>.tmp`` in the target's folder and moved onto the target
with one :func:`os.replace`, so a reader sees the old file or the new one, never half of
one, and a failed or killed run leaves the old file as it was. A run killed with SIGKILL
cannot delete its temporary file; the next write to the same target removes the temporary
files whose process is gone (:func:`clean_stale`).

:func:`swap_folder` does the same for a whole folder (``leadlever demo``): the new content
is built in a fresh sibling folder and swapped in at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "TEMP_MARK",
    "atomic_path",
    "clean_stale",
    "temp_name",
    "save_figure",
    "fresh_folder",
    "swap_folder",
]

#: marker in the name of every temporary file or folder LeadLever creates
TEMP_MARK = ".leadlever-"
_TEMP_RE = re.compile(r"\.leadlever-(\d+)-[0-9a-f]+\.tmp$")


def temp_name(target: Path) -> Path:
    """A temporary sibling of ``target``: ``.<name>.leadlever-<pid>-<random>.tmp``."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists but belongs to someone else, or unknown
        return True
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove temporary files and folders of ``target`` left by runs that no longer exist.

    Only names made by :func:`temp_name` for this very target are considered, and only
    those whose process id is not running; another run's work in progress is never touched.

    Returns
    -------
    list of Path
        What was removed.
    """
    folder = target.parent
    prefix = f".{target.name}{TEMP_MARK}"
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for path in candidates:
        match = _TEMP_RE.search(path.name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` in one step.

    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path)
    tmp = temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    except OSError as exc:  # the user's path, not the temporary name, is what to fix
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.filename in (str(tmp), tmp):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def save_figure(fig: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """``fig.savefig`` atomically (the format comes from ``path``'s extension)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)
    return path


def fresh_folder(target: str | os.PathLike) -> Path:
    """Create an empty temporary sibling folder of ``target`` to build its new content in."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = temp_name(target)
    tmp.mkdir()
    return tmp


def swap_folder(new: Path, target: str | os.PathLike, *, replace_whole: bool) -> Path:
    """Put the content built in ``new`` (from :func:`fresh_folder`) at ``target``.

    Parameters
    ----------
    new : Path
        The finished folder.
    target : path
        Where it belongs. Absent or empty: ``new`` is renamed onto it (atomic).
    replace_whole : bool
        ``True``: an existing ``target`` is replaced as a whole (it is renamed aside, ``new``
        renamed in, then the old one deleted), so no old file survives among the new ones.
        ``False``: each file of ``new`` replaces its namesake in ``target`` and other files
        of ``target`` are kept.
    """
    target = Path(target)
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        os.replace(new, target)
        return target
    if replace_whole:
        old = temp_name(target)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
        return target
    for item in sorted(new.rglob("*")):
        dest = target / item.relative_to(new)
        if item.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, dest)
    shutil.rmtree(new, ignore_errors=True)
    return target
