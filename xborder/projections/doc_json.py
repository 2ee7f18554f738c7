"""A case document's JSON text, as the read model stores it.

Every projected event rewrites its case's document, so writing the JSON text was the largest single
cost of applying an event (a fifth of a rebuild's CPU with the standard library's encoder). orjson
writes the same JSON several times faster. What it writes is the same text as `json.dumps(doc,
ensure_ascii=False)` but for the spaces after separators: strings are escaped alike (the read model's
scans of the text, `suspect_json` and `lookups_in_json`, rely on that, and tests hold both to it).

A document orjson refuses — a lone surrogate in a string, an integer beyond 64 bits, a key that is
not a string — is written by the standard library instead, which accepts what it accepted before (and
the storable-text check then refuses the surrogate, naming the field)."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Datetimes and dataclasses, which orjson would write in its own way where `json.dumps` fails, are
# passed to `default`, of which there is none: orjson fails, and so does the standard library after it.
# (A UUID orjson writes as its text; a document holds its ids as text already.)
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def doc_json(doc: Any) -> str:
    try:
        return orjson.dumps(doc, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(doc, ensure_ascii=False)
