"""What free text the service accepts and keeps: printable Unicode, tab and newline, nothing else.

A NUL byte, an unpaired surrogate or a bidirectional override is never something an officer or an
owner meant to type, and each is dangerous downstream: PostgreSQL's text and jsonb cannot store U+0000
at all, UTF-8 cannot encode a lone surrogate, and bidi overrides make a record read differently from
what it says (the "Trojan Source" trick). The API refuses such text at the edge, once, for every string
field; the read models check again before they write, so a record that slipped in by another path is
parked instead of failing every write behind it. Chinese text, full-width punctuation, emoji and
private-use characters (some rare characters in names still live there) are untouched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Final

from xborder.domain.errors import InvalidValue

# A ceiling for any string the service stores; fields declare tighter limits of their own.
MAX_TEXT_LENGTH: Final = 4000

_ALLOWED_CONTROLS: Final = frozenset("\t\n")
# Embeddings, overrides and isolates (Unicode UAX #9): they reorder what a reader sees.
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


# Every character refused, as one character class: a search runs at C speed over long text, and the
# read models run it over every event they apply.
FORBIDDEN_CHARACTERS: Final = re.compile(
    "["
    + "\x00-\x08\x0b-\x1f\x7f-\x9f"  # Cc without tab (09) and newline (0a)
    + "\ud800-\udfff"  # Cs
    + "".join(re.escape(c) for c in sorted(_BIDI_CONTROLS))
    + "\ufdd0-\ufdef"
    + "".join(re.escape(chr(plane << 16 | low)) for plane in range(17) for low in (0xFFFE, 0xFFFF))
    + "]"
)


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The position and a description of the first character the service does not keep, or None."""
    match = FORBIDDEN_CHARACTERS.search(text)
    if match is None:
        return None
    char = match.group(0)
    code = ord(char)
    category = unicodedata.category(char)
    if category == "Cc":
        what = "a control character"
    elif category == "Cs":
        what = "an unpaired surrogate"
    elif char in _BIDI_CONTROLS:
        what = "a bidirectional control character"
    else:
        what = "a Unicode noncharacter"
    return match.start(), f"{what} (U+{code:04X})"


def check_text(text: str, *, field: str | None = None, max_length: int = MAX_TEXT_LENGTH) -> str:
    """`text` unchanged, or `InvalidValue` saying what is wrong and where — never quoting the text,
    which may be personal data."""
    if len(text) > max_length:
        raise InvalidValue(
            f"is {len(text)} characters long; at most {max_length} are accepted",
            code="text.too_long",
            field=field,
        )
    found = forbidden_character(text)
    if found is not None:
        position, what = found
        raise InvalidValue(
            f"contains {what} at position {position}; only printable text, tabs and newlines are accepted",
            code="text.forbidden_character",
            field=field,
        )
    return text


def unstorable_strings(value: object, path: str = "") -> Iterator[str]:
    """Paths (`owner.name`, `casualties.0.medical_notes`) of strings in a JSON-like value that storage
    would refuse or that the edge should have refused: the read models' last line of defence."""
    if isinstance(value, str):
        if forbidden_character(value) is not None:
            yield path or "(value)"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            child = f"{path}.{name}" if path else name
            if forbidden_character(name) is not None:
                yield child
            yield from unstorable_strings(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unstorable_strings(item, f"{path}.{index}" if path else str(index))


class UnstorableText(ValueError):
    """Text that storage cannot keep (U+0000, a lone surrogate) or that the edge should have refused,
    met on a path other than the API. Raised before the text reaches the database — whose error would
    quote it into the server's log — so that the record is parked as a dead letter instead."""


def ensure_storable(value: object) -> None:
    # Every applied event passes here and nearly none holds such text: a first pass only looks, and
    # the paths, which cost a string per key, are worked out when there is something to name.
    if not _holds_unstorable(value):
        return
    paths = sorted(set(unstorable_strings(value)))
    if paths:
        raise UnstorableText(f"text that cannot be stored in {', '.join(paths[:5])}")


def _holds_unstorable(value: object) -> bool:
    if isinstance(value, str):
        return FORBIDDEN_CHARACTERS.search(value) is not None
    if isinstance(value, Mapping):
        return any(
            FORBIDDEN_CHARACTERS.search(str(key)) is not None or _holds_unstorable(item)
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(_holds_unstorable(item) for item in value)
    return False
