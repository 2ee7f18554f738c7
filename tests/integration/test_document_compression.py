"""Case documents are compressed with lz4 where the server has it — every event of a case rewrites
its document in each of its provinces, and PostgreSQL's own pglz cost a fifth more of its CPU for
applying them — and with the server's default where it has not (PostgreSQL built without lz4, or
older than 14)."""

from __future__ import annotations

from tests.integration.conftest import MakeService
from tests.support.service import CHUAN, YU


def test_documents_are_compressed_with_lz4_where_the_server_has_it(make_service: MakeService) -> None:
    service = make_service(provinces=[CHUAN, YU])
    transfer = service.apply_for_transfer("川A70001")
    service.wait_for_version(YU, transfer["id"], transfer["version"])
    service.container.readmodels.ensure_schema(YU)  # as every start does: again, changing nothing

    with service.container.db.transaction() as conn:
        row = conn.execute(
            "SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'"
        ).fetchone()
        has_lz4 = bool(row and row["lz4"])
        for province in (CHUAN, YU):
            column = conn.execute(
                "SELECT attcompression::text AS method FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attname = 'doc'",
                (f"province_{province}.cases",),
            ).fetchone()
            assert column is not None
            assert column["method"] == ("l" if has_lz4 else ""), (province, has_lz4)
    assert service.doc(YU, transfer["id"])["version"] == transfer["version"]  # documents read back
