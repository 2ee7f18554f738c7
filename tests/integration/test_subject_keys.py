"""The key store's one-statement `for_sealing` on a real PostgreSQL: creators racing on one new subject
all seal with the one key that won, and a key is read back as it was wrapped."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from uuid import uuid4

import pytest

from xborder.infra.postgres.database import Database
from xborder.privacy.keys import MasterKeys, PostgresKeyStore, SubjectKey


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresKeyStore]:
    db = Database(database_url, pool_size=8, name="keys-test")
    db.open()
    keys = PostgresKeyStore(db, MasterKeys({"m1": os.urandom(32)}, "m1"))
    keys.migrate()
    try:
        yield keys
    finally:
        db.close()


def _race(store: PostgresKeyStore, subject: str, creators: int) -> list[SubjectKey]:
    """`creators` threads sealing for the same new subject at once."""
    barrier = threading.Barrier(creators)
    got: list[SubjectKey] = []
    lock = threading.Lock()

    def create() -> None:
        barrier.wait()
        key = store.for_sealing(
            [subject], cipher="aes256gcm", key_bytes=32, aggregate_type="VehicleTransfer", case_id=uuid4()
        )[subject]
        with lock:
            got.append(key)

    threads = [threading.Thread(target=create) for _ in range(creators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


def test_racing_creators_of_one_subject_all_get_the_key_that_won(store: PostgresKeyStore) -> None:
    for round_ in range(10):
        subject = f"subject-{round_}-{uuid4()}"
        got = _race(store, subject, creators=8)
        assert len(got) == 8
        assert {(k.generation, k.key) for k in got} == {(1, got[0].key)}
        # Opening finds the same key, unwrapped from the stored row.
        assert store.for_opening([(subject, 1)])[(subject, 1)].key == got[0].key


def test_a_known_subject_and_a_new_one_together(store: PostgresKeyStore) -> None:
    known, new = f"known-{uuid4()}", f"new-{uuid4()}"
    first = store.for_sealing([known], cipher="aes256gcm", key_bytes=32, aggregate_type="T", case_id=uuid4())
    both = store.for_sealing(
        [known, new], cipher="aes256gcm", key_bytes=32, aggregate_type="T", case_id=uuid4()
    )
    assert both[known].key == first[known].key
    assert both[new].key != both[known].key
    assert len(store.cases_of(known)) == 2
