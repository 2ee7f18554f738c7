"""Plates as GA 36-2018 issues them and as people type them (issue 12, part 2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xborder.domain.errors import InvalidValue
from xborder.domain.plates import (
    CIVILIAN_SERIES,
    NEV_NON_PURE,
    NEV_PURE_ELECTRIC,
    Plate,
    PlateSeries,
    normalise_plate_text,
    parse_plate_partial,
)
from xborder.domain.provinces import PROVINCES


@pytest.mark.parametrize(
    ("raw", "value", "province", "office", "new_energy"),
    [
        ("川A12345", "川A12345", "510000", "A", False),
        ("渝B2345挂", "渝B2345挂", "500000", "B", False),
        ("粤BD12345", "粤BD12345", "440000", "B", True),
        ("粤B12345D", "粤B12345D", "440000", "B", True),
        ("粤BFA1234", "粤BFA1234", "440000", "B", True),
        ("  川a1b2c3 ", "川A1B2C3", "510000", "A", False),
        ("粤Z1234港", "粤Z1234港", "440000", "Z", False),
        ("粤Z1234澳", "粤Z1234澳", "440000", "Z", False),
        ("川A1234警", "川A1234警", "510000", "A", False),
        ("川A1234学", "川A1234学", "510000", "A", False),
        ("沪A1234领", "沪A1234领", "310000", "A", False),
        ("新AQQQQQ", "新AQQQQQ", "650000", "A", False),
        ("苏ed12345", "苏ED12345", "320000", "E", True),
        ("使014001", "使014001", "110000", "", False),
    ],
)
def test_valid(raw: str, value: str, province: str, office: str, new_energy: bool) -> None:
    plate = Plate.parse(raw)
    assert plate.value == value
    assert str(plate) == value
    assert plate.province.code == province
    assert plate.office == office
    assert plate.is_new_energy is new_energy
    assert Plate(value) == plate


@pytest.mark.parametrize(
    ("raw", "detail_contains"),
    [
        ("川AI2345", "I or O"),
        ("川AO2345", "I or O"),
        ("川A1234", "wrong length"),
        ("川A123456789", "wrong length"),
        ("X A12345", "province"),
        ("XA12345", "province"),
        ("台A12345", "province"),
        ("", "empty"),
        ("   ", "empty"),
        ("·-  ", "empty"),
        ("川A12345Q", "new-energy"),
        ("川A1234D5", "new-energy"),
        ("川AD1234X", "new-energy"),
        ("川1A2345", "office"),
        ("川 12345", "wrong length"),  # the space is dropped: 6 characters remain
        ("川A挂2345", "serial"),
        ("川A123挂4", "serial"),
        ("川A1234川", "serial"),
        ("川AD12345挂", "wrong length"),
        ("川A12-45", "wrong length"),  # the hyphen is dropped: 6 characters remain
        ("川A12#45", "unexpected character"),
        ("川A1234使", "unexpected character"),
    ],
)
def test_invalid(raw: str, detail_contains: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        Plate.parse(raw)
    assert exc.value.code == "plate.invalid"
    assert exc.value.field == "plate"
    assert detail_contains in exc.value.detail


# ---------------------------------------------------------------- GA 36-2018 new-energy plates


@pytest.mark.parametrize("letter", list(NEV_PURE_ELECTRIC + NEV_NON_PURE))
def test_ga36_2018_small_new_energy_letters(letter: str) -> None:
    """GA 36-2018 (小型新能源汽车号牌): the serial starts with D (pure electric) or F (non-pure) and, since
    those ranges ran out, A, B, C, E or G, H, J, K; then a letter or digit and four digits."""
    for serial in (f"{letter}12345", f"{letter}A1234"):
        plate = Plate.parse(f"京A{serial}")
        assert plate.series is PlateSeries.NEW_ENERGY_SMALL
        assert plate.is_new_energy and plate.is_civilian


@pytest.mark.parametrize("letter", [c for c in "LMNPQRSTUVWXYZ"])
def test_ga36_2018_small_new_energy_refuses_letters_never_issued(letter: str) -> None:
    """GA 36-2018 (小型新能源汽车号牌): only D/A/B/C/E and F/G/H/J/K open a small new-energy serial."""
    with pytest.raises(InvalidValue, match="pure-electric letter D/A/B/C/E"):
        Plate.parse(f"京A{letter}12345")


@pytest.mark.parametrize(("raw", "ok"), [("粤B12345D", True), ("粤B12345F", True), ("粤B12345A", False)])
def test_ga36_2018_large_new_energy_keep_the_trailing_d_or_f(raw: str, ok: bool) -> None:
    """GA 36-2018 (大型新能源汽车号牌): five digits and a trailing D (pure electric) or F."""
    if ok:
        assert Plate.parse(raw).series is PlateSeries.NEW_ENERGY_LARGE
    else:
        with pytest.raises(InvalidValue, match="5 digits \\+ D/F"):
            Plate.parse(raw)


@pytest.mark.parametrize("raw", ["粤BDI1234", "粤BDO1234", "粤BD1234A"])
def test_ga36_2018_small_new_energy_serial_shape(raw: str) -> None:
    """GA 36-2018 (小型新能源汽车号牌): a small new-energy serial ends in four digits; no I or O."""
    with pytest.raises(InvalidValue):
        Plate.parse(raw)


# ---------------------------------------------------------------- GA 36-2018 special series


@pytest.mark.parametrize(
    ("raw", "series"),
    [
        ("川A12345", PlateSeries.ORDINARY),
        ("粤BD12345", PlateSeries.NEW_ENERGY_SMALL),
        ("粤B12345D", PlateSeries.NEW_ENERGY_LARGE),
        ("渝B2345挂", PlateSeries.TRAILER),
        ("川A1234学", PlateSeries.COACH),
        ("川A1234警", PlateSeries.POLICE),
        ("沪A1234领", PlateSeries.CONSULATE),
        ("粤Z1234港", PlateSeries.HONG_KONG),
        ("粤ZA234澳", PlateSeries.MACAU),
        ("使224001", PlateSeries.EMBASSY),
    ],
)
def test_ga36_2018_series_told_from_the_plate(raw: str, series: PlateSeries) -> None:
    """GA 36-2018 (号牌分类): each series is recognised from its form."""
    assert Plate.parse(raw).series is series


@pytest.mark.parametrize(
    ("raw", "detail_contains"),
    [
        ("使01400", "embassy plates are 使 and 6 digits"),
        ("使0140011", "embassy plates are 使 and 6 digits"),
        ("使01400A", "embassy plates are 使 and 6 digits"),
        ("使使14001", "embassy plates are 使 and 6 digits"),
    ],
)
def test_ga36_2018_embassy_plates_are_shi_and_six_digits(raw: str, detail_contains: str) -> None:
    """GA 36-2018 (使馆汽车号牌): 使, a 3-digit embassy code and a 3-digit serial."""
    with pytest.raises(InvalidValue) as exc:
        Plate.parse(raw)
    assert detail_contains in exc.value.detail


def test_ga36_2018_embassy_plates_are_registered_in_beijing() -> None:
    """GA 36-2018 (使馆汽车号牌): issued in Beijing, where the embassies are; routing goes there."""
    plate = Plate.parse("使 014·001")
    assert plate.value == "使014001"
    assert plate.province.abbr == "京"
    assert not plate.is_civilian and not plate.is_new_energy


@pytest.mark.parametrize("raw", ["沪AB234领", "沪A123Z领"])
def test_ga36_2018_consulate_plates_have_four_digits(raw: str) -> None:
    """GA 36-2018 (领馆汽车号牌): province, office letter, four digits, 领."""
    with pytest.raises(InvalidValue, match="consulate plates have 4 digits"):
        Plate.parse(raw)


@pytest.mark.parametrize("raw", ["川A1234港", "粤B1234澳", "京Z1234港"])
def test_ga36_2018_cross_border_plates_are_issued_by_guangdong_z(raw: str) -> None:
    """GA 36-2018 (港澳入出境车号牌): issued as 粤Z + 4 + 港/澳 only."""
    with pytest.raises(InvalidValue, match="粤Z"):
        Plate.parse(raw)


# ---------------------------------------------------------------- which plates a context takes


@pytest.mark.parametrize("raw", ["川A12345", "粤BD12345", "粤B12345F", "渝B2345挂", "川a·1b2c3"])
def test_a_transfer_takes_a_civilian_plate(raw: str) -> None:
    """164号令 (转籍) moves civilian-registered vehicles, trailers included (GA 36-2018 挂车号牌)."""
    plate = Plate.parse_civilian(raw)
    assert plate.is_civilian and plate.series in CIVILIAN_SERIES
    assert plate == Plate.parse(raw)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("川A1234学", "coach-car (学)"),
        ("川A1234警", "police (警)"),
        ("沪A1234领", "consulate (领)"),
        ("粤Z1234港", "Hong Kong cross-border (港)"),
        ("粤Z1234澳", "Macau cross-border (澳)"),
        ("使014001", "embassy (使)"),
    ],
)
def test_a_transfer_refuses_special_series(raw: str, named: str) -> None:
    """GA 36-2018 special series are not registered to a civilian owner: no 164号令 transfer."""
    with pytest.raises(InvalidValue) as exc:
        Plate.parse_civilian(raw)
    assert (exc.value.code, exc.value.field) == ("plate.invalid", "plate")
    assert exc.value.detail.startswith(named)
    assert "a transfer needs an ordinary, new-energy or trailer plate" in exc.value.detail


@pytest.mark.parametrize("raw", ["川A1234警", "川AI2345"])
def test_a_transfer_plate_error_names_the_field_it_was_given_in(raw: str) -> None:
    """The plate the destination registers (164号令 转入) is refused naming `new_plate`."""
    with pytest.raises(InvalidValue) as exc:
        Plate.parse_civilian(raw, field="new_plate")
    assert (exc.value.code, exc.value.field) == ("plate.invalid", "new_plate")


# ---------------------------------------------------------------- as people type plates


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("川A·12345", "川A12345"),  # U+00B7, the dot printed on the plate
        ("川A•12345", "川A12345"),  # U+2022
        ("川A‧12345", "川A12345"),  # U+2027
        ("川A・12345", "川A12345"),  # U+30FB, a Japanese IME's dot
        ("川A･12345", "川A12345"),  # U+FF65
        ("川Ａ１２３４５", "川A12345"),  # full-width letters and digits
        ("粤ｂ·ｄ１２３４５", "粤BD12345"),  # full-width lower-case
        ("川 A 1 2 3 4 5", "川A12345"),
        ("川A\u300012345", "川A12345"),  # ideographic space
        ("川A\t12345\n", "川A12345"),
        ("川A-12345", "川A12345"),
        ("川A－12345", "川A12345"),  # full-width hyphen-minus
        ("川A–12345", "川A12345"),  # en dash
        ("粤Z·1234港", "粤Z1234港"),
        ("使０１４·００１", "使014001"),
        ("川a12345", "川A12345"),
    ],
)
def test_plates_are_normalised_the_way_people_type_them(raw: str, value: str) -> None:
    """GA 36-2018 prints a dot between office letter and serial; people type it, spaces, hyphens and
    full-width characters: all normalise to the canonical plate."""
    assert Plate.parse(raw).value == value
    assert normalise_plate_text(raw) == value


def test_construction_takes_only_the_canonical_form() -> None:
    """What is stored is the canonical form: a typed form is normalised by parse, not accepted as is."""
    for typed in ("川a12345", "川A·12345", "川Ａ12345", "川A 12345"):
        with pytest.raises(InvalidValue):
            Plate(typed)


@pytest.mark.parametrize("bad", [None, 1234567, b"\xe5\xb7\x9dA12345"])
def test_non_text_rejected(bad: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        Plate.parse(bad)  # type: ignore[arg-type]
    assert exc.value.code == "plate.invalid"


def test_direct_construction_validates() -> None:
    with pytest.raises(InvalidValue):
        Plate("川a12345")


def test_invalid_value_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="province"):
        Plate.parse("XA12345")


# ---------------------------------------------------------------- partial plates (hit-and-run)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("川A", "川A"),
        ("川a1*3?5", "川A1*3?5"),
        ("*?12", "*?12"),
        ("  粤bd12345 ", "粤BD12345"),
        ("渝B*345挂", "渝B*345挂"),
        ("A1", "A1"),
        ("?5", "?5"),
        ("川 A1", "川A1"),
        ("川A·1＊3？5", "川A1*3?5"),  # full-width wildcards too
        ("川Ａ－１*", "川A1*"),
        ("使014***", "使014***"),
        ("粤 B · D 1 2 3 4 5", "粤BD12345"),
    ],
)
def test_partial_valid(raw: str, expected: str) -> None:
    """A witness's partial plate is typed like a whole one (GA 36-2018 forms, dots, spaces, full width)."""
    assert parse_plate_partial(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["川", "", "**", "????????", "川A1234567", "川AI*", "川A#1", "· ·", "＊＊", None],
)
def test_partial_invalid(raw: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_plate_partial(raw)  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == ("plate_partial.invalid", "plate_partial")


# ---------------------------------------------------------------- properties

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALNUM = "0123456789" + _LETTERS
_DIGITS = "0123456789"
_SEPARATORS = [" ", "·", "•", "‧", "・", "-", "－", "\u3000", "–"]


def _text(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(alphabet), min_size=size, max_size=size)


@st.composite
def canonical_plates(draw: st.DrawFn) -> str:
    """Any canonical plate of the series GA 36-2018 issues and this service accepts."""
    head = draw(st.sampled_from([p.abbr for p in PROVINCES])) + draw(st.sampled_from(_LETTERS))
    kind = draw(st.sampled_from([*PlateSeries]))
    if kind is PlateSeries.EMBASSY:
        return "使" + draw(_text(_DIGITS, 6))
    if kind is PlateSeries.NEW_ENERGY_SMALL:
        letter = draw(st.sampled_from(NEV_PURE_ELECTRIC + NEV_NON_PURE))
        return head + letter + draw(_text(_ALNUM, 1)) + draw(_text(_DIGITS, 4))
    if kind is PlateSeries.NEW_ENERGY_LARGE:
        return head + draw(_text(_DIGITS, 5)) + draw(st.sampled_from("DF"))
    if kind in (PlateSeries.HONG_KONG, PlateSeries.MACAU):
        return "粤Z" + draw(_text(_ALNUM, 4)) + ("港" if kind is PlateSeries.HONG_KONG else "澳")
    if kind is PlateSeries.CONSULATE:
        return head + draw(_text(_DIGITS, 4)) + "领"
    suffix = {PlateSeries.TRAILER: "挂", PlateSeries.COACH: "学", PlateSeries.POLICE: "警"}
    if kind in suffix:
        return head + draw(_text(_ALNUM, 4)) + suffix[kind]
    return head + draw(_text(_ALNUM, 5))


def _typed_char(draw: st.DrawFn, char: str) -> str:
    if char.isascii() and char.isalnum():
        if draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # full width
        if draw(st.booleans()):
            char = char.lower()
    return char


@st.composite
def typed(draw: st.DrawFn, canonical: str) -> str:
    """`canonical` as someone might type it: full-width, lower-case, dots, spaces and hyphens."""
    out = [draw(st.sampled_from(["", " ", "\t"]))]
    for char in canonical:
        out.append(_typed_char(draw, char))
        out.append("".join(draw(st.lists(st.sampled_from(_SEPARATORS), max_size=2))))
    return "".join(out)


@given(st.data())
def test_property_any_typed_form_normalises_to_the_canonical_plate(data: st.DataObject) -> None:
    """GA 36-2018 plates typed with full-width characters, dots, spaces or hyphens are the same plate."""
    canonical = data.draw(canonical_plates())
    assert Plate.parse(data.draw(typed(canonical))) == Plate(canonical)


@given(canonical_plates())
def test_property_canonical_plates_are_fixed_points(canonical: str) -> None:
    """GA 36-2018: a canonical plate is valid as it is and normalising it changes nothing."""
    assert normalise_plate_text(canonical) == canonical
    plate = Plate(canonical)
    assert Plate.parse(canonical) == plate
    assert Plate.parse(plate.value).value == canonical
    assert plate.is_civilian == (plate.series in CIVILIAN_SERIES)


@given(st.data())
def test_property_partial_plates_accept_the_same_typed_forms(data: st.DataObject) -> None:
    """A hit-and-run's partial plate normalises like a whole one (wildcards for unread characters)."""
    canonical = data.draw(canonical_plates())
    mask = data.draw(st.lists(st.booleans(), min_size=len(canonical), max_size=len(canonical)))
    partial = "".join("*" if hidden else c for c, hidden in zip(canonical, mask, strict=True))
    if all(c == "*" for c in partial):
        partial = canonical[0] + partial[1:]
    assert parse_plate_partial(data.draw(typed(partial))) == partial
