"""Exclusive locks on files that runs read, update and write back (histories, loop states).

:func:`exclusive_lock` holds an advisory lock (``fcntl.flock``; ``msvcrt.locking`` on
Windows) on a sidecar file ``.<name>.lock`` next to the locked file for the whole
read-modify-write, so two concurrent runs on one history or state never both read the
old content: the second waits for the first and then sees its rows. The lock is released
by the operating system when the process ends, however it ends, so a killed run never
leaves a file locked. The holder deletes the sidecar file before releasing it; a waiter
that then gets the lock of the deleted file notices (the path no longer names the file it
locked) and starts over, so deleting it never lets two runs in at once. Only a killed run
leaves its (empty) sidecar file behind, and the next run uses and removes it.

:func:`locked` is the same as a decorator naming the argument that holds the path.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from leadlever.engine.exceptions import InputFileError

__all__ = ["LOCK_TIMEOUT_SECONDS", "LockTimeoutError", "exclusive_lock", "lock_path", "locked"]

#: how long a run waits for another run's lock on the same file before giving up
LOCK_TIMEOUT_SECONDS = 120.0
#: pause between attempts to take a busy lock
_POLL_SECONDS = 0.05

F = TypeVar("F", bound=Callable[..., Any])


class LockTimeoutError(InputFileError):
    """Another run held the lock on a file for longer than the timeout."""


def lock_path(path: str | os.PathLike) -> Path:
    """The sidecar lock file of ``path``: ``.<name>.lock`` in the same folder."""
    p = Path(path)
    return p.with_name(f".{p.name}.lock")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def exclusive_lock(
    path: str | os.PathLike, *, timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` (which need not exist) for the ``with`` block.

    Raises
    ------
    LockTimeoutError
        When another run keeps the lock for ``timeout`` seconds; the message names the file
        and what to do.
    """
    target = Path(path)
    lock = lock_path(target)
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        if _try_lock(fd) and _still_named(fd, lock):
            break
        os.close(fd)
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"'{target}' is being updated by another LeadLever run (lock file '{lock}' "
                f"held for more than {timeout:g} s). Wait for that run to finish and try "
                "again; nothing was written."
            )
        time.sleep(_POLL_SECONDS)
    try:
        yield target
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)  # closing the descriptor releases the lock


def _still_named(fd: int, lock: Path) -> bool:
    """Whether ``lock`` still names the file ``fd`` has locked (not deleted by its holder)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(lock))
    except OSError:
        return False


def locked(argument: str) -> Callable[[F], F]:
    """Decorate a function so it runs under :func:`exclusive_lock` of its ``argument``.

    Examples
    --------
    >>> @locked("state_path")
    ... def step(state_path, budget): ...
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            target = bound.arguments[argument]
            with exclusive_lock(target):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
