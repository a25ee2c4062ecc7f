"""Writing prompts with a chat model: generate, refine and variations, all streamed.

This is the only code that talks to the chat model server. It uses Chat Completions through the
official `openai` SDK, which Ollama, LM Studio, llama.cpp and OpenRouter all serve too.

Each request streams: the caller receives every piece of text as it arrives through `on_text`
and gets a `Completion` at the end saying how the answer finished. Text is never lost: a stream
cut short returns what arrived with the finish `interrupted`; a failure after some text raises an
`ApiError` carrying that text in `partial`; a cancelled task closes the HTTP stream.

Retries are done here rather than in the SDK, so that an exhausted quota (a 429 that retrying
cannot fix) is told apart from a rate limit, and so the caller can show that a retry is waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from artisan.engine.answer import (
    Completion,
    Finish,
    IndexedTextCallback,
    TextCallback,
    Usage,
    check_input,
)
from artisan.engine.errors import (
    ApiError,
    ConnectionFailed,
    missing_key,
    stream_error,
    translate,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletionMessageParam

    from artisan.config import Settings
    from artisan.targets import Target

MAX_RETRY_WAIT = 60.0
"""Longest `retry-after` honoured; beyond it the error is reported instead of waiting."""
YIELD_EVERY = 0.008
"""Longest stretch, in seconds, that reading a stream keeps the event loop to itself."""
_FINISH_REASONS = {
    "stop": Finish.DONE,
    "length": Finish.TRUNCATED,
    "content_filter": Finish.FILTERED,
    "tool_calls": Finish.DONE,
    "function_call": Finish.DONE,
}


@dataclass(frozen=True)
class RetryNotice:
    """A request failed and will be tried again after `delay` seconds."""

    attempt: int
    of: int
    delay: float
    reason: str


RetryCallback = Callable[[RetryNotice], None]


class Engine:
    """Streams prompts from an OpenAI-compatible chat model.

    Args:
        settings: Model, server, key, timeout, retries and temperature.
        on_retry: Told about each retry before its wait, so a screen can say so.
        retry_base: First backoff delay in seconds (doubled on each retry, with jitter).
    """

    name = "chat"

    def __init__(
        self, settings: Settings, *, on_retry: RetryCallback | None = None, retry_base: float = 0.5
    ) -> None:
        self.settings = settings
        self.on_retry = on_retry
        self.retry_base = retry_base
        self._client: AsyncOpenAI | None = None

    async def generate(self, idea: str, target: Target, on_text: TextCallback) -> Completion:
        """Write a prompt for `idea` following `target`'s rules."""
        idea = check_input(idea, "idea")
        return await self.complete([_system(target), _user(target.generate_message(idea))], on_text)

    async def refine(
        self, prompt: str, instruction: str, target: Target, on_text: TextCallback
    ) -> Completion:
        """Rewrite `prompt` with a change such as "moodier, shot on 35mm"."""
        prompt = check_input(prompt, "prompt")
        instruction = check_input(instruction, "instruction")
        return await self.complete(
            [_system(target), _user(target.refine_message(prompt, instruction))], on_text
        )

    async def variations(
        self, prompt: str, target: Target, count: int, on_text: IndexedTextCallback
    ) -> list[Completion | ApiError]:
        """Write `count` alternatives to `prompt`, all streaming at once.

        Each variation is its own request (so servers that ignore `n` give all of them), each
        asked to explore a different angle. A failing variation does not stop the others: its
        place in the result holds its error.
        """

        def relay(index: int) -> TextCallback:
            return lambda text: on_text(index, text)

        results = await asyncio.gather(
            *(self.variation(prompt, target, i, count, relay(i)) for i in range(count)),
            return_exceptions=True,
        )
        out: list[Completion | ApiError] = []
        for result in results:
            if isinstance(result, Completion | ApiError):
                out.append(result)
            else:
                raise result
        return out

    async def variation(
        self, prompt: str, target: Target, index: int, count: int, on_text: TextCallback
    ) -> Completion:
        """Write variation `index` (from 0) of `count`, each exploring its own angle."""
        message = target.variation_message(prompt, index + 1, count)
        return await self.complete([_system(target), _user(message)], on_text)

    async def complete(
        self, messages: list[ChatCompletionMessageParam], on_text: TextCallback
    ) -> Completion:
        """Stream one chat completion, calling `on_text` with each piece of text.

        The SDK sends the request, retries, and turns error statuses into exceptions; the
        server-sent events of the answer are read here (see `_read_events`), which costs a tenth
        of building an SDK object for every chunk: with five answers streaming at once, that is
        the difference between an app that keeps up and one that lags.

        Raises:
            ApiError: the request failed; `partial` holds any text that had arrived.
            asyncio.CancelledError: the task was cancelled; the HTTP stream is closed first.
        """
        async with contextlib.AsyncExitStack() as stack:
            response = await self._open(messages, stack)
            answer = _Answer(self.settings.model, on_text)
            try:
                await _read_events(response, answer, self.settings)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failure = translate(error, self.settings)
                if not isinstance(failure, ConnectionFailed):
                    failure.partial = answer.text()
                    raise failure from None
                # The connection dropped after the answer had begun: that is a cut stream,
                # reported like one that ended without a finish reason.
                answer.finish = None
        return Completion(
            text=answer.text(),
            finish=answer.finish or Finish.INTERRUPTED,
            model=answer.model,
            usage=answer.usage,
        )

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    def client(self) -> AsyncOpenAI:
        """The SDK client, built on first use so that `openai` is imported only when needed."""
        if self._client is None:
            self._client = build_client(self.settings)
        return self._client

    async def _open(
        self, messages: list[ChatCompletionMessageParam], stack: contextlib.AsyncExitStack
    ) -> Any:
        """Send the request (retrying what is worth retrying); the response is closed with
        `stack`."""
        from openai import omit

        client = self.client()
        temperature = self.settings.temperature
        attempt = 0
        while True:
            try:
                return await stack.enter_async_context(
                    client.chat.completions.with_streaming_response.create(
                        model=self.settings.model,
                        messages=messages,
                        stream=True,
                        stream_options={"include_usage": True},
                        temperature=omit if temperature is None else temperature,
                    )
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failure = translate(error, self.settings)
                delay = self._retry_delay(error, failure, attempt)
                if delay is None:
                    raise failure from None
                attempt += 1
                if self.on_retry is not None:
                    self.on_retry(
                        RetryNotice(attempt, self.settings.max_retries, delay, failure.message)
                    )
                await asyncio.sleep(delay)

    def _retry_delay(self, error: Exception, failure: ApiError, attempt: int) -> float | None:
        return retry_delay(
            error, failure, attempt, max_retries=self.settings.max_retries, base=self.retry_base
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
    hinted = _retry_after(error)
    if hinted is None:
        return backoff
    return None if hinted > MAX_RETRY_WAIT else hinted


class _Answer:
    """What has arrived of one answer."""

    def __init__(self, model: str, on_text: TextCallback) -> None:
        self.parts: list[str] = []
        self.finish: Finish | None = None
        self.usage: Usage | None = None
        self.model = model
        self.on_text = on_text

    def text(self) -> str:
        return "".join(self.parts)

    def take(self, event: dict[str, Any]) -> None:
        """One `chat.completion.chunk`, as parsed JSON."""
        model = event.get("model")
        if model and type(model) is str:
            self.model = model
        usage = event.get("usage")
        if type(usage) is dict:
            self.usage = Usage(
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or 0),
                int(usage.get("total_tokens") or 0),
            )
        for choice in event.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue  # a server that honours `n` anyway: keep the first answer
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if text:
                self.parts.append(text)
                self.on_text(text)
            reason = choice.get("finish_reason")
            if reason:
                self.finish = _FINISH_REASONS.get(reason, Finish.DONE)


async def _read_events(response: Any, answer: _Answer, settings: Settings) -> None:
    """Read the server-sent events of a streamed answer into `answer`.

    Raises:
        ServerFailed: an error event inside the stream (see `stream_error`).
        ValueError: a chunk that is not JSON, or not a JSON object.
        httpx2 errors: the connection timed out or dropped mid-stream.
    """
    clock = time.monotonic
    yielded = clock()
    loads = json.loads
    async for line in response.iter_lines():
        if not line.startswith("data:"):
            continue  # blank separators, comments (": keep-alive"), event names
        data = line[5:].strip()
        if data == "[DONE]":
            break
        event = loads(data)
        if type(event) is not dict:
            raise ValueError("a stream chunk is not a JSON object")
        error = event.get("error")
        if error:
            raise stream_error(settings, error)
        answer.take(event)
        if clock() - yielded > YIELD_EVERY:
            # Lines already in the socket buffer are read without the event loop ever running;
            # a pause now and then keeps the app answering keys.
            await asyncio.sleep(0)
            yielded = clock()


def build_client(settings: Settings) -> AsyncOpenAI:
    """An `AsyncOpenAI` for these settings.

    Raises:
        MissingKeyError: OpenAI's own server and no key. Other servers get a placeholder key,
            since local servers ignore it but the SDK insists on one.
    """
    key = settings.api_key
    if not key:
        if settings.uses_openai:
            raise missing_key()
        key = "not-needed"
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=key, base_url=settings.base_url or None, timeout=settings.timeout, max_retries=0
    )


def _system(target: Target) -> ChatCompletionMessageParam:
    return {"role": "system", "content": target.system_message()}


def _user(content: str) -> ChatCompletionMessageParam:
    return {"role": "user", "content": content}


def _retry_after(error: Exception) -> float | None:
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
