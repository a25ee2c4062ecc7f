"""Everything that writes prompts with a chat model.

Importing this package does not import `openai`: the SDK is loaded when the first request is
made, so starting the app or listing the library stays fast. The connection to the server (the
client, retries, errors) lives below it, in `artisan.connection`; `ApiError` is re-exported here
for the faces, which meet it as the failure of an engine call.
"""

from artisan.connection import ApiError
from artisan.engine.answer import (
    Completion,
    EngineHooks,
    PromptEngine,
    RetryNotice,
    ThinkingNotice,
    Usage,
    batch_summary,
)
from artisan.engine.chat import Engine
from artisan.state import State

__all__ = [
    "ApiError",
    "Completion",
    "Engine",
    "EngineHooks",
    "PromptEngine",
    "RetryNotice",
    "State",
    "ThinkingNotice",
    "Usage",
    "batch_summary",
]
