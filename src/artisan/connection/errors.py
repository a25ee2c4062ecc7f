"""Errors from the model server, in words a person understands.

`translate` turns whatever the openai SDK (or the network under it) raised into an `ApiError`
whose message says what happened and what to do. Server text is quoted only through
`redaction.quote`: cleaned of control characters, scrubbed of secrets, then shortened.
"""

from __future__ import annotations

import re
import socket
from typing import TYPE_CHECKING, Any

from artisan.connection.redaction import quote, without_key
from artisan.connection.server import image_timeout, seconds, server_name
from artisan.errors import ArtisanError

if TYPE_CHECKING:
    from artisan.config import Settings

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
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


class EmptyResponse(ApiError):
    """The server answered 200 and then sent nothing at all.

    llama.cpp's server does this to a streamed request longer than its context."""


def missing_key(held_back: str = "") -> MissingKeyError:
    """No key for OpenAI; `held_back` says why a key that is set was not used (its server)."""
    if held_back:
        return MissingKeyError(f"No API key is set for this server. {held_back}")
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
    # Server text was redacted where it was quoted; this catches the key wherever else it
    # might have come in (a model name or address typed with the key pasted into it).
    cleaned = without_key(result.message, settings.api_key)
    if cleaned != result.message:
        result.message = cleaned
        result.args = (cleaned,)
    return result


def stream_error(settings: Settings, error: object) -> ServerFailed:
    """An error event inside a 200 stream (OpenRouter and proxies send them).

    Args:
        settings: For the server's name and the key to keep out of the message.
        error: The event's `error` value, or its whole payload: an object with a `message`,
            or text.
    """
    detail = _detail({"error": error} if isinstance(error, dict) else str(error), settings)
    return ServerFailed(
        f"{server_name(settings)} reported an error during the answer: {detail or 'no details'}"
    )


def web_page(settings: Settings, text: str) -> ProtocolError:
    """A 200 answer that is an HTML page (a captive portal, a login page, a proxy's notice)."""
    title = _page_title(text, settings)
    named = f'a web page titled "{title}"' if title else "a web page"
    return ProtocolError(
        f"{server_name(settings)} answered with {named}, not an API answer. Is a login page, "
        "captive portal or proxy in the way? Check `base_url` (it should end in /v1)."
    )


def not_the_api(settings: Settings) -> ProtocolError:
    """An answer that is neither server-sent events nor a chat completion."""
    return ProtocolError(
        f"{server_name(settings)} sent data artisan cannot read (not the OpenAI format). Is "
        "`base_url` pointing at an OpenAI-compatible /v1 endpoint?"
    )


def nothing_sent(settings: Settings) -> EmptyResponse:
    """A 200 answer with an empty body."""
    return EmptyResponse(
        f"{server_name(settings)} sent nothing (is the prompt longer than its context?). "
        "Local servers answer an over-long request this way: shorten the prompt, or give the "
        "server a larger context."
    )


def answer_too_slow(settings: Settings) -> RequestTimedOut:
    """The whole answer took longer than the `answer_timeout` setting."""
    return RequestTimedOut(
        f"{server_name(settings)} did not finish the answer within "
        f"{seconds(settings.answer_timeout)} (the `answer_timeout` setting, for a whole "
        "answer); what arrived is kept. A local model on a CPU can be slow: raise it with "
        "`artisan config set answer_timeout 900`."
    )


def _translate(error: BaseException, settings: Settings, what: str) -> ApiError:
    import httpx2
    import openai

    server = server_name(settings)
    key = settings.api_key
    model = settings.model if what == "chat" else settings.image_model
    model_key = "model" if what == "chat" else "image.model"

    # Errors while reading a streamed answer come from httpx2 itself (the SDK wraps only the
    # ones it sees): a timeout or a dropped connection mean the same either way.
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
        if what == "image":
            return RequestTimedOut(
                f"{server} did not finish the image within {seconds(image_timeout(settings))}. "
                "Large or high-quality images can take minutes: raise the limit with "
                "`artisan config set timeout 600`, or ask for a lower quality."
            )
        return RequestTimedOut(
            f"{server} did not answer within {seconds(settings.timeout)} (the `timeout` "
            "setting: the longest wait for the next piece of an answer). Try again, or raise "
            "it with `artisan config set timeout 120`."
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
        return _from_status(error, settings, model, model_key, what)
    if isinstance(error, openai.APIError):
        # Raised for an error event inside a 200 stream (OpenRouter and proxies do this).
        detail = _detail(error.body, settings) or quote(error.message, key)
        return ServerFailed(f"{server} reported an error during the answer: {detail}")
    if isinstance(error, ValueError | RecursionError):
        # json.JSONDecodeError and pydantic's ValidationError are ValueErrors, and JSON nested
        # too deep to parse is a RecursionError: the server sent something that is not a chat
        # completion.
        return not_the_api(settings)
    if isinstance(error, openai.OpenAIError):
        return ApiError(quote(str(error), key))
    raise error


def _from_status(error: Any, settings: Settings, model: str, model_key: str, what: str) -> ApiError:
    server = server_name(settings)
    status: int = error.status_code
    body = error.body
    code = _field(body, "code") or _field(body, "type")
    detail = (
        _detail(body, settings)
        or _html_summary(error.response, settings)
        or quote(error.message, settings.api_key)
    )
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


def _field(body: Any, name: str) -> str | None:
    """`error.<name>` (or `<name>`) of an error body, as text, when it is a short word."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            value = inner.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and value:
                return quote(str(value), limit=60)
    return None


def _detail(body: Any, settings: Settings) -> str:
    """The server's own words from an error body (an object with a message, or text)."""
    if isinstance(body, str):
        return "" if looks_like_html(body) else quote(body, settings.api_key)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str) and message.strip():
            return quote(message, settings.api_key)
    return ""


def looks_like_html(text: str) -> bool:
    """Whether `text` starts like a web page."""
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def _page_title(text: str, settings: Settings) -> str:
    title = _HTML_TITLE.search(text[:65536])
    return quote(title.group(1), settings.api_key, limit=120) if title else ""


def _html_summary(response: Any, settings: Settings) -> str:
    import httpx2

    try:
        text = response.text
    except (httpx2.ResponseNotRead, UnicodeDecodeError):
        return ""  # a streamed body that was never read has nothing to summarise
    if not looks_like_html(text):
        return ""
    summary = _page_title(text, settings) or "an HTML page"
    return f"{summary} (an HTML page, not an API answer: is a proxy in the way?)"
