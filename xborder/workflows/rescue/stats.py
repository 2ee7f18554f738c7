"""The rescue's own figures for /v1/stats: how fast police and hospitals arrive, the measure the
警医保联动 agreements are judged by."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import DictRow


def response_times(conn: psycopg.Connection[DictRow], schema: sql.Identifier) -> dict[str, Any]:
    row = conn.execute(
        sql.SQL(
            "SELECT percentile_cont(0.5) WITHIN GROUP"
            " (ORDER BY (doc -> 'police' ->> 'response_seconds')::int) AS police,"
            " percentile_cont(0.5) WITHIN GROUP"
            " (ORDER BY (doc -> 'medical' ->> 'response_seconds')::int) AS medical"
            " FROM {}.cases WHERE kind = 'rescue'"
        ).format(schema)
    ).fetchone()
    if row is None:
        return {}
    return {
        "median_police_response_seconds": row["police"],
        "median_medical_response_seconds": row["medical"],
    }
