"""Errors a person can meet while using artisan.

Every failure that is not a bug becomes an `ArtisanError` whose message is written for the
person at the keyboard: what happened and what to do about it. The CLI prints the message on
one line; the TUI shows it as a notification. Tracebacks are reserved for bugs.
"""

from __future__ import annotations


class ArtisanError(Exception):
    """Base class for errors with a message meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ArtisanError):
    """The configuration file cannot be read or a setting is invalid."""


class TargetError(ArtisanError):
    """A prompt target is unknown or its file is invalid."""


class LibraryError(ArtisanError):
    """The prompt library could not be read or written."""


class EntryNotFound(LibraryError):
    """No saved prompt matches the given id."""


class TransferError(LibraryError):
    """An import or export file is unreadable or malformed."""


class UsageError(ArtisanError):
    """The command line asked for something that cannot be done (exit status 2)."""
