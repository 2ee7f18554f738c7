"""Transfer applications a real user could send, each unique, and the tokens to send and read them with.

Every application must pass the service's validation (plate, VIN check digit, GB 11643 ID number, phone)
and must not be refused as a duplicate (a plate already in an open transfer is held), so each one gets
its own plate, VIN and owner, derived from a counter rather than a random generator: no set of used
values to keep, no chance of a collision, and the same numbers on every run. Origins and destinations
rotate through all 31 provinces, so every province's projection has cases to apply, as in production.

Tokens are minted once, before any timing, with the service's own `TokenIssuer` and secret (what
`xborder token` does): minting inside the timed loop would charge the client's signing to the service.
Each request draws on a pool of callers big enough that no caller comes near the per-caller rate limit
or the cap on waiting reads: the benchmark measures commands, not the limiter.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from xborder.domain.provinces import PROVINCES, Province
from xborder.infra.clock import SystemClock
from xborder.infra.settings import Settings
from xborder.infra.tokens import TokenIssuer

__all__ = ["ALL_PROVINCES", "Application", "ApplicationFactory", "Callers", "application_for"]

ALL_PROVINCES: Final[tuple[Province, ...]] = PROVINCES
# GA 36 serial characters and the VIN charset: digits and letters without I and O (and Q in VINs).
_PLATE_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_VIN_CHARS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_SERIALS_PER_DAY: Final = 1000  # the ID number's 3-digit sequence
_FIRST_BIRTHDAY: Final = date(1960, 1, 1)
_BIRTH_DAYS: Final = 15_000  # 1960 to 2001: every owner is an adult
_NAMES: Final = ("张三", "李四", "王五", "赵六", "陈七", "刘八", "杨九", "黄十")
# The two check characters are computed here from their standards rather than imported from the domain,
# so the load generator does not move when the domain's internals do; tests/unit/test_bench_bodies.py
# checks every generated value against the domain's parsers.
_VIN_VALUES: Final = {
    c: v
    for v, chars in enumerate(("0", "1AJ", "2BKS", "3CLT", "4DMU", "5ENV", "6FW", "7GPX", "8HY", "9RZ"))
    for c in chars
}
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


@dataclass(frozen=True, slots=True)
class Application:
    """One POST /v1/transfers: its body and the two provinces that must both come to see the case."""

    serial: int
    origin: Province
    destination: Province
    body: dict[str, Any]


def _base(n: int, charset: str, width: int) -> str:
    digits = []
    for _ in range(width):
        n, r = divmod(n, len(charset))
        digits.append(charset[r])
    if n:
        raise ValueError("counter out of range for this width")
    return "".join(reversed(digits))


def _vin_check_digit(vin: str) -> str:
    """ISO 3779 / GB 16735: the weighted sum of the transliterated characters, modulo 11 (10 is X)."""
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _id_check_char(body: str) -> str:
    """GB 11643: ISO 7064 MOD 11-2 over the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _route(serial: int) -> tuple[Province, Province]:
    """Origin and destination for the serial-th application: every ordered pair of distinct provinces in
    turn (31 x 30 of them), so load is spread evenly over all provinces."""
    count = len(ALL_PROVINCES)
    origin = ALL_PROVINCES[serial % count]
    step = 1 + (serial // count) % (count - 1)
    return origin, ALL_PROVINCES[(serial % count + step) % count]


def application_for(serial: int) -> Application:
    """The serial-th application (serial >= 0); distinct serials give distinct plates, VINs and owners."""
    origin, destination = _route(serial)
    plate = origin.abbr + "A" + _base(serial, _PLATE_CHARS, 5)
    vin_head = "LBV" + _base(serial // 1_000_000, _VIN_CHARS, 5)
    vin_tail = "RA" + f"{serial % 1_000_000:06d}"
    vin = vin_head + _vin_check_digit(vin_head + "0" + vin_tail) + vin_tail
    days, sequence = divmod(serial, _SERIALS_PER_DAY)
    born = _FIRST_BIRTHDAY + timedelta(days=days % _BIRTH_DAYS)
    id_body = f"{destination.code[:2]}0101{born:%Y%m%d}{sequence:03d}"
    body = {
        "plate": plate,
        "vin": vin,
        "vehicle_type": "small_passenger",
        "use": "non_commercial",
        "owner": {
            "name": _NAMES[serial % len(_NAMES)],
            "id_number": id_body + _id_check_char(id_body),
            "phone": f"138{serial % 100_000_000:08d}",
        },
        "destination_province": destination.code,
        "destination_city": destination.name,
        "residence_proof": f"RP-BENCH-{serial:08d}",
        "mortgagee": None,
    }
    return Application(serial=serial, origin=origin, destination=destination, body=body)


class ApplicationFactory:
    """Hands out consecutive applications to any number of threads (a lock around a counter)."""

    def __init__(self, start: int = 0) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def next(self) -> Application:
        with self._lock:
            serial = next(self._counter)
        return application_for(serial)


class Callers:
    """Pre-minted bearer headers: owners who apply at each destination, and each province's vehicle
    administration reading its cases; handed out round-robin from pools of `per_province` callers."""

    def __init__(self, secret: str, *, per_province: int = 16) -> None:
        # The service's defaults for issuer, audience and lifetime: the bench starts it with no settings
        # but the database, the secret and the port.
        fields = Settings.model_fields
        issuer = TokenIssuer(
            secret=secret,
            issuer=str(fields["jwt_issuer"].default),
            audience=str(fields["jwt_audience"].default),
            ttl_seconds=int(fields["token_ttl_seconds"].default),
            clock=SystemClock(),
        )
        self.per_province = per_province
        self._owners: dict[str, list[dict[str, str]]] = {}
        self._readers: dict[str, list[dict[str, str]]] = {}
        for province in ALL_PROVINCES:
            self._owners[province.code] = [
                _bearer(
                    issuer.mint(sub=f"bench-owner-{province.code}-{n}", province=province.code, role="owner")
                )
                for n in range(per_province)
            ]
            self._readers[province.code] = [
                _bearer(
                    issuer.mint(
                        sub=f"bench-reader-{province.code}-{n}", province=province.code, role="vehicle_admin"
                    )
                )
                for n in range(per_province)
            ]

    def owner(self, application: Application) -> dict[str, str]:
        """An owner at the application's destination (an owner applies where they now live)."""
        pool = self._owners[application.destination.code]
        return pool[(application.serial // len(ALL_PROVINCES)) % len(pool)]

    def reader(self, province: Province, serial: int) -> dict[str, str]:
        pool = self._readers[province.code]
        return pool[(serial // len(ALL_PROVINCES)) % len(pool)]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
