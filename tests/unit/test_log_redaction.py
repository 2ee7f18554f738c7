"""Logs never carry ID numbers or mobile numbers in clear (PIPL Art 28; DOMAIN.md "Personal information")."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from xborder.infra.logging import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owner 11010519491231002X applied", "owner 1101**********002X applied"),
        ("owner 11010519491231002x applied", "owner 1101**********002x applied"),
        ("id=510104199001011236;", "id=5101**********1236;"),
        ("车主身份证号510104199001011236已核验", "车主身份证号5101**********1236已核验"),
        ("call 13812345678 after 5pm", "call 138****5678 after 5pm"),
        ("车主电话13812345678，请回电", "车主电话138****5678，请回电"),
        ("phone:19912345678", "phone:199****5678"),
        (
            "owner 11010519491231002X, mobile 13800138000.",
            "owner 1101**********002X, mobile 138****8000.",
        ),
        (
            "two owners 11010519491231002X and 510104199001011236",
            "two owners 1101**********002X and 5101**********1236",
        ),
    ],
)
def test_redact_masks_id_numbers_and_mobiles(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "plate 川A12345 moved to 渝B12345",
        "new-energy plate 渝AD12345",
        "VIN 1M8GDM9AXKP042788",
        "case 0b6c1f0e-3a3e-4c53-9d0e-2f6a9a1d7c11 released",
        "event 12345678-1234-5678-1234-567812345678",
        "at 2026-11-20T15:00:00+08:00 due 2026-11-24 23:59:59",
        "epoch ms 1763622000000, epoch s 1763622000",
        "archive ARC-510000-0001, province 510000",
        "a 19-digit number 1234567890123456789 and a 12-digit 138123456789",
        "landline 023-63961234",
    ],
)
def test_redact_leaves_other_identifiers_alone(text: str) -> None:
    assert redact(text) == text


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, Capture]]:
    logger = logging.getLogger("tests.log_redaction")
    handler = Capture()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, handler
    finally:
        logger.removeHandler(handler)


def test_filter_masks_personal_data_passed_as_args(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured
    logger.info("owner %s", "11010519491231002X")
    logger.info("owner %s phone %s plate %s", "510104199001011236", "13800138000", "川A12345")
    first, second = handler.records
    assert first.getMessage() == "owner 1101**********002X"
    assert second.getMessage() == "owner 5101**********1236 phone 138****8000 plate 川A12345"
    for record in handler.records:
        text = record.getMessage() + repr(record.args) + str(record.msg)
        assert "11010519491231002X" not in text
        assert "510104199001011236" not in text
        assert "13800138000" not in text


def test_filter_masks_personal_data_in_the_message_itself(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured
    logger.warning("lookup failed for 13912345678")
    assert handler.records[0].getMessage() == "lookup failed for 139****5678"


def test_filter_leaves_clean_records_untouched(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured
    logger.info("transfer %s of %s", "0b6c1f0e-3a3e-4c53-9d0e-2f6a9a1d7c11", "川A12345")
    (record,) = handler.records
    assert record.msg == "transfer %s of %s"
    assert record.args == ("0b6c1f0e-3a3e-4c53-9d0e-2f6a9a1d7c11", "川A12345")
    assert record.getMessage() == "transfer 0b6c1f0e-3a3e-4c53-9d0e-2f6a9a1d7c11 of 川A12345"


@pytest.mark.parametrize(
    "written",
    ["+8613812345678", "008613812345678", "+86 138 1234 5678", "138-1234-5678", "138 1234 5678"],
)
def test_mobile_numbers_with_country_code_or_separators_are_masked(written: str) -> None:
    assert redact(f"call {written} now") == "call 138****5678 now"


def test_filter_masks_personal_data_in_exception_text(captured: tuple[logging.Logger, Capture]) -> None:
    logger, handler = captured
    try:
        raise ValueError("no such owner 11010519491231002X")
    except ValueError:
        logger.exception("lookup failed")
    (record,) = handler.records
    assert record.exc_text is not None
    assert "11010519491231002X" not in logging.Formatter().format(record)
    assert "1101**********002X" in record.exc_text
