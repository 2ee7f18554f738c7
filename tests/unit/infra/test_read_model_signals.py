"""The signal from projection consumers (threads) to waiting reads (the event loop): a change wakes the
readers of that province at once, never those of another, and is not lost when it lands between a
reader's look at the read model and its wait."""

from __future__ import annotations

import asyncio
import threading

from xborder.infra.signals import ReadModelSignals

CHUAN, YU = "510000", "500000"
LONG = 30.0  # far longer than any wake-up takes: a wait that runs it out failed to be woken


def test_a_change_in_a_worker_thread_wakes_the_waiting_reader() -> None:
    signals = ReadModelSignals()

    async def scenario() -> bool:
        seen = signals.generation(CHUAN)
        waiting = asyncio.create_task(signals.wait(CHUAN, seen, LONG))
        await asyncio.sleep(0)  # let the reader register before the consumer changes the model
        threading.Thread(target=signals.notify, args=(CHUAN,)).start()
        return await waiting

    assert asyncio.run(scenario()) is True


def test_a_change_between_the_look_and_the_wait_is_not_lost() -> None:
    signals = ReadModelSignals()
    seen = signals.generation(CHUAN)
    signals.notify(CHUAN)  # applied while the reader was querying
    assert asyncio.run(signals.wait(CHUAN, seen, LONG)) is True


def test_another_province_does_not_wake_the_reader_and_the_wait_times_out() -> None:
    signals = ReadModelSignals()

    async def scenario() -> bool:
        seen = signals.generation(CHUAN)
        waiting = asyncio.create_task(signals.wait(CHUAN, seen, 0.05))
        await asyncio.sleep(0)
        signals.notify(YU)
        return await waiting

    assert asyncio.run(scenario()) is False
    assert signals.generation(CHUAN) == 0 and signals.generation(YU) == 1


def test_readers_leave_nothing_behind() -> None:
    signals = ReadModelSignals()
    asyncio.run(signals.wait(CHUAN, signals.generation(CHUAN), 0.01))
    assert not signals._waiters  # a timed-out reader unregisters itself
