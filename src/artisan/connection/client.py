"""The SDK client and when to try a failed request again.

The client is built with the SDK's own retries off: the chat engine and the image renderer retry
themselves, so that an exhausted quota (a 429 that retrying cannot fix) is told apart from a rate
limit, and so the screen can show that a retry is waiting.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from artisan.connection.errors import ApiError, missing_key

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from artisan.config import Settings

MAX_RETRY_WAIT = 60.0
"""Longest `retry-after` honoured; beyond it the error is reported instead of waiting."""


def build_client(settings: Settings) -> AsyncOpenAI:
    """An `AsyncOpenAI` for these settings (imports `openai` on first use).

    The key is `settings.api_key`: loading the settings chose the one set for this server, and
    none when every key set is for another (`artisan.credentials`).

    Raises:
        MissingKeyError: OpenAI's own server and no key. Other servers get a placeholder key,
            since local servers ignore it but the SDK insists on one.
    """
    key = settings.api_key
    if not key:
        if settings.uses_openai:
            raise missing_key(settings.key_note)
        key = "not-needed"
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=key, base_url=settings.base_url or None, timeout=settings.timeout, max_retries=0
    )


def retry_delay(
    error: Exception, failure: ApiError, attempt: int, *, max_retries: int, base: float
) -> float | None:
    """Seconds to wait before trying a failed request again, or None to give up now.

    Args:
        error: What the SDK raised.
        failure: The same, translated (its class says whether retrying can help).
        attempt: Retries done so far.
        max_retries: The `max_retries` setting.
        base: First backoff delay in seconds, doubled on each retry, with jitter.
    """
    if attempt >= max_retries:
        return None
    # Out of credit, a refused connection or an unknown host do not fix themselves in a
    # second (their classes are not `retryable`); failing at once says so sooner.
    status = getattr(error, "status_code", None)
    if not (failure.retryable or status in (408, 409)):
        return None
    backoff = base * (2.0**attempt) * (0.75 + random.random() / 2)
    hinted = retry_after(error)
    if hinted is None:
        return backoff
    return None if hinted > MAX_RETRY_WAIT else hinted


def retry_after(error: Exception) -> float | None:
    """The wait a failed response asks for (`retry-after-ms` or `retry-after`), in seconds."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds: float = float(str(value)) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None
