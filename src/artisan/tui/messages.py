"""Messages the workshop's news arrives as.

The workshop (`artisan.workshop`) is plain Python and tells a listener what changed; the app's
listener posts these messages to the widgets that show that part of the session, and they
update themselves. Streamed text is the one exception: it goes straight into the pane's buffer,
which paints at most 20 times a second, since a message per piece of text would cost more than
the text.
"""

from __future__ import annotations

from textual.message import Message

from artisan.draft import PromptVersion
from artisan.workshop import Job


class JobUpdated(Message):
    """A job started, has news (waiting, retrying, first words), or ended."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


class VersionChanged(Message):
    """Another version is shown, a version was added, or the shown one changed."""


class VariationsUpdated(Message):
    """The variations of `version` changed: all of them (`index` None), or one that ended."""

    def __init__(self, version: PromptVersion, index: int | None) -> None:
        super().__init__()
        self.version = version
        self.index = index
