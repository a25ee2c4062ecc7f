"""What artisan has learnt about the servers it talks to, kept between runs.

Today that is one fact: a server that runs one request at a time (llama.cpp's server with one
slot ends the running answer when another request arrives). Once learnt, variations for that
server run in turn from the start instead of being cut and tried again.

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
        entry = self._read().get(server_key(settings))
        if not isinstance(entry, dict):
            return None
        value = entry.get("parallel")
        if type(value) is int and 1 <= value <= 64:
            return value
        return None

    def remember_parallel(self, settings: Settings, parallel: int) -> None:
        """Record that the server runs `parallel` requests at once.

        A folder or disk that cannot be written is not an error worth stopping for: the
        fact is learnt again next time.
        """
        servers = self._read()
        servers.pop(server_key(settings), None)
        servers[server_key(settings)] = {
            "parallel": parallel,
            "learnt": datetime.now(UTC).isoformat(timespec="seconds"),
        }
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
