"""Which engine writes the prompts: the `engine` setting, and building that engine.

`auto` (the default) uses the chat engine when it can work, that is when a key is set or a
server other than OpenAI is configured, and the offline composer otherwise, so artisan writes
prompts on a fresh machine. `chat` and `composer` force one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from artisan.engine.answer import EngineHooks
from artisan.state import EngineName

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.engine.answer import PromptEngine

AUTO = "auto"
"""The `engine` setting that lets the configuration choose."""


def chat_is_configured(settings: Settings) -> bool:
    """Whether the chat engine has what it needs: a key, or a server that needs none."""
    return bool(settings.api_key) or (settings.base_url is not None and not settings.uses_openai)


def choose_engine(settings: Settings) -> EngineName:
    """`chat` or `composer`, as the `engine` setting and the configuration decide."""
    if settings.engine in list(EngineName):
        return EngineName(settings.engine)
    return EngineName.CHAT if chat_is_configured(settings) else EngineName.COMPOSER


def engine_reason(settings: Settings) -> str:
    """Why `choose_engine` chose what it did, in a line for a person."""
    chosen = choose_engine(settings)
    if settings.engine != AUTO:
        return f"engine = {settings.engine} in the settings"
    if chosen is EngineName.CHAT:
        return "a key or a server is set (engine = auto)"
    return "no key and no server are set (engine = auto)"


def make_engine(
    settings: Settings, *, seed: int | None = None, hooks: EngineHooks | None = None
) -> PromptEngine:
    """The engine `choose_engine` picks, built from `settings`.

    Args:
        seed: For the composer: the same seed and idea give the same prompt.
        hooks: For the chat engine: told about retries, decisions, thinking and restarts.
    """
    if choose_engine(settings) is EngineName.COMPOSER:
        from artisan.engine.composer import Composer

        return Composer(settings, seed=seed)
    from artisan.engine.chat import Engine

    hooks = hooks or EngineHooks()
    return Engine(
        settings,
        on_retry=hooks.on_retry,
        on_notice=hooks.on_notice,
        on_thinking=hooks.on_thinking,
        on_restart=hooks.on_restart,
    )


async def check_engine(settings: Settings) -> str:
    """Send one tiny request to the engine these settings pick; what came back, in words.

    For the settings screen's "Test": the composer needs nothing; the chat engine is asked for
    one word, which costs a few tokens and proves the key, the server and the model at once.

    Raises:
        ArtisanError: the request failed (`ApiError`, worded for a person), or no key is set.
    """
    import time

    if choose_engine(settings) is EngineName.COMPOSER:
        return "The offline composer writes prompts with no server and no key: nothing to test."
    from artisan.connection import server_name
    from artisan.engine.chat import Engine

    engine = Engine(settings)
    started = time.monotonic()
    try:
        answer = await engine.complete(
            [{"role": "user", "content": "Reply with the single word OK."}],
            lambda _text: None,
            max_tokens=16,
        )
    finally:
        await engine.aclose()
    seconds = time.monotonic() - started
    said = " ".join(answer.text.split())[:60] or "(no text)"
    return (
        f"{server_name(settings)} answered in {seconds:.1f} s with {answer.model}: “{said}”. "
        "Prompts will be written by this model."
    )
