"""A long-running worker on a thread: runs `step()` until stopped, survives transient failures, and
stops loudly (and visibly in /readyz) on a fatal one."""

from __future__ import annotations

import logging
import threading
from typing import Any

from xborder.infra.failures import describe_failure
from xborder.infra.feeds import Feed, UnreadableRecord, feed_ready

logger = logging.getLogger("xborder.workers")


class FatalWorkerError(Exception):
    """Continuing would corrupt or silently skip data (a gap, a poison message): stop and say so."""


class Worker:
    fatal_errors: tuple[type[BaseException], ...] = (FatalWorkerError, UnreadableRecord)
    backoff_seconds = 1.0

    def __init__(self, name: str) -> None:
        self.name = name
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.failures = 0

    # --- to implement ---
    def step(self) -> None:
        raise NotImplementedError

    def recover(self) -> None:
        """Called after a transient failure, before retrying (e.g. rewind a feed)."""

    def teardown(self) -> None:
        """Release resources when the loop ends."""

    # --- lifecycle ---
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.signal_stop()
        self.join(timeout)

    def signal_stop(self) -> None:
        """Ask the loop to end, without waiting (so that many workers stop together)."""
        self._stopping.set()
        self.wake()

    def join(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Interrupt a blocking wait so `stop` is prompt."""

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def ready(self) -> bool:
        """Whether it can do its work now; a consumer of a broker: once it has been given its topics."""
        return True

    def status(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "running": self.running,
            "ready": self.running and self.ready(),
            "error": self.error,
            "failures": self.failures,
        }

    def _run(self) -> None:
        # A recovery that failed (the database still unreachable) is retried before the next step: a
        # feed not rewound would read on past the batch that was never applied, and lose it silently.
        unrecovered = False
        try:
            while not self._stopping.is_set():
                try:
                    if unrecovered:
                        self.recover()
                        unrecovered = False
                    self.step()
                    self.failures = 0
                except self.fatal_errors as error:
                    self.error = f"{type(error).__name__}: {error}"
                    logger.critical("worker %s stopped: %s", self.name, self.error)
                    return
                except Exception as error:  # noqa: BLE001 — a worker must outlive transient faults
                    self.failures += 1
                    # Described, not repr'd: a database error's DETAIL would quote the data it refused.
                    logger.warning(
                        "worker %s failed (%d in a row): %s",
                        self.name,
                        self.failures,
                        describe_failure(error),
                    )
                    self._stopping.wait(min(self.backoff_seconds * self.failures, 10.0))
                    try:
                        self.recover()
                        unrecovered = False
                    except Exception as recover_error:  # noqa: BLE001
                        unrecovered = True
                        logger.warning(
                            "worker %s could not recover yet: %s", self.name, describe_failure(recover_error)
                        )
        finally:
            self.teardown()


class FeedWorker(Worker):
    """A worker that reads a feed: after a failure it forgets unapplied progress and re-reads from the
    positions it stored with its effects; stopping closes the feed."""

    feed: Feed

    def ready(self) -> bool:
        return feed_ready(self.feed)

    def recover(self) -> None:
        self.feed.rewind()

    def wake(self) -> None:
        self.feed.interrupt()

    def teardown(self) -> None:
        self.feed.close()
