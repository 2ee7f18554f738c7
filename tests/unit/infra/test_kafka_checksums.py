"""Kafka record batches are checksummed by the C crc32c, not kafka-python's pure-Python fallback.

kafka-python picks the C implementation only when the `crc32c` package is installed (its `crc32c`
extra, which pyproject.toml asks for); without it the fallback silently costs the relay and every
province's consumer a twentieth of their CPU in Kafka mode."""

from __future__ import annotations

from kafka.record import util


def test_record_batches_are_checksummed_in_c() -> None:
    assert util.crc32c_c is not None
    assert util._crc32c is util.crc32c_c  # the implementation kafka-python chose
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283  # the CRC-32C check value
