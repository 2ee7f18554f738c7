"""Which values of an event are personal, and sealing and opening them.

The rule is stated once, here, over the shapes the workflows' contracts declare: a person (any object
with an `id_number`: a transfer's owner, an objecting party, a caught suspect) has their `name`,
`id_number` and `phone` sealed for the subject their ID number names; a casualty (any object with
`medical_notes`) has the notes sealed for a subject of that case alone, by the dispatcher's reference.
Everything else an event says stays readable: plates, places and times are what provinces route and
search on, and are not about a person the way an identity or a diagnosis is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from uuid import UUID

from xborder.privacy.cipher import FieldCipher, InvalidTag, cipher_named
from xborder.privacy.keys import KeyStore, SubjectKey
from xborder.privacy.sealed import PREFIX, SealedValue, associated_data, is_sealed, parse_sealed
from xborder.privacy.subjects import BlindIndex

PERSON_FIELDS: Final = ("name", "id_number", "phone")
CASUALTY_FIELDS: Final = ("medical_notes",)

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Personal:
    path: Path  # of the value, from the top of the event's state
    subject: str
    value: str


def personal_values(state: Mapping[str, Any], case_id: UUID, blind: BlindIndex) -> list[_Personal]:
    """Every personal value of an event's state not sealed yet, with its subject."""
    found: list[_Personal] = []
    for path, obj in _objects(state, ()):
        id_number = obj.get("id_number")
        if isinstance(id_number, str) and id_number and not is_sealed(id_number):
            subject = blind.person(id_number)
            found += [
                _Personal((*path, name), subject, value)
                for name in PERSON_FIELDS
                if isinstance(value := obj.get(name), str) and value and not is_sealed(value)
            ]
        notes = obj.get("medical_notes")
        if isinstance(notes, str) and notes and not is_sealed(notes):
            subject = blind.casualty(case_id, str(obj.get("ref", path[-1] if path else "")))
            found.append(_Personal((*path, "medical_notes"), subject, notes))
    return found


def personal_paths(doc: Mapping[str, Any]) -> list[str]:
    """The dotted paths of a (clear or opened) document's personal values, by the same rule as sealing:
    what an answer showing them unmasked must record in the audit log."""
    paths: list[str] = []
    for path, obj in _objects(doc, ()):
        prefix = "".join(f"{part}." for part in path)
        if "id_number" in obj:
            paths += [prefix + name for name in PERSON_FIELDS if name in obj]
        if "medical_notes" in obj:
            paths.append(prefix + "medical_notes")
    return paths


