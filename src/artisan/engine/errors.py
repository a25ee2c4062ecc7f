"""Errors from the model server, in words a person understands.

`translate` turns whatever the openai SDK (or the network under it) raised into an `ApiError`
whose message says what happened and what to do. Server messages are quoted, but cleaned of
control characters, shortened, and scrubbed of anything that looks like an API key.
"""

from __future__ import annotations

import re
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from artisan.errors import ArtisanError
from artisan.sanitize import for_terminal

if TYPE_CHECKING:
    from artisan.config import Settings

IMAGE_TIMEOUT = 300.0
"""Seconds an image request waits when the `timeout` setting was left at its default."""
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk|key)-[A-Za-z0-9_\-*]{6,}|\bBearer\s+\S+", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_QUOTED = 240
_BILLING_CODES = ("insufficient_quota", "billing_hard_limit_reached", "billing_not_active")
"""Codes that mean the account cannot pay: retrying will not help."""
_REFUSAL_CODES = ("content_policy_violation", "moderation_blocked", "content_filter")


class ApiError(ArtisanError):
    """The model server could not do what was asked."""

    retryable = False

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, partial: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.partial = partial
        """Text that arrived before the failure; it is never thrown away."""


class MissingKeyError(ApiError):
    """No API key, and the server is OpenAI's."""


class AuthenticationFailed(ApiError):
    """401: the key was rejected."""


class PermissionDenied(ApiError):
    """403: the key may not use this model or endpoint."""


class ModelNotFound(ApiError):
    """404: unknown or retired model, or a wrong base URL."""


class RateLimited(ApiError):
    """429: too many requests; worth retrying later."""

    retryable = True


class QuotaExceeded(ApiError):
    """429 insufficient_quota or 402: the account is out of credit. Retrying will not help."""


class ServerFailed(ApiError):
    """5xx or an error event inside the stream."""

    retryable = True


class RequestTimedOut(ApiError):
    """The server did not answer (or stopped sending) within the timeout."""

    retryable = True


class ConnectionFailed(ApiError):
    """The server could not be reached at all."""


class ConnectionDropped(ConnectionFailed):
    """The connection closed before the answer was complete."""

    retryable = True


class ContentRefused(ApiError):
    """The request was refused by a content policy or moderation."""


class BadRequest(ApiError):
    """400 and other client errors the server explained."""


class ProtocolError(ApiError):
    """The server answered something that is not the OpenAI wire format."""


def missing_key() -> MissingKeyError:
    return MissingKeyError(
        "No API key is set. Set the OPENAI_API_KEY environment variable or run "
        "`artisan config set api_key sk-...`; or use a local OpenAI-compatible server, e.g. "
        "`artisan config set base_url http://localhost:11434/v1` for Ollama."
    )


def translate(error: BaseException, settings: Settings, *, what: str = "chat") -> ApiError:
    """Turn an exception from the SDK or the network into an `ApiError`.

    Args:
        error: What was raised.
        settings: For the model name and server address in the message.
        what: "chat" or "image": which model setting the message should point to, and what
            kind of answer was awaited.
    """
    result = error if isinstance(error, ApiError) else _translate(error, settings, what)
    if settings.api_key and len(settings.api_key) >= 8 and settings.api_key in result.message:
        result.message = result.message.replace(settings.api_key, "[redacted]")
        result.args = (result.message,)
    return result


def stream_error(settings: Settings, error: object) -> ServerFailed:
    """An error event inside a 200 stream (OpenRouter and proxies send them)."""
    detail = _detail({"error": error} if isinstance(error, dict) else str(error))
    return ServerFailed(
        f"{server_name(settings)} reported an error during the answer: {detail or 'no details'}"
    )


def _translate(error: BaseException, settings: Settings, what: str) -> ApiError:
    import httpx2
    import openai

    server = server_name(settings)
    model = settings.model if what == "chat" else settings.image_model
    model_key = "model" if what == "chat" else "image.model"

    # Errors while reading a streamed answer come from httpx2 itself (the SDK wraps only the
    # ones it sees): a timeout or a dropped connection mean the same either way.
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
        if what == "image":
            return RequestTimedOut(
                f"{server} did not finish the image within {_seconds(image_timeout(settings))}. "
                "Large or high-quality images can take minutes: raise the limit with "
                "`artisan config set timeout 600`, or ask for a lower quality."
            )
        return RequestTimedOut(
            f"{server} did not answer within {_seconds(settings.timeout)}. Try again, or raise "
            "the limit with `artisan config set timeout 120`."
        )
    if isinstance(error, openai.APIConnectionError | httpx2.TransportError):
        cause = _root_cause(error)
        if isinstance(cause, socket.gaierror):
            return ConnectionFailed(
                f"Cannot find the server {server}: the host name does not resolve. Check "
                "`base_url` (`artisan config`) and your network."
            )
        if any(isinstance(link, httpx2.ConnectError) for link in _chain(error)):
            return ConnectionFailed(
                f"Cannot connect to {server}: the connection was refused or the network is "
                "down. Is the server running, and is `base_url` right?"
            )
        return ConnectionDropped(
            f"The connection to {server} closed before the answer was complete. Try again; "
            "if it keeps happening, a proxy or the server may be cutting connections."
        )
    if isinstance(error, openai.APIStatusError):
        return _from_status(error, server, model, model_key, what)
    if isinstance(error, openai.APIError):
        # Raised for an error event inside a 200 stream (OpenRouter and proxies do this).
        detail = _detail(error.body) or _clean(error.message)
        return ServerFailed(f"{server} reported an error during the answer: {detail}")
    if isinstance(error, ValueError):
        # json.JSONDecodeError and pydantic's ValidationError are ValueErrors: the stream held
        # something that is not a chat completion chunk.
        return ProtocolError(
            f"{server} sent data artisan cannot read (not the OpenAI format). Is `base_url` "
            "pointing at an OpenAI-compatible /v1 endpoint?"
        )
    if isinstance(error, openai.OpenAIError):
        return ApiError(_clean(str(error)))
    raise error


