"""Which key goes to which server, and the checks on keys and server addresses.

A key is sent to one server only: the one it was set for. `OPENAI_API_KEY` is OpenAI's key (the
openai SDK's own variable, exported for many programs), so it goes to OpenAI, or to
`OPENAI_BASE_URL` when that is set beside it. The `api_key` of config.toml goes to the server
recorded with it in `api_key_for` (`artisan config set api_key` and the settings screen record
the server in force), or, in a file written by hand without it, to the `base_url` beside it. A
server is told apart by its origin (scheme, host and port): a key set for
`https://api.openai.com` never goes to `http://api.openai.com`, nor to a server found on this
machine, whatever answers on its port.

The checks here refuse, when a value is set, what can never work: an address without `http://`
or `https://`, another scheme (`file:`, `javascript:`), a broken host (`http://[::1`), a port
outside 1-65535; a key with a line break, a control character (a terminal's escape sequence
pasted with it), a space or a character that is not ASCII (HTTP headers carry ASCII only).
Their messages never repeat the key.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from artisan.errors import ConfigError

OPENAI = "openai"
"""How `api_key_for` names OpenAI's own server."""
OPENAI_ORIGIN = "https://api.openai.com:443"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")


class AddressError(ConfigError):
    """A server address or an API key that can never work."""


@dataclass(frozen=True)
class ScopedKey:
    """An API key and the one server it may be sent to."""

    key: str = field(repr=False)
    server: str
    """The server's origin (`https://api.openai.com:443`), see `origin`."""
    source: str
    """Where the key came from: `OPENAI_API_KEY` or `config.toml`."""

    def describe_server(self) -> str:
        return server_words(self.server)


def check_address(url: str) -> str:
    """A server address that can work: `http://` or `https://`, a host, a port in range.

    Returns:
        The address without surrounding spaces.

    Raises:
        AddressError: saying what is wrong and, where it can, what was meant.
    """
    text = url.strip()
    if any(char.isspace() or not char.isprintable() for char in text):
        raise AddressError(
            "The server address holds a space or a control character; an address has neither."
        )
    if "://" not in text:
        scheme, colon, _ = text.partition(":")
        if colon and scheme.lower() in ("file", "javascript", "data", "ftp", "mailto"):
            raise AddressError(_only_http(f"`{scheme}:`"))
        raise AddressError(
            f"The server address {_shown(text)!r} has no `http://` or `https://` in front: "
            f"write it as http://{_shown(text)}."
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise AddressError(_broken(text, error)) from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise AddressError(_only_http(f"`{parts.scheme}:`"))
    shown = _shown(text)
    host = parts.hostname or ""
    if not host:
        raise AddressError(f"The server address {shown!r} names no server (no host).")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise AddressError(f"The server address {shown!r} has a broken IPv6 host.") from None
    elif not _HOST.fullmatch(host):
        raise AddressError(f"The server address {shown!r} has a host that cannot be reached.")
    if port == 0:
        raise AddressError(f"The server address {shown!r} has port 0; ports are 1 to 65535.")
    return text


def check_key(key: str, what: str = "The API key") -> str:
    """An API key that an HTTP header can carry.

    Raises:
        AddressError: a line break, a control character, a space or a character that is not
            ASCII; the message never shows the key.
    """
    if not key:
        raise AddressError(f"{what} is empty.")
    if "\n" in key or "\r" in key:
        raise AddressError(
            f"{what} holds a line break (copied with the end of its line?); paste the key alone."
        )
    if "\x1b" in key or any(not char.isprintable() for char in key):
        raise AddressError(
            f"{what} holds control characters (a terminal's escape sequence pasted with it?); "
            "paste the key alone."
        )
    if any(char.isspace() for char in key):
        raise AddressError(f"{what} holds a space; paste the key alone, without spaces.")
    if not key.isascii():
        raise AddressError(
            f"{what} holds characters that are not ASCII; keys are plain letters, digits and "
            "signs such as - and _."
        )
    return key


def check_key_for(value: str) -> str:
    """`openai`, or the address of the server a key is for."""
    text = value.strip()
    return OPENAI if text.lower() == OPENAI else check_address(text)


def origin(url: str | None) -> str:
    """The server an address names, as `scheme://host:port` (OpenAI's for None or `openai`).

    An address that cannot be read is its own origin, which matches no key's server.
    """
    if url is None or url.strip().lower() in ("", OPENAI):
        return OPENAI_ORIGIN
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
        host = (parts.hostname or "").lower()
    except ValueError:
        return url
    if not host:
        return url
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def is_openai(url: str | None) -> bool:
    """Whether an address is OpenAI's own server (the host itself, over HTTPS)."""
    return origin(url) == OPENAI_ORIGIN


def key_for(server_url: str | None, keys: Iterable[ScopedKey]) -> ScopedKey | None:
    """The first key set for the server at `server_url` (None: OpenAI), if any."""
    wanted = origin(server_url)
    return next((key for key in keys if key.server == wanted), None)


def held_back(server_url: str | None, keys: Iterable[ScopedKey]) -> str:
    """Why no key goes to `server_url` although keys are set, in words (empty when none is)."""
    others = [key for key in keys if key.server != origin(server_url)]
    if not others or key_for(server_url, keys) is not None:
        return ""
    where = server_words(origin(server_url))
    reasons = []
    for key in others:
        name = "OPENAI_API_KEY" if key.source == "OPENAI_API_KEY" else "The api_key of config.toml"
        reasons.append(f"{name} is for {key.describe_server()}, so it is not sent to {where}")
    return (
        "; ".join(reasons)
        + ". To send a key there, set it for that server: `artisan config set api_key ...` "
        "after `base_url` (or OPENAI_BASE_URL beside OPENAI_API_KEY)."
    )


def server_words(server: str) -> str:
    """A server's origin as a person would name it: "OpenAI", or the address."""
    if server == OPENAI_ORIGIN:
        return "OpenAI"
    scheme, _, rest = server.partition("://")
    host, _, port = rest.rpartition(":")
    if port.isdigit() and _DEFAULT_PORTS.get(scheme) == int(port):
        return f"{scheme}://{host}"
    return server


def _shown(text: str) -> str:
    """An address for a message: a password in it (`user:secret@`) replaced by ****."""
    head, sep, rest = text.partition("://")
    if not sep:
        return text
    netloc, slash, path = rest.partition("/")
    _, at, host = netloc.rpartition("@")
    if not at:
        return text
    return f"{head}://****@{host}{slash}{path}"


def _only_http(scheme: str) -> str:
    return (
        f"The server address starts with {scheme}; artisan talks to servers over http:// or "
        "https:// only."
    )


def _broken(text: str, error: ValueError) -> str:
    reason = str(error)
    if "port" in reason.lower():
        return f"The server address {_shown(text)!r} has a port outside 1-65535."
    return f"The server address {_shown(text)!r} cannot be read ({reason})."