def _objects(value: Any, path: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        yield path, value
        for key, inner in value.items():
            yield from _objects(inner, (*path, key))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _objects(inner, (*path, index))


def _replaced(value: Any, path: Path, new: Any) -> Any:
    """`value` with the leaf at `path` replaced, copying only the containers on the way."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        copy = dict(value)
        copy[head] = _replaced(value[head], rest, new)
        return copy
    items = list(value)
    items[head] = _replaced(items[head], rest, new)  # type: ignore[index]
    return tuple(items) if isinstance(value, tuple) else items


class Sealer:
    """Seals an event's personal values with their subjects' keys, created on first use."""

    def __init__(self, keys: KeyStore, blind: BlindIndex, cipher: FieldCipher) -> None:
        self.keys = keys
        self.blind = blind
        self.cipher = cipher

    def seal_state(self, state: dict[str, Any], *, aggregate_type: str, case_id: UUID) -> dict[str, Any]:
        personal = personal_values(state, case_id, self.blind)
        if not personal:
            return state
        keys = self.keys.for_sealing(
            {p.subject for p in personal},
            cipher=self.cipher.name,
            key_bytes=self.cipher.key_bytes,
            aggregate_type=aggregate_type,
            case_id=case_id,
        )
        sealed: Any = state
        for p in personal:
            key = keys[p.subject]
            cipher = cipher_named(key.cipher)
            aad = associated_data(p.subject, key.generation, str(p.path[-1]))
            blob = cipher.seal(key.key, p.value.encode(), aad)
            lookup = self.blind.phone(p.value) if p.path[-1] == "phone" else None
            value = SealedValue(key.cipher, p.subject, key.generation, blob, lookup)
            sealed = _replaced(sealed, p.path, str(value))
        return dict(sealed)


@dataclass
class Opened:
    """A document with its sealed values opened: `shown` maps each opened path ("owner.name") to its
    clear value, `erased` lists the paths whose subject's key was destroyed (their value is now None)."""

    doc: Any
    shown: dict[str, str] = field(default_factory=dict)
    erased: list[str] = field(default_factory=list)


class Opener:
    """Opens the sealed values of read-model documents with the keys that still exist, all the keys
    of one answer fetched at once."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    def open_all(self, docs: list[Any]) -> list[Opened]:
        found = [list(_sealed_values(doc, ())) for doc in docs]
        refs = {sealed.key_ref for values in found for _, sealed in values}
        keys = self.keys.for_opening(refs) if refs else {}
        return [self._open(doc, values, keys) for doc, values in zip(docs, found, strict=True)]

    def open(self, doc: Any) -> Opened:
        return self.open_all([doc])[0]

    @staticmethod
    def _open(
        doc: Any, values: list[tuple[Path, SealedValue]], keys: Mapping[tuple[str, int], SubjectKey]
    ) -> Opened:
        opened = Opened(doc)
        for path, sealed in values:
            dotted = ".".join(str(part) for part in path)
            clear = _open_one(sealed, str(path[-1]), keys.get(sealed.key_ref))
            if clear is None:
                opened.erased.append(dotted)
            else:
                opened.shown[dotted] = clear
            opened.doc = _replaced(opened.doc, path, clear)
        return opened


def _open_one(sealed: SealedValue, field_name: str, key: SubjectKey | None) -> str | None:
    if key is None:
        return None
    try:
        aad = associated_data(sealed.subject, sealed.generation, field_name)
        return cipher_named(sealed.cipher).open(key.key, sealed.blob, aad).decode()
    except (InvalidTag, ValueError):
        return None


def _sealed_values(value: Any, path: Path) -> Iterator[tuple[Path, SealedValue]]:
    if isinstance(value, str):
        if is_sealed(value) and (sealed := parse_sealed(value)) is not None:
            yield path, sealed
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _sealed_values(inner, (*path, key))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _sealed_values(inner, (*path, index))


# A string value of JSON text as `json.dumps` writes it that starts as a sealed value: an opening quote
# (`lookups_in_json` refuses one that is escaped), no quote or backslash inside, and a closing quote
# followed by what follows a value (a key is followed by a colon). The pattern begins with its literal
# text so that the engine can skip to it: led by a look-behind, it was tried at every character, and
# reading the blind index out of a document cost as much as writing the document's JSON.
_SEALED_IN_JSON = re.compile('"(' + re.escape(PREFIX) + r'[^"\\]*)"(?=[,\]}])')


def lookups_in_json(text: str) -> list[str]:
    """`lookups_in` of a document, read from its JSON text (`json.dumps`, or `doc_json`): what the read
    model stores beside the text it has just written, without walking the document again."""
    found: set[str] = set()
    for match in _SEALED_IN_JSON.finditer(text):
        start = match.start()
        if start and text[start - 1] == "\\":
            # An escaped quote inside a string: what follows is text, not a value. Its span ends at a
            # closing quote followed by `,]}`, which cannot begin a sealed value, so none is skipped.
            continue
        sealed = parse_sealed(match.group(1))
        if sealed is not None:
            found.add(sealed.subject)
            if sealed.lookup:
                found.add(sealed.lookup)
    return sorted(found)


def lookups_in(value: Any) -> list[str]:
    """What a document can be found by without its values: the subjects of its sealed values and the
    keyed hashes of those searched by (phones) — the read model's blind index of it."""
    found: set[str] = set()
    for _, sealed in _sealed_values(value, ()):
        found.add(sealed.subject)
        if sealed.lookup:
            found.add(sealed.lookup)
    return sorted(found)
