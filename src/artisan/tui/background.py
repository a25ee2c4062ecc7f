"""Library writes off the event loop, and the one report of an error nobody expected.

A write to the library takes a lock and touches the disk, so it runs in a thread worker; what
it returns comes back to the app's thread, and so does what went wrong: an `ArtisanError` as
its own message (written for a person), anything else as an unexpected error, with its
traceback in the log file. Every part of the app that writes the library goes through
`write_library`, so none of them can forget the second kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.dom import DOMNode

from artisan import locations
from artisan.errors import ArtisanError

log = logging.getLogger("artisan")
Result = TypeVar("Result")


def report_unexpected(app: App[Any], error: BaseException) -> None:
    """Tell the person about a bug, and keep its traceback in the log file."""
    log.error("unexpected error", exc_info=error)
    app.notify(
        f"Unexpected error: {type(error).__name__}: {error}. Details are in "
        f"{locations.log_file()}.",
        severity="error",
        timeout=15,
    )


def write_library(
    node: DOMNode,
    write: Callable[[], Result],
    then: Callable[[Result], object],
    *,
    title: str = "",
) -> None:
    """Run `write` in a thread worker; back on the app's thread, `then` gets what it returned.

    Args:
        node: The widget (or app) the worker belongs to.
        write: The disk work: a `Library` method and its arguments.
        then: What to do with its result, on the app's thread.
        title: The title of the notice when it fails ("Not saved").
    """
    app = node.app

    def work() -> None:
        try:
            result = write()
        except ArtisanError as error:
            app.call_from_thread(app.notify, str(error), title=title, severity="error", timeout=12)
            return
        except Exception as error:  # a bug: said, logged, and the app carries on
            app.call_from_thread(report_unexpected, app, error)
            return
        app.call_from_thread(then, result)

    node.run_worker(work, thread=True, group="library-write", exit_on_error=False)