def _from_status(error: Any, server: str, model: str, model_key: str, what: str) -> ApiError:
    status: int = error.status_code
    body = error.body
    code = _field(body, "code") or _field(body, "type")
    detail = _detail(body) or _html_summary(error.response) or _clean(error.message)
    quoted = f" The server said: {detail}" if detail else ""
    if status == 401:
        return AuthenticationFailed(
            "The API key was rejected (401). Check OPENAI_API_KEY or `artisan config set "
            f"api_key ...`.{quoted}",
            status=status,
            code=code,
        )
    if status == 402 or code in _BILLING_CODES:
        return QuotaExceeded(
            f"The account is out of credit ({code or status}); add credit or check billing for "
            f"this key. Retrying will not help.{quoted}",
            status=status,
            code=code,
        )
    if status == 403:
        return PermissionDenied(
            f"This key may not use `{model}` (403). Check the project's model access, or pick "
            f"another with `artisan config set {model_key} ...`.{quoted}",
            status=status,
            code=code,
        )
    if status == 404:
        return ModelNotFound(
            f"The model `{model}` was not found on {server} (404): it may be misspelt or "
            f"retired. Pick another with `artisan config set {model_key} ...`; if the model is "
            f"right, check that `base_url` ends in /v1.{quoted}",
            status=status,
            code=code,
        )
    if status == 429:
        return RateLimited(
            f"{server} is rate limiting requests (429). Wait a moment and try again.{quoted}",
            status=status,
            code=code,
        )
    if code in _REFUSAL_CODES:
        if what == "image":
            reason = (detail or "no reason was given").rstrip(".")
            return ContentRefused(
                f"The image model refused this prompt ({code}): {reason}. Rephrase the prompt "
                "and try again.",
                status=status,
                code=code,
            )
        return ContentRefused(
            f"The request was refused by the content policy: {detail or code}",
            status=status,
            code=code,
        )
    if status >= 500:
        return ServerFailed(
            f"{server} failed with an error ({status}). Try again in a moment.{quoted}",
            status=status,
            code=code,
        )
    return BadRequest(f"{server} refused the request ({status}).{quoted}", status=status, code=code)


def _seconds(value: float) -> str:
    return "1 second" if value == 1 else f"{value:g} seconds"


def scrub(text: str) -> str:
    """Remove anything that looks like a key or a bearer token."""
    return _KEYLIKE.sub("[redacted]", text)


def image_timeout(settings: Settings) -> float:
    """Seconds to wait for an image.

    Drawing takes far longer than writing a prompt (minutes for a large, high-quality image), so
    unless the person set `timeout` themselves, image requests wait at least `IMAGE_TIMEOUT`.
    """
    if "timeout" in settings.sources:
        return settings.timeout
    return max(settings.timeout, IMAGE_TIMEOUT)


def server_name(settings: Settings) -> str:
    """The server as messages name it: "OpenAI", or the host and port of `base_url`."""
    if settings.uses_openai and not settings.base_url:
        return "OpenAI"
    url = settings.base_url or ""
    parts = urlsplit(url)
    return parts.netloc or url


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first."""
    links = [error]
    while len(links) < 20:
        nxt = links[-1].__cause__ or links[-1].__context__
        if nxt is None or nxt in links:
            break
        links.append(nxt)
    return links


def _root_cause(error: BaseException) -> BaseException:
    return _chain(error)[-1]


def _field(body: Any, key: str) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            value = inner.get(key)
            return str(value) if value else None
    return None


def _detail(body: Any) -> str:
    if isinstance(body, str):
        return "" if "<html" in body.lower() else _clean(body)
    message = _field(body, "message")
    return _clean(message) if message else ""


def _html_summary(response: Any) -> str:
    import httpx2

    try:
        text = response.text
    except (httpx2.ResponseNotRead, UnicodeDecodeError):
        return ""  # a streamed body that was never read has nothing to summarise
    if "<html" not in text[:2000].lower():
        return ""
    title = _HTML_TITLE.search(text)
    summary = _clean(title.group(1)) if title else "an HTML page"
    return f"{summary} (an HTML page, not an API answer: is a proxy in the way?)"


def _clean(text: str) -> str:
    text = " ".join(scrub(for_terminal(text)).split())
    if len(text) > _MAX_QUOTED:
        text = text[: _MAX_QUOTED - 1] + "…"
    return text
