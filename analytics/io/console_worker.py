"""The SQL console's worker process (``python -m analytics.io.console_worker``), started by
:class:`analytics.io.console.Workers` with an address-space limit (``RLIMIT_AS``, settings
``sql_console.worker_memory_mb``): whatever a query asks for, the most it can take is this process's limit —
an allocation beyond it fails inside DuckDB (refused as ``memory_limit``) or ends this process (refused as
``worker_failed``), never the app's.

It reads requests from stdin and answers on stdout, each a length-prefixed pickle (only its parent talks to
it): ``{"kind": "tables" | "query", "db", "scope", "sql", "rows", "seconds", "bounds"}`` (bounds: the parent's
:func:`storage.console_limits`, so a settings change reaches a running worker) → ``("ok", payload)`` or
``("refused", key, params)``. A query's result travels as Arrow IPC bytes (the size already bounded by
``result_mb``). The console connections (a closed in-memory copy of the scope, :func:`storage.console_connection`)
are kept for the next query of the same version and scope."""
from __future__ import annotations

import os
import pickle
import struct
import sys
from collections import OrderedDict

from analytics.io import storage
from analytics.io.storage import ConsoleRefused

HEADER = struct.Struct("!Q")
KEEP = 2                                # console connections kept (version × scope)


def read_frame(stream):
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    size = HEADER.unpack(head)[0]
    return pickle.loads(stream.read(size))


def write_frame(stream, value) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def answer(request: dict, connections: OrderedDict):
    bounds = request["bounds"]
    key = (storage.physical_path(request["db"]), tuple(request["scope"]), bounds["memory_limit"], bounds["threads"])
    con = connections.pop(key, None)
    if con is None:
        con = storage.console_connection(key[0], key[1], bounds)
        while len(connections) >= KEEP:
            connections.popitem(last=False)[1].close()
    connections[key] = con
    cursor = con.cursor()
    try:
        if request["kind"] == "tables":
            return ("ok", storage.console_tables(cursor).to_dict("list"))
        result = storage.console_arrow(cursor, request["sql"], request["rows"], request["seconds"], bounds)
        return ("ok", result)
    finally:
        cursor.close()


def main() -> int:
    out = os.fdopen(os.dup(1), "wb")              # answers only: anything printed goes to stderr
    os.dup2(2, 1)
    stream = sys.stdin.buffer
    connections: OrderedDict = OrderedDict()
    while (request := read_frame(stream)) is not None:
        try:
            reply = answer(request, connections)
        except ConsoleRefused as refused:
            reply = ("refused", refused.key, refused.params)
        except MemoryError:
            reply = ("refused", "memory_limit", {"limit": request["bounds"]["memory_limit"]})
        except Exception as error:  # noqa: BLE001 — every fault an answer in words, the worker goes on
            reply = ("refused", "error", {"detail": str(error).splitlines()[0][:300] if str(error) else type(error).__name__})
        write_frame(out, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
