"""What artisan has learnt about the servers it talks to, kept between runs.

How many requests a server runs at once, and how much context each gets. llama.cpp's server
says both at `GET /props` (`total_slots`, `n_ctx`); llama-cpp-python's says nothing, and is
learnt instead when its one slot ends the running answer as another request arrives. Once
known, variations for that server run in turn (or as many at once as it has slots) from the
start, and an answer stopped by a full context says so with the figures.

The file is `servers.json` in the data folder, keyed by `base_url` without credentials. It is a
cache: a file that cannot be read is treated as empty and replaced at the next write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import locations
from artisan.atomic import write_atomic
from artisan.connection.server import server_key

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.discovery import ServerProps

FILE_NAME = "servers.json"
MAX_BYTES = 256 * 1024
"""A larger file is not read (it would be no cache artisan wrote)."""
MAX_SERVERS = 200
"""Oldest entries beyond this many are dropped when a new one is written."""


class ServerMemory:
    """Facts learnt per server, read from and written to one small JSON file.

    Args:
        path: The file; by default `servers.json` in the data folder.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or locations.data_dir() / FILE_NAME

    def parallel(self, settings: Settings) -> int | None:
        """How many requests the server runs at once, when artisan has learnt it."""
        return self._fact(settings, "parallel", 1024)

    def context(self, settings: Settings) -> int | None:
        """Tokens of context the server gives one request, when it said."""
        return self._fact(settings, "context", 100_000_000)

    def remember_parallel(self, settings: Settings, parallel: int) -> None:
        """Record that the server runs `parallel` requests at once (learnt from what it did).

        A folder or disk that cannot be written is not an error worth stopping for: the
        fact is learnt again next time.
        """
        self._write(settings, {"parallel": parallel, "source": "learnt"})

    def remember_props(self, settings: Settings, props: ServerProps) -> None:
        """Record what the server said of itself at `/props` (its slots and context)."""
        facts: dict[str, Any] = {"parallel": props.slots, "source": "props"}
        if props.context is not None:
            facts["context"] = props.context
        self._write(settings, facts)

    def _fact(self, settings: Settings, name: str, most: int) -> int | None:
        entry = self._read().get(server_key(settings))
        if not isinstance(entry, dict):
            return None
        value = entry.get(name)
        if type(value) is int and 1 <= value <= most:
            return value
        return None

    def _write(self, settings: Settings, facts: dict[str, Any]) -> None:
        servers = self._read()
        key = server_key(settings)
        known = servers.get(key)
        if isinstance(known, dict) and {k: v for k, v in known.items() if k != "learnt"} == facts:
            return  # nothing new: the file is left alone
        servers.pop(key, None)
        servers[key] = {**facts, "learnt": datetime.now(UTC).isoformat(timespec="seconds")}
        while len(servers) > MAX_SERVERS:
            servers.pop(next(iter(servers)))
        data = json.dumps({"version": 1, "servers": servers}, indent=2, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data.encode("utf-8"))
        except OSError:
            return

    def _read(self) -> dict[str, Any]:
        try:
            if not self.path.is_file() or self.path.stat().st_size > MAX_BYTES:
                return {}
            raw = json.loads(self.path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return {}
        servers = raw.get("servers") if isinstance(raw, dict) else None
        return dict(servers) if isinstance(servers, dict) else {}
