"""The privacy pieces as the settings describe them: the keys' store and master keys, the blind index,
the sealer the applications store events with and the opener the readers show values with."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass
from typing import Final

from xborder.infra.postgres.database import Database
from xborder.infra.postgres.tls import connection_url
from xborder.infra.settings import Settings
from xborder.privacy.cipher import cipher_named
from xborder.privacy.keys import MasterKeys, PostgresKeyStore
from xborder.privacy.sealing import Opener, Sealer
from xborder.privacy.subjects import BlindIndex

logger = logging.getLogger("xborder.privacy")

DEV_MASTER_KEY_ID: Final = "dev"
_DEV_SECRETS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS xborder_dev_secrets (name text PRIMARY KEY, secret bytea NOT NULL)"
)


@dataclass(frozen=True)
class Privacy:
    keys: PostgresKeyStore
    blind: BlindIndex
    sealer: Sealer
    opener: Opener


def parse_master_keys(text: str) -> dict[str, bytes]:
    """`id:base64,id:base64` -> {id: key}; a malformed entry is named by its id, never its key."""
    keys: dict[str, bytes] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id.strip():
            raise ValueError("PRIVACY_MASTER_KEYS: each entry is id:base64-of-32-bytes")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"PRIVACY_MASTER_KEYS: key {key_id.strip()!r} is not base64") from None
        if len(key) != 32:
            raise ValueError(f"PRIVACY_MASTER_KEYS: key {key_id.strip()!r} is not 32 bytes")
        keys[key_id.strip()] = key
    if not keys:
        raise ValueError("PRIVACY_MASTER_KEYS is empty")
    return keys


def privacy_from_settings(settings: Settings, shared: Database) -> tuple[Privacy, Database | None]:
    """The configured privacy, and the keys' own database when it has one (to close with the service)."""
    own: Database | None = None
    keys_db = shared
    if settings.privacy_database_url:
        url = connection_url(settings.privacy_database_url, settings)
        own = keys_db = Database(url, pool_size=2, name="xborder-keys")
        own.open()
    if settings.privacy_master_keys is not None:
        masters = parse_master_keys(settings.privacy_master_keys.get_secret_value())
        current = settings.privacy_master_key_id or next(iter(masters))
    else:
        logger.warning(
            "PRIVACY_MASTER_KEYS is not set: a development master key kept in the database wraps the data "
            "subjects' keys (never in production)"
        )
        masters, current = {DEV_MASTER_KEY_ID: _dev_secret(keys_db, "privacy-master-key")}, DEV_MASTER_KEY_ID
    if settings.privacy_blind_index_key is not None:
        blind_key = settings.privacy_blind_index_key.get_secret_value().encode()
    else:
        blind_key = _dev_secret(keys_db, "privacy-blind-index-key")
    store = PostgresKeyStore(keys_db, MasterKeys(masters, current))
    store.migrate()
    blind = BlindIndex(blind_key)
    return Privacy(
        store, blind, Sealer(store, blind, cipher_named(settings.privacy_cipher)), Opener(store)
    ), own


def _dev_secret(db: Database, name: str) -> bytes:
    """A development secret every process on this database agrees on: created once, kept in a table."""
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.privacy.ddl'))")
        conn.execute(_DEV_SECRETS_DDL)
        conn.execute(
            "INSERT INTO xborder_dev_secrets (name, secret) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (name, os.urandom(32)),
        )
        row = conn.execute("SELECT secret FROM xborder_dev_secrets WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return bytes(row["secret"])
