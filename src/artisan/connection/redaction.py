"""Secrets kept out of every message built from what a server sent.

A server error can quote the request back: the key, an `Authorization` header, the address with
its user name and password. `quote` is the one way server text enters a message: control
characters removed, secrets redacted, and only then shortened, so a cut can never leave a
recognisable piece of a secret behind.
"""

from __future__ import annotations

import re

from artisan.sanitize import for_terminal
from artisan.shorten import shorten

REDACTED = "[redacted]"
MAX_QUOTED = 240
"""Longest piece of server text quoted in a message."""
MIN_KEY_PREFIX = 8
"""A piece of the configured key this long (from its start) is redacted wherever it appears."""

_USERINFO = re.compile(r"(?<=://)[^\s/@]+@")
"""`user:password@` after a URL scheme."""
_AUTHORIZATION = re.compile(
    r"""(?ix)
    \b((?:proxy-)?authorization|x-api-key|api[-_]?key)   # a header or field that holds a secret
    (["']?\s*[:=]\s*["']?)                             # its separator, quoted or not
    (?:(?:bearer|basic|token)\s+)?[^\s"',;}]+          # its value, with the scheme if any
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}")
_KEYLIKE = re.compile(
    r"""(?x)
    \b(?:sk|rk|pk)[-_][A-Za-z0-9_\-*.]{6,}                # sk-..., sk-proj-..., sk-or-v1-...
    | \b(?:key|api)[-_][A-Za-z0-9_\-*.]{16,}                # key-..., api_... (long ones only)
    """
)
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-]{32,}")
"""A run this long holding both letters and digits is a token, not a word."""
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")
_PRE_CUT = 4096
"""Server text is cut to this before redacting (far beyond what is quoted), so a huge body
costs no time; what is quoted is cut again, much shorter, after redaction."""


def redact(text: str, key: str | None = None) -> str:
    """`text` with secrets replaced by "[redacted]".

    Removed: the user name and password of any URL, the value of any `Authorization` (or
    `api_key`, `x-api-key`) header or field, bearer and basic credentials, anything shaped like
    an API key or a long token, and the configured `key` together with any piece of it of
    `MIN_KEY_PREFIX` or more characters from its start (servers often echo a key cut short).

    Args:
        text: Text from a server (or built from one).
        key: The API key in use, if any.
    """
    if key and len(key) >= MIN_KEY_PREFIX:
        text = _without_key(text, key)
    text = _USERINFO.sub(REDACTED + "@", text)
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _KEYLIKE.sub(REDACTED, text)
    return _LONG_TOKEN.sub(_token, text)


def quote(text: str, key: str | None = None, *, limit: int = MAX_QUOTED) -> str:
    """Server text made fit to quote in a one-line message.

    Escape sequences and control characters are removed, secrets redacted (see `redact`),
    whitespace collapsed, and only then is the text shortened to `limit` characters.
    """
    text = " ".join(for_terminal(text).split())[:_PRE_CUT]
    return shorten(redact(text, key), limit)


def without_key(text: str, key: str | None) -> str:
    """`text` without the configured key (or a piece of it) and URL credentials.

    For messages artisan built itself, where only what the person configured can be a secret:
    the broader patterns of `redact` would hide harmless words such as long host names.
    """
    if key and len(key) >= MIN_KEY_PREFIX:
        text = _without_key(text, key)
    return _USERINFO.sub(REDACTED + "@", text)


def without_userinfo(url: str) -> str:
    """`url` without the `user:password@` part of its address."""
    return _USERINFO.sub("", url)


def _token(match: re.Match[str]) -> str:
    run = match.group(0)
    return REDACTED if _DIGIT.search(run) and _LETTER.search(run) else run


def _without_key(text: str, key: str) -> str:
    """Replace every run of text that matches the key from its start for 8+ characters."""
    head = key[:MIN_KEY_PREFIX]
    start = text.find(head)
    if start < 0:
        return text
    out: list[str] = []
    done = 0
    while start >= 0:
        end = start + MIN_KEY_PREFIX
        while end < len(text) and end - start < len(key) and text[end] == key[end - start]:
            end += 1
        out.append(text[done:start])
        out.append(REDACTED)
        done = end
        start = text.find(head, end)
    out.append(text[done:])
    return "".join(out)
