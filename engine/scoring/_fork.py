r"""A second core for the fit: one forked child process that trades arrays over a pipe.

The scorer's cross-validation folds do not depend on the pair terms until their last
stage, so a child process can refit the folds' main effects while the parent fits the
pairs on all rows (:mod:`~leadlever.engine.scoring._gam`). The child is a ``fork`` of
the parent: it starts with the parent's memory (the cells, the outcome, the main-effect
terms), so nothing is copied to start it, and the two trade only a few arrays afterwards
(the full fit, once it is done, then the pairs one by one, then the answers), as
``.npz`` bytes read back with ``allow_pickle=False`` (no pickle anywhere).

The child runs the same code on the same numbers with the same one-thread BLAS, so the
fit is the same to the last bit with or without it (``tests/engine/test_fit_speed.py``).
Forking is used only where it is safe and can pay (:func:`fork_workers`): a POSIX
``fork`` other than macOS's, no other Python thread running (a fork copies only the
calling thread, and a lock another thread held stays locked in the child), not a
daemonic process (those may not have children), and at least two CPUs this process may
run on. Anything else, or a child that fails in any way, runs the same work in the
parent instead.

Example
-------
>>> import numpy as np
>>> job = ForkedJob.start(lambda ch: ch.send({"twice": 2 * ch.receive()["x"]}), workers=2)
>>> if job is not None:
...     job.send({"x": np.arange(3.0)})
...     print(job.receive()["twice"])
...     job.close()
... else:
...     print([0.0, 2.0, 4.0])
[0. 2. 4.]
"""

from __future__ import annotations

import io
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Channel", "ChildFailed", "ForkedJob", "fork_workers"]

#: the parent gives up on a child that has not answered after this many times the time
#: since it was forked (at least :data:`MIN_CHILD_WAIT` seconds) and does its work itself:
#: the child's share is about half the work, so this is only a safety net (a child that
#: has ended is noticed at once)
CHILD_WAIT_FACTOR = 10.0
MIN_CHILD_WAIT = 60.0
#: the first bytes of a signal (an ``.npz`` file starts with ``PK``)
SIGNAL = b"signal:"
#: how long a child that has answered is given to end before it is killed (seconds)
EXIT_WAIT = 2.0
#: how often the waiting parent checks that the child is still alive (seconds)
POLL_SECONDS = 0.5


class ChildFailed(RuntimeError):
    """The forked child ended without an answer (the parent then does its work)."""


def fork_workers(n_jobs: int | None) -> int:
    """How many processes a fit may use: 1 (the parent alone) or 2 (with a forked child).

    ``n_jobs=1`` is always 1. ``None`` (automatic) and any larger number give 2 where a
    fork is safe here (see the module docstring), else 1.
    """
    if n_jobs == 1:
        return 1
    import multiprocessing

    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1 or multiprocessing.current_process().daemon:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def _encode(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return buffer.getvalue()


def _decode(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


class Channel:
    """One end of the pipe: :meth:`send` and :meth:`receive` dictionaries of arrays."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.failed = False

    def send(self, arrays: dict[str, np.ndarray]) -> None:
        """Send (a child that has gone away is remembered, and :meth:`receive` fails)."""
        if self.failed:
            return
        try:
            self._connection.send_bytes(_encode(arrays))
        except OSError:
            self.failed = True

    def signal(self, name: str) -> None:
        """A short message the other end sees at once (:meth:`_ChildChannel.signalled`),
        and also in order, as ``{"signal": name}`` from :meth:`receive`."""
        if not self.failed:
            try:
                self._connection.send_bytes(SIGNAL + name.encode())
            except OSError:
                self.failed = True

    def receive(self) -> dict[str, np.ndarray]:
        if self.failed:
            raise ChildFailed("the other process went away")
        try:
            data = self._connection.recv_bytes()
        except (EOFError, OSError) as error:
            raise ChildFailed("the other process ended without an answer") from error
        if data.startswith(b"error:"):
            raise ChildFailed(data[6:].decode(errors="replace"))
        return _decode(data)


class _ChildChannel(Channel):
    """The child's end: a reader and a writer thread move the bytes, so neither process
    ever waits on the other to read (the parent streams while the child computes, and
    the child's answers wait in the pipe until the parent asks for them)."""

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self._inbox: queue.Queue[bytes | None] = queue.Queue()
        self._signals: set[str] = set()
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def _read(self) -> None:
        try:
            while True:
                data = self._connection.recv_bytes()
                if data.startswith(SIGNAL):
                    self._signals.add(data[len(SIGNAL) :].decode())
                self._inbox.put(data)
        except (EOFError, OSError):
            self._inbox.put(None)

    def _write(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                self._connection.send_bytes(data)
            except OSError:
                return

    def send(self, arrays: dict[str, np.ndarray]) -> None:
        self._outbox.put(_encode(arrays))

    def send_error(self, error: BaseException) -> None:
        self._outbox.put(f"error:{type(error).__name__}: {error}".encode())

    def receive(self) -> dict[str, np.ndarray]:
        data = self._inbox.get()  # None once the parent has gone away
        if data is None:
            raise ChildFailed("the parent went away")
        if data.startswith(SIGNAL):
            return {"signal": np.array(data[len(SIGNAL) :].decode())}
        return _decode(data)

    def signalled(self, name: str) -> bool:
        """Whether the parent has sent :meth:`Channel.signal` ``name`` (read or not)."""
        return name in self._signals

    def flush(self) -> None:
        """Wait until everything sent has been written to the pipe."""
        self._outbox.put(None)
        self._writer.join()


def _child_main(work: Callable[[Channel], None], connection: Any, parent_end: Any) -> None:
    parent_end.close()  # the parent's end, copied by the fork: EOF must mean the parent left
    channel = _ChildChannel(connection)
    try:
        work(channel)
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which redoes it
        channel.send_error(error)
    finally:
        channel.flush()
        connection.close()


class ForkedJob(Channel):
    """A forked child running ``work(channel)``, and the parent's end of its pipe."""

    def __init__(self, process: Any, connection: Any) -> None:
        super().__init__(connection)
        self._process = process
        self._started = time.monotonic()

    def receive(self) -> dict[str, np.ndarray]:
        """The child's next message; :class:`ChildFailed` if it has ended without one or
        is far slower than it can be (see :data:`CHILD_WAIT_FACTOR`)."""
        elapsed = time.monotonic() - self._started
        deadline = time.monotonic() + max(MIN_CHILD_WAIT, CHILD_WAIT_FACTOR * elapsed)
        while not self.failed and not self._connection.poll(POLL_SECONDS):
            if not self._process.is_alive() and not self._connection.poll(0):
                raise ChildFailed("the child process ended without an answer")
            if time.monotonic() > deadline:
                raise ChildFailed("the child process took too long")
        return super().receive()

    @classmethod
    def start(cls, work: Callable[[Channel], None], *, workers: int) -> ForkedJob | None:
        """Fork a child running ``work``; ``None`` when ``workers < 2`` or it cannot start."""
        if workers < 2:
            return None
        import multiprocessing

        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_child_main, args=(work, child_end, parent_end), daemon=True
        )
        try:
            process.start()
        except (OSError, AssertionError, ValueError):  # no fork here after all
            parent_end.close()
            child_end.close()
            return None
        child_end.close()
        return cls(process, parent_end)

    def close(self, *, kill: bool = False) -> None:
        """Release the pipe and wait for the child to end (after its answer it ends at
        once); ``kill=True`` ends it first (the parent no longer wants its work)."""
        self._connection.close()
        if not kill:
            self._process.join(timeout=EXIT_WAIT)
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
