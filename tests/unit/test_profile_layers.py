"""bench.profile puts each sampled stack in the layer of its innermost frame that names one."""

from __future__ import annotations

from bench.profile import _API_LAYERS, layers

SAMPLES = "\n".join(
    [
        # The key store's query inside the event store's save: sealing, not the save.
        "run (uvicorn/main.py:1);EventStore.put (eventsourcing/persistence.py:2);"
        "PostgresKeyStore.for_sealing (xborder/privacy/keys.py:3);"
        "Connection.wait (psycopg/connection.py:4) 3",
        # The events' INSERT itself: the save.
        "run (uvicorn/main.py:1);EventStore.put (eventsourcing/persistence.py:2);"
        "Cursor.execute (psycopg/cursor.py:5) 1",
        # Only the framework on the stack.
        "run (uvicorn/main.py:1);"
        "HttpToolsProtocol.data_received (uvicorn/protocols/http/httptools_impl.py:9) 4",
    ]
)


def test_each_stack_goes_to_its_innermost_named_layer() -> None:
    summary = layers(SAMPLES, _API_LAYERS)
    shares = {row["layer"]: row["samples"] for row in summary["layers"]}
    assert summary["samples"] == 8
    assert shares == {
        "sealing personal data (keys, AES-GCM)": 3,
        "event store save (eventsourcing + psycopg)": 1,
        "HTTP and the framework (uvicorn, Starlette, FastAPI)": 4,
    }
