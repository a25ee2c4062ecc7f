"""The connection to the model server, shared by the chat engine and the image renderer.

Both call down into this package only: it builds the SDK client, decides when a failed request
is worth trying again, names the server in messages, and turns whatever went wrong into an
`ApiError` whose message a person can act on, with every secret kept out of it.

Importing it does not import `openai`: the SDK is loaded when the first client is built.
"""

from artisan.connection.client import MAX_RETRY_WAIT, build_client, retry_after, retry_delay
from artisan.connection.errors import (
    ApiError,
    AuthenticationFailed,
    BadRequest,
    ConnectionDropped,
    ConnectionFailed,
    ContentRefused,
    EmptyResponse,
    MissingKeyError,
    ModelNotFound,
    PermissionDenied,
    ProtocolError,
    QuotaExceeded,
    RateLimited,
    RequestTimedOut,
    ServerFailed,
    missing_key,
    stream_error,
    translate,
)
from artisan.connection.memory import ServerMemory
from artisan.connection.redaction import quote, redact
from artisan.connection.server import IMAGE_TIMEOUT, image_timeout, server_key, server_name

__all__ = [
    "IMAGE_TIMEOUT",
    "MAX_RETRY_WAIT",
    "ApiError",
    "AuthenticationFailed",
    "BadRequest",
    "ConnectionDropped",
    "ConnectionFailed",
    "ContentRefused",
    "EmptyResponse",
    "MissingKeyError",
    "ModelNotFound",
    "PermissionDenied",
    "ProtocolError",
    "QuotaExceeded",
    "RateLimited",
    "RequestTimedOut",
    "ServerFailed",
    "ServerMemory",
    "build_client",
    "image_timeout",
    "missing_key",
    "quote",
    "redact",
    "retry_after",
    "retry_delay",
    "server_key",
    "server_name",
    "stream_error",
    "translate",
]
