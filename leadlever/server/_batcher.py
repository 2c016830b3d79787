"""Micro-batching: concurrent ``POST /leads`` requests scored and stored together.

Scoring one lead costs nearly as much as scoring a hundred (the models' fixed
cost per call dominates), and a database commit costs one disk flush whatever it
holds. Requests that arrive while a batch is being processed wait in a queue and
form the next batch (at most :data:`MAX_LEADS_PER_BATCH` leads), which is scored in
one call and stored in one transaction; each request is answered only after that
transaction has committed. If the combined batch fails (one request's duplicate id or
bad value), each request is retried alone, so one bad request never fails another.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from leadlever.engine.exceptions import LeadLeverError

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.server._service import Service

__all__ = ["Batcher", "MAX_LEADS_PER_BATCH"]

log = logging.getLogger("leadlever.server")

#: most leads scored in one call (larger single requests run alone)
MAX_LEADS_PER_BATCH = 2_000


class Batcher:
    """Collects lead requests and processes them in batches on one worker thread."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._queue: asyncio.Queue[tuple[list[dict[str, Any]], asyncio.Future]] | None = None
        self._task: asyncio.Task | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadlever-score")

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._pool.shutdown(wait=True)

    async def submit(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Score and store ``records``; returns after their transaction committed."""
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((records, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            group = [first]
            size = len(first[0])
            while size < MAX_LEADS_PER_BATCH and not self._queue.empty():
                item = self._queue.get_nowait()
                group.append(item)
                size += len(item[0])
            try:
                results = await loop.run_in_executor(
                    self._pool, self._process, [g[0] for g in group]
                )
            except Exception as exc:  # never let one batch stop the queue
                log.exception("scoring batch failed")
                results = [exc] * len(group)
            for (_, future), result in zip(group, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _process(self, requests: list[list[dict[str, Any]]]) -> list[Any]:
        if len(requests) > 1:
            try:
                return self.service.score_groups(requests)
            except LeadLeverError:
                pass  # one request spoils the batch: answer each on its own
            except Exception:
                log.exception("combined batch failed; answering each request alone")
        out: list[Any] = []
        for records in requests:
            try:
                out.append(self.service.score_groups([records])[0])
            except Exception as exc:  # noqa: BLE001 (handed to the request's handler)
                out.append(exc)
        return out
