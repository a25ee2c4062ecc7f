"""Everything that talks to the model servers.

Importing this package does not import `openai`: the SDK is loaded when the first request is
made, so starting the app or listing the library stays fast.
"""

from artisan.engine.answer import Completion, Finish, PromptEngine, Usage
from artisan.engine.chat import Engine, RetryNotice
from artisan.engine.errors import ApiError

__all__ = ["ApiError", "Completion", "Engine", "Finish", "PromptEngine", "RetryNotice", "Usage"]
