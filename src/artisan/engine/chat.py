"""Writing prompts with a chat model: generate, refine and variations, all streamed.

This is the only code that talks to the chat model server. It uses Chat Completions through the
official `openai` SDK, which Ollama, LM Studio, llama.cpp and OpenRouter all serve too; the
client, the retry timing and the wording of errors come from `artisan.connection`.

Each request streams: the caller receives every piece of text as it arrives through `on_text`
and gets a `Completion` at the end saying how the answer finished, and why when it is not a
whole one (`Completion.note`). Text is never lost: a stream cut short returns what arrived with
the finish `interrupted`; a failure after some text raises an `ApiError` carrying that text in
`partial`; a cancelled task closes the HTTP stream.

Every answer is bounded: a length cap (`max_tokens`), a stop when the model repeats itself over
and over, and a deadline for the whole answer (`answer_timeout`), besides the wait for each
piece (`timeout`).

A server other than OpenAI is asked once what it is (`GET /props`, which llama.cpp's server
answers with its slots and context): variations then run as many at once as it has slots, and an
answer stopped at a length limit says whether the cap or the context stopped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from artisan.connection import (
    ApiError,
    ConnectionFailed,
    ServerMemory,
    build_client,
    retry_delay,
    translate,
)
from artisan.connection.errors import answer_too_slow
from artisan.engine.answer import (
    Completion,
    IndexedTextCallback,
    NoticeCallback,
    RestartCallback,
    ResultCallback,
    RetryCallback,
    RetryNotice,
    TextCallback,
    ThinkingNotice,
    ThinkingNoticeCallback,
    checked,
)
from artisan.engine.describe import answered_blind, no_vision, refused_the_image
from artisan.engine.ending import Bounds, finished
from artisan.engine.parallel import Attempt, parallel_setting, run_variations
from artisan.engine.reply import Reply, ThinkingCallback
from artisan.engine.stream import read_reply
from artisan.state import EngineName, State

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletionMessageParam

    from artisan.config import Settings
    from artisan.discovery import ServerProps
    from artisan.images.vision import PreparedImage
    from artisan.targets import Target

Messages = list["ChatCompletionMessageParam"]


class Engine:
    """Streams prompts from an OpenAI-compatible chat model.

    Args:
        settings: Model, server, key, limits, retries and temperature.
        on_retry: Told about each retry before its wait, so a screen can say so.
        on_notice: Told, in words for a person, about what the engine decided on its own
            ("this server runs one request at a time; variations now run in turn").
        on_thinking: Told when a thinking model starts and stops thinking.
        on_restart: Told when a variation starts again from nothing (its text so far, already
            given to `on_text`, is void): a one-slot server cut it short.
        retry_base: First backoff delay in seconds (doubled on each retry, with jitter).
        memory: Where what is learnt about servers is kept (default: the data folder).
    """

    name: str = EngineName.CHAT

    def __init__(
        self,
        settings: Settings,
        *,
        on_retry: RetryCallback | None = None,
        on_notice: NoticeCallback | None = None,
        on_thinking: ThinkingNoticeCallback | None = None,
        on_restart: RestartCallback | None = None,
        retry_base: float = 0.5,
        memory: ServerMemory | None = None,
    ) -> None:
        self.settings = settings
        self.on_retry = on_retry
        self.on_notice = on_notice
        self.on_thinking = on_thinking
        self.on_restart = on_restart
        self.retry_base = retry_base
        self.memory = memory or ServerMemory()
        self._client: AsyncOpenAI | None = None
        self._props: ServerProps | None = None
        self._asked = False

    async def generate(self, idea: str, target: Target, on_text: TextCallback) -> Completion:
        """Write a prompt for `idea` following `target`'s rules (checked by the caller)."""
        messages = self.messages(target, target.generate_message(idea))
        answer = await self.complete(messages, on_text, max_tokens=target.max_tokens)
        return checked(answer, target, idea=idea, version=self._version(target))

    async def refine(
        self, prompt: str, instruction: str, target: Target, on_text: TextCallback
    ) -> Completion:
        """Rewrite `prompt` with a change such as "moodier, shot on 35mm"."""
        messages = self.messages(target, target.refine_message(prompt, instruction))
        answer = await self.complete(messages, on_text, max_tokens=target.max_tokens)
        return checked(answer, target, version=self._version(target))

    async def variations(
        self,
        prompt: str,
        target: Target,
        count: int,
        on_text: IndexedTextCallback,
        *,
        on_done: ResultCallback | None = None,
    ) -> list[Completion | ApiError]:
        """Write `count` alternatives to `prompt`, as many at once as the server can take.

        Each variation is its own request (so servers that ignore `n` give all of them), each
        asked to explore a different angle. A failing variation does not stop the others: its
        place in the result holds its error. How many run at once follows the
        `variations_parallel` setting; in `auto`, as many as the server has slots when it
        says (llama.cpp's), else all together, and when a one-slot server cuts them short the
        rest run in turn, which is remembered for that server.

        Args:
            on_done: Told each variation's final result as soon as it is known (in any order).
        """

        return await self._run_each(
            count,
            lambda index, relay: self.attempt_variation(prompt, target, index, count, relay),
            on_text,
            on_done,
        )

    async def variation(
        self, prompt: str, target: Target, index: int, count: int, on_text: TextCallback
    ) -> Completion:
        """Write variation `index` (from 0) of `count`, each exploring its own angle."""
        attempt = await self.attempt_variation(prompt, target, index, count, on_text)
        if isinstance(attempt.result, ApiError):
            raise attempt.result
        return attempt.result

    async def attempt_variation(
        self, prompt: str, target: Target, index: int, count: int, on_text: TextCallback
    ) -> Attempt:
        """Write one variation, keeping what the engine saw of the server (see `Attempt`)."""
        messages = self.messages(target, target.variation_message(prompt, index + 1, count))
        reply = Reply(self.settings, on_text, self._thinking_relay(index))
        started = time.monotonic()
        try:
            answer = await self._answer(reply, messages, target.max_tokens)
            result: Completion | ApiError = checked(answer, target, version=self._version(target))
        except ApiError as error:
            result = error
        ended_by_server = reply.saw_done and reply.finish is None
        return Attempt(result, started, time.monotonic(), ended_by_server)

    async def describe(
        self,
        image: PreparedImage,
        target: Target,
        count: int,
        on_text: IndexedTextCallback,
        *,
        on_done: ResultCallback | None = None,
    ) -> list[Completion | ApiError]:
        """Write `count` prompts that would recreate `image`, each its own request with the
        picture, run as variations are (see `variations`). A server that refuses the picture,
        or a model that answers that it sees none, gives `NoVision` in that place."""

        return await self._run_each(
            count,
            lambda index, relay: self._attempt_description(image, target, index, count, relay),
            on_text,
            on_done,
        )

    async def _run_each(
        self,
        count: int,
        attempt: Callable[[int, TextCallback], Awaitable[Attempt]],
        on_text: IndexedTextCallback,
        on_done: ResultCallback | None,
    ) -> list[Completion | ApiError]:
        """Make `count` attempts (`attempt(index, its text callback)`), as many at once as the
        server takes (see `run_variations`); each one's text goes to `on_text` with its index."""

        def one(index: int) -> Awaitable[Attempt]:
            def relay(text: str) -> None:
                on_text(index, text)

            return attempt(index, relay)

        props = None
        if parallel_setting(self.settings.variations_parallel) is None and count > 1:
            props = await self.props()
        return await run_variations(
            one,
            count,
            self.settings,
            self.memory,
            props=props,
            notice=self.notice,
            restart=self.restart,
            on_done=on_done,
        )

    async def _attempt_description(
        self, image: PreparedImage, target: Target, index: int, count: int, on_text: TextCallback
    ) -> Attempt:
        rules = target.system_message()
        words = target.describe_message(index + 1, count)
        merged = (self.settings.system_mode or target.system_mode) == "merge"
        user: ChatCompletionMessageParam = {
            "role": "user",
            "content": [
                {"type": "text", "text": f"{rules}\n\n{words}" if merged else words},
                {"type": "image_url", "image_url": {"url": image.data_url()}},
            ],
        }
        messages: Messages = [user] if merged else [{"role": "system", "content": rules}, user]
        reply = Reply(self.settings, on_text, self._thinking_relay(index))
        started = time.monotonic()
        result: Completion | ApiError
        try:
            result = await self._answer(reply, messages, target.max_tokens)
        except ApiError as error:
            result = error
            if refused_the_image(error):
                result = no_vision(self.settings, self.settings.model, error.message)
        else:
            if answered_blind(result.text):
                result = no_vision(self.settings, self.settings.model, result.text)
        ended_by_server = reply.saw_done and reply.finish is None
        return Attempt(result, started, time.monotonic(), ended_by_server)

    def messages(self, target: Target, request: str) -> Messages:
        """The messages for one request: the target's rules, then `request`.

        The rules go in a system message, or, in the `merge` mode (the `system_mode` setting,
        else the target's), at the head of the user message, for chat templates that drop
        system messages.
        """
        rules = target.system_message()
        if (self.settings.system_mode or target.system_mode) == "merge":
            return [{"role": "user", "content": f"{rules}\n\n{request}"}]
        return [{"role": "system", "content": rules}, {"role": "user", "content": request}]

    async def complete(
        self,
        messages: Messages,
        on_text: TextCallback,
        *,
        max_tokens: int | None = None,
        index: int | None = None,
    ) -> Completion:
        """Stream one chat completion, calling `on_text` with each piece of the answer.

        Args:
            messages: What to send.
            on_text: Told each piece of the answer as it arrives (never the reasoning).
            max_tokens: The target's length cap (the `max_tokens` setting wins).
            index: The variation this is, for thinking notices.

        Raises:
            ApiError: the request failed, or the whole answer took longer than
                `answer_timeout`; `partial` holds any text that had arrived.
            asyncio.CancelledError: the task was cancelled; the HTTP stream is closed first.
        """
        reply = Reply(self.settings, on_text, self._thinking_relay(index))
        return await self._answer(reply, messages, max_tokens)

    async def _answer(self, reply: Reply, messages: Messages, max_tokens: int | None) -> Completion:
        # The deadline starts here, when the request is sent: a variation waiting its turn
        # for a one-slot server has not started its clock.
        deadline = asyncio.timeout(self.settings.answer_timeout)
        try:
            async with deadline, contextlib.AsyncExitStack() as stack:
                response = await self._open(messages, max_tokens, stack)
                try:
                    await read_reply(response, reply)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    failure = translate(error, self.settings)
                    if not isinstance(failure, ConnectionFailed):
                        reply.end()
                        failure.partial = reply.text()
                        raise failure from None
                    # The connection dropped after the answer had begun: that is a cut
                    # stream, reported like one that ended without a finish reason.
                    reply.dropped = True
                    reply.end()
        except TimeoutError:
            if not deadline.expired():
                raise
            reply.end()
            failure = answer_too_slow(self.settings)
            failure.partial = reply.text()
            raise failure from None
        prompt_chars = sum(_text_chars(m.get("content", "")) for m in messages)
        return finished(reply, prompt_chars, await self._bounds(reply, max_tokens))

    async def _bounds(self, reply: Reply, max_tokens: int | None) -> Bounds:
        """The cap sent and, for an answer a length limit stopped, the server's context."""
        cap = self.length_cap(max_tokens)
        sent = cap.get("max_tokens", cap.get("max_completion_tokens"))
        if reply.finish is not State.TRUNCATED or reply.stopped:
            return Bounds(cap=sent)
        props = await self.props()
        context = props.context if props is not None else self.memory.context(self.settings)
        return Bounds(cap=sent, context=context)

    async def props(self) -> ServerProps | None:
        """What the server says of itself (llama.cpp's `/props`), asked once per engine and
        kept in `servers.json`; None from OpenAI and from servers that do not say."""
        if self._asked:
            return self._props
        self._asked = True
        if self.settings.uses_openai or not self.settings.base_url:
            return None
        from artisan.discovery import read_props

        self._props = await read_props(self.settings.base_url, self.settings.api_key)
        if self._props is not None:
            self.memory.remember_props(self.settings, self._props)
        return self._props

    def _version(self, target: Target) -> str:
        """The model version the prompt is written for (Midjourney): the setting, else the
        target's own."""
        wanted = self.settings.midjourney_version
        return wanted if wanted and wanted in target.versions else target.version

    def notice(self, message: str) -> None:
        """Tell the caller about something the engine decided on its own."""
        if self.on_notice is not None:
            self.on_notice(message)

    def restart(self, index: int) -> None:
        """Tell the caller that variation `index` starts again from nothing."""
        if self.on_restart is not None:
            self.on_restart(index)

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

    def length_cap(self, max_tokens: int | None) -> dict[str, int]:
        """The length-cap field of a request, if one is sent.

        The `max_tokens` setting wins over the target's cap. OpenAI's own server gets the cap
        only when the setting is set, as `max_completion_tokens`: its current models refuse
        `max_tokens`, and count their hidden reasoning against the cap, so a cap sized for a
        short prompt would leave them no room to answer. Their answers do not run away the
        way small local models do.
        """
        setting = self.settings.max_tokens
        if self.settings.uses_openai:
            return {} if setting is None else {"max_completion_tokens": setting}
        cap = setting or max_tokens
        return {} if cap is None else {"max_tokens": cap}

    def _thinking_relay(self, index: int | None) -> ThinkingCallback | None:
        callback = self.on_thinking
        if callback is None:
            return None
        return lambda thinking, seconds: callback(ThinkingNotice(index, thinking, seconds))

    async def _open(
        self, messages: Messages, max_tokens: int | None, stack: contextlib.AsyncExitStack
    ) -> Any:
        """Send the request (retrying what is worth retrying); the response is closed with
        `stack`."""
        from openai import omit

        client = self.client()
        temperature = self.settings.temperature
        cap = self.length_cap(max_tokens)
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
                        max_tokens=cap.get("max_tokens", omit),
                        max_completion_tokens=cap.get("max_completion_tokens", omit),
                    )
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failure = translate(error, self.settings)
                delay = retry_delay(
                    error,
                    failure,
                    attempt,
                    max_retries=self.settings.max_retries,
                    base=self.retry_base,
                )
                if delay is None:
                    raise failure from None
                attempt += 1
                if self.on_retry is not None:
                    self.on_retry(
                        RetryNotice(attempt, self.settings.max_retries, delay, failure.message)
                    )
                await asyncio.sleep(delay)


def _text_chars(content: object) -> int:
    """The characters of text in a message's content (a picture's data is not text)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(len(str(part.get("text", ""))) for part in content if isinstance(part, dict))
    return 0
