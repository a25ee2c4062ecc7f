"""The HTTP side of Stable Diffusion servers on one's own machine (or network): requests with
deadlines, answers read within bounds, and every failure in words a person can act on.

AUTOMATIC1111 and ComfyUI speak plain JSON over HTTP. Their answers are read whole but never
past a size, and parsed only after their depth is checked, so a server that sends something
strange gets a message, not a hang or a crash. Server text is quoted only through
`connection.quote` (control characters removed, secrets redacted, shortened).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from artisan import files
from artisan.connection import (
    ApiError,
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    ProtocolError,
    RequestTimedOut,
    ServerFailed,
    quote,
)
from artisan.connection.server import image_timeout, seconds

if TYPE_CHECKING:
    import httpx2

    from artisan.config import Settings
    from artisan.images.renderers import ImageServer

ANSWER = files.Limits("an image server's answer", 512 * files.MIB, 32)
"""A batch of eight large PNGs in base64 is well under 512 MiB."""
LIST_TIMEOUT = 10.0
"""Seconds to wait for a list of checkpoints or samplers."""
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


class LocalServer:
    """An HTTP client for one image server, made on first use and closed with `close`."""

    def __init__(self, settings: Settings, server: ImageServer, start_hint: str) -> None:
        self.server = server
        self.settings = settings
        self.start_hint = start_hint
        """How to start the server so its API answers (", with --api")."""
        self._http: httpx2.AsyncClient | None = None

    @property
    def name(self) -> str:
        return self.server.name

    @property
    def timeout(self) -> float:
        return image_timeout(self.settings)

    def http(self) -> httpx2.AsyncClient:
        if self._http is None:
            import httpx2

            host = (urlsplit(self.server.base_url).hostname or "").lower()
            self._http = httpx2.AsyncClient(
                base_url=self.server.base_url,
                headers=self._auth(),
                timeout=self.timeout,
                # Proxies from the environment must not see requests to this machine.
                trust_env=host not in _LOOPBACK,
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        timeout: float | None = None,
        raw: bool = False,
    ) -> Any:
        """Send one request; its JSON answer (or its bytes, with `raw`).

        Raises:
            ApiError: cannot connect, timed out, or the server refused or failed, in words.
        """
        import httpx2

        wait = timeout or self.timeout
        try:
            async with self.http().stream(
                method, path, json=body, params=params, timeout=wait
            ) as response:
                data = await _read(response, self.name)
                status = response.status_code
        except httpx2.ConnectError:
            raise ConnectionFailed(
                f"Cannot connect to {self.name}: is it running{self.start_hint}? "
                "(`artisan config set image.base_url ...` if it is elsewhere)"
            ) from None
        except httpx2.TimeoutException:
            raise RequestTimedOut(
                f"{self.name} did not answer within {seconds(wait)}. A large image on a slow "
                "card can take minutes: raise the limit with `artisan config set timeout 600`."
            ) from None
        except httpx2.HTTPError as error:
            raise ConnectionFailed(
                f"The connection to {self.name} failed: {quote(str(error)) or type(error).__name__}"
            ) from None
        if status >= 400:
            raise self._refused(status, data, path)
        if raw:
            return data
        try:
            return files.parse_json(data, f"{self.name}{path}", ANSWER)
        except files.FileProblem:
            raise ProtocolError(
                f"{self.name} answered {path} with something that is not JSON. Is "
                f"image.base_url ({self.server.base_url}) the server's address?"
            ) from None

    def _refused(self, status: int, data: bytes, path: str) -> ApiError:
        detail = _detail(data, self.server.api_key)
        said = f" The server said: {detail}" if detail else ""
        if status in (401, 403):
            return AuthenticationFailed(
                f"{self.name} refused the request ({status}): set `image.api_key` to the "
                f"user:password it was started with.{said}",
                status=status,
            )
        if status == 404 and not detail:
            return BadRequest(
                f"{self.name} has no {path} ({status}): start it{self.start_hint}, or check "
                "image.base_url.",
                status=status,
            )
        if status >= 500:
            return ServerFailed(f"{self.name} failed ({status}).{said}", status=status)
        return BadRequest(f"{self.name} refused the request ({status}).{said}", status=status)

    def _auth(self) -> dict[str, str]:
        key = self.server.api_key
        if not key:
            return {}
        if ":" in key:
            # AUTOMATIC1111's --api-auth user:password is HTTP basic authentication.
            token = base64.b64encode(key.encode("utf-8")).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        return {"Authorization": f"Bearer {key}"}


async def _read(response: Any, name: str) -> bytes:
    chunks = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > ANSWER.max_bytes:
            raise ProtocolError(
                f"{name} sent more than {ANSWER.max_bytes // files.MIB} MiB; artisan stopped "
                "reading."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _detail(data: bytes, key: str | None) -> str:
    """What an error answer says: FastAPI's `detail` (AUTOMATIC1111), ComfyUI's `error`."""
    try:
        body = files.parse_json(data[:65536], "an error answer", files.Limits("", 65536, 8))
    except files.FileProblem:
        return quote(data[:300].decode("utf-8", "replace"), key)
    if isinstance(body, dict):
        for name in ("detail", "error", "errors", "message"):
            value = body.get(name)
            if isinstance(value, dict):
                value = value.get("message") or value.get("details")
            if isinstance(value, str) and value.strip():
                return quote(value, key)
    return ""
