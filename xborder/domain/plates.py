"""GA 36-2018 number plates, validated at the edge so a misread plate never reaches a case.

Plates are how provinces find each other's vehicles: the first character names the registration
province, so a wrong plate would route an archive request or a 协查通报 to the wrong office.

Input is normalised the way people type plates before it is validated: full-width letters and digits,
the middle dot printed between the office letter and the serial (`川A·12345`, and its look-alikes),
spaces and hyphens anywhere, lower-case letters. What is stored is the canonical form (`川A12345`).

The series accepted (`PlateSeries`, table in docs/identifiers.md): ordinary plates, small and large
new-energy plates, and the special series of GA 36 a cross-province case can meet — trailers (挂),
coach cars (学), police (警), consulates (领), Hong Kong and Macau cross-border vehicles (粤Z…港/澳) and
embassies (使). Which of them a context accepts is the context's decision: every case can involve any
of them (a fleeing car, a rescued one, a camera's violation), a transfer only a civilian plate
(`Plate.is_civilian`, `Plate.parse_civilian`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final, Self

from xborder.domain.errors import InvalidValue
from xborder.domain.identifiers import Identifier, text_of
from xborder.domain.provinces import PROVINCES, Province, province_by_abbr, province_by_code

__all__ = [
    "CIVILIAN_SERIES",
    "NEV_NON_PURE",
    "NEV_PURE_ELECTRIC",
    "PLATE_SUFFIXES",
    "Plate",
    "PlateSeries",
    "normalise_plate_text",
    "parse_plate_partial",
]

_PROVINCE_CHARS: Final = frozenset(p.abbr for p in PROVINCES)
# I and O are never issued: they read as 1 and 0.
_ALNUM: Final = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALNUM_SET: Final = frozenset(_ALNUM)
PLATE_SUFFIXES: Final[frozenset[str]] = frozenset("挂学警港澳领")
_EMBASSY: Final = "使"
_WILDCARDS: Final = frozenset("*?")

_OFFICE_RE: Final = re.compile(r"[A-HJ-NP-Z]")
_ORDINARY_SERIAL_RE: Final = re.compile(r"[0-9A-HJ-NP-Z]{5}")
_SUFFIXED_SERIAL_RE: Final = re.compile(r"[0-9A-HJ-NP-Z]{4}[挂学警港澳领]")
_CONSULATE_SERIAL_RE: Final = re.compile(r"[0-9]{4}领")
# GA 36-2018 (新能源汽车号牌): small plates start the serial with D (pure electric) or F (non-pure:
# plug-in hybrid, fuel cell...) and, since those ranges ran out, with A, B, C, E or G, H, J, K; then a
# letter or digit and 4 digits. Large plates are 5 digits and a trailing D or F.
NEV_PURE_ELECTRIC: Final = "DABCE"
NEV_NON_PURE: Final = "FGHJK"
_NEV_SMALL_RE: Final = re.compile(rf"[{NEV_PURE_ELECTRIC}{NEV_NON_PURE}][0-9A-HJ-NP-Z][0-9]{{4}}")
_NEV_LARGE_RE: Final = re.compile(r"[0-9]{5}[DF]")
_EMBASSY_RE: Final = re.compile(r"使[0-9]{6}")
_CROSS_BORDER_HEAD: Final = "粤Z"  # 港澳入出境车 plates are issued by Guangdong's office Z only

_ORDINARY_LEN: Final = 7
_NEV_LEN: Final = 8
_PARTIAL_MIN: Final = 2
_PARTIAL_MAX: Final = 8
# Embassy vehicles are registered in Beijing, where the embassies are (北京市公安局公安交通管理局).
_EMBASSY_PROVINCE: Final = "110000"

# How people type plates: full-width ASCII (ＡＢＣ１２３, ＊), the ideographic space, and the middle dot
# printed on the plate with the look-alikes input methods produce; spaces and hyphens are dropped.
_FULL_WIDTH: Final = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_DOTS: Final = "·•‧・･∙⋅"  # U+00B7 U+2022 U+2027 U+30FB U+FF65 U+2219 U+22C5
_HYPHENS: Final = "-‐‑‒–—―−"  # U+002D U+2010-U+2015 U+2212 (the full-width one maps to U+002D first)
_DROPPED: Final = {ord(c): None for c in _DOTS + _HYPHENS}
_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class PlateSeries(StrEnum):
    """The GA 36-2018 series a plate belongs to, told from its form."""

    ORDINARY = "ordinary"  # 大型/小型汽车号牌, 摩托车号牌: province, office letter, 5 of 0-9/A-Z
    NEW_ENERGY_SMALL = "new_energy_small"  # 小型新能源汽车号牌: D/A/B/C/E or F/G/H/J/K + 5
    NEW_ENERGY_LARGE = "new_energy_large"  # 大型新能源汽车号牌: 5 digits + D/F
    TRAILER = "trailer"  # 挂车号牌: 4 + 挂
    COACH = "coach"  # 教练汽车号牌: 4 + 学
    POLICE = "police"  # 警用汽车号牌: 4 + 警
    CONSULATE = "consulate"  # 领馆汽车号牌: 4 digits + 领
    HONG_KONG = "hong_kong"  # 港澳入出境车号牌: 粤Z + 4 + 港
    MACAU = "macau"  # 港澳入出境车号牌: 粤Z + 4 + 澳
    EMBASSY = "embassy"  # 使馆汽车号牌: 使 + 3-digit embassy code + 3-digit serial


_BY_SUFFIX: Final = {
    "挂": PlateSeries.TRAILER,
    "学": PlateSeries.COACH,
    "警": PlateSeries.POLICE,
    "领": PlateSeries.CONSULATE,
    "港": PlateSeries.HONG_KONG,
    "澳": PlateSeries.MACAU,
}
# Plates a civilian owner registers, and so the ones a transfer (164号令 转籍) can move: the vehicle
# types a transfer takes include trailers. Coach, police, consular, embassy and cross-border plates
# are issued for a use or to a holder that a civilian transfer does not apply to.
CIVILIAN_SERIES: Final[frozenset[PlateSeries]] = frozenset(
    {
        PlateSeries.ORDINARY,
        PlateSeries.NEW_ENERGY_SMALL,
        PlateSeries.NEW_ENERGY_LARGE,
        PlateSeries.TRAILER,
    }
)
_SERIES_NAMES: Final = {
    PlateSeries.COACH: "coach-car (学)",
    PlateSeries.POLICE: "police (警)",
    PlateSeries.CONSULATE: "consulate (领)",
    PlateSeries.HONG_KONG: "Hong Kong cross-border (港)",
    PlateSeries.MACAU: "Macau cross-border (澳)",
    PlateSeries.EMBASSY: "embassy (使)",
}


def normalise_plate_text(text: str) -> str:
    """A plate as typed, in canonical form: full-width characters made ASCII, dots, white space and
    hyphens dropped, ASCII letters upper-cased (`粤ｂ·ｄ１２３４５` → `粤BD12345`)."""
    half = text.translate(_FULL_WIDTH)
    kept = "".join(c for c in half if not c.isspace())
    return kept.translate(_DROPPED).translate(_ASCII_UPPER)


def _series(value: str) -> PlateSeries:
    """The series of a plate already known to be valid."""
    if value[0] == _EMBASSY:
        return PlateSeries.EMBASSY
    if len(value) == _NEV_LEN:
        return PlateSeries.NEW_ENERGY_LARGE if value[2].isdigit() else PlateSeries.NEW_ENERGY_SMALL
    return _BY_SUFFIX.get(value[-1], PlateSeries.ORDINARY)


def _embassy_problem(value: str) -> str | None:
    if _EMBASSY_RE.fullmatch(value):
        return None
    return "embassy plates are 使 and 6 digits (a 3-digit embassy code and a 3-digit serial)"


def _serial_problem(value: str) -> str | None:
    serial = value[2:]
    if len(value) == _NEV_LEN:
        if _NEV_SMALL_RE.fullmatch(serial) or _NEV_LARGE_RE.fullmatch(serial):
            return None
        return (
            "new-energy serial must be a pure-electric letter D/A/B/C/E or a non-pure letter F/G/H/J/K"
            " + 1 letter or digit + 4 digits (small plates), or 5 digits + D/F (large plates)"
        )
    if _ORDINARY_SERIAL_RE.fullmatch(serial):
        return None
    if not _SUFFIXED_SERIAL_RE.fullmatch(serial):
        return "serial must be 5 of 0-9/A-Z (no I/O); only the last may be 挂/学/警/港/澳/领"
    if serial[-1] in "港澳" and value[:2] != _CROSS_BORDER_HEAD:
        return f"Hong Kong and Macau cross-border plates are issued as {_CROSS_BORDER_HEAD}…港/澳"
    if serial[-1] == "领" and not _CONSULATE_SERIAL_RE.fullmatch(serial):
        return "consulate plates have 4 digits before 领"
    return None


class Plate(Identifier, name="plate", field="plate"):
    """A valid plate in canonical form; construct with `Plate.parse` to accept user input."""

    __slots__ = ()

    @staticmethod
    def normalise(text: str) -> str:
        return normalise_plate_text(text)

    @staticmethod
    def problem(value: str) -> str | None:
        if not value:
            return "plate is empty"
        if value[0] == _EMBASSY:
            return _embassy_problem(value)
        if value[0] not in _PROVINCE_CHARS:
            return f"unknown province character {value[0]!r}"
        if "I" in value or "O" in value:
            return "plate contains I or O, which are never issued (they read as 1 and 0)"
        allowed = _PROVINCE_CHARS | _ALNUM_SET | PLATE_SUFFIXES
        bad = next((c for c in value[1:] if c not in allowed), None)
        if bad is not None:
            return f"unexpected character {bad!r}"
        if len(value) not in (_ORDINARY_LEN, _NEV_LEN):
            return (
                f"wrong length: {len(value)} characters "
                f"(ordinary plates have {_ORDINARY_LEN}, new-energy plates {_NEV_LEN})"
            )
        if not _OFFICE_RE.fullmatch(value[1]):
            return f"office code must be a letter A-Z other than I/O, got {value[1]!r}"
        return _serial_problem(value)

    @classmethod
    def parse_civilian(cls, raw: str, *, field: str | None = None) -> Self:
        """A plate a civilian owner holds (`CIVILIAN_SERIES`): what a transfer moves and registers.
        Errors name `field` (by default "plate"), so a `new_plate` can be named as given."""
        try:
            plate = cls.parse(raw)
        except InvalidValue as error:
            if field is not None:
                error.field = field
            raise
        if not plate.is_civilian:
            raise InvalidValue(
                f"{_SERIES_NAMES[plate.series]} plates are not registered to a civilian owner; "
                "a transfer needs an ordinary, new-energy or trailer plate",
                code=cls.CODE,
                field=field or cls.FIELD,
            )
        return plate

    @property
    def series(self) -> PlateSeries:
        return _series(self.value)

    @property
    def is_civilian(self) -> bool:
        return self.series in CIVILIAN_SERIES

    @property
    def province(self) -> Province:
        """The registering province: the first character, or Beijing for an embassy plate."""
        if self.value[0] == _EMBASSY:
            return province_by_code(_EMBASSY_PROVINCE)
        return province_by_abbr(self.value[0])

    @property
    def office(self) -> str:
        """The office letter (发牌机关代号); an embassy plate has none and gives ""."""
        return "" if self.value[0] == _EMBASSY else self.value[1]

    @property
    def is_new_energy(self) -> bool:
        return self.series in (PlateSeries.NEW_ENERGY_SMALL, PlateSeries.NEW_ENERGY_LARGE)


def parse_plate_partial(raw: str) -> str:
    """Normalise a witness's partial plate (`川A1*3?5`, typed as freely as a whole plate, `川A·1＊3?5`)
    so cases can be matched on what is known."""
    value = normalise_plate_text(text_of(raw, code="plate_partial.invalid", field="plate_partial"))
    if not _PARTIAL_MIN <= len(value) <= _PARTIAL_MAX:
        raise InvalidValue(
            f"partial plate must have {_PARTIAL_MIN}-{_PARTIAL_MAX} characters, got {len(value)}",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    allowed = _PROVINCE_CHARS | _ALNUM_SET | PLATE_SUFFIXES | _WILDCARDS | {_EMBASSY}
    bad = next((c for c in value if c not in allowed), None)
    if bad is not None:
        hint = " (I and O are never issued)" if bad in "IO" else ""
        raise InvalidValue(
            f"unexpected character {bad!r}{hint}; use * or ? for an unknown character",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    if all(c in _WILDCARDS for c in value):
        raise InvalidValue(
            "partial plate must contain at least one known character",
            code="plate_partial.invalid",
            field="plate_partial",
        )
    return value
