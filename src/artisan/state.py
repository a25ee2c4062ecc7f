"""Where an answer stands, how it ended, and what wrote it, in one set of words.

An answer is a version of the prompt or one of its variations, written by an engine. While it
is written it is `STREAMING` (or `WAITING` for its turn); then it ends one way. The values are
the words `draft.json` holds, so a draft written before this enum reads the same.

Beside each way of ending is its one wording for a person (`State.ending`): the app's notices,
the Variations pane, the status line and `artisan prompt` all say it with these words, and the
engines use them for a note when they know nothing more precise.

What wrote an answer is an `EngineName`: the chat engine or the offline composer, the words a
version records, the `engine` setting chooses and the composer signs as its model.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where an answer stands: still being written, or how it ended."""

    WAITING = "waiting"
    """Asked for, waiting for its turn (a server that writes one answer at a time)."""
    STREAMING = "streaming"
    """Being written now."""
    DONE = "done"
    TRUNCATED = "truncated"
    """The model hit its length limit (`length`), or was stopped repeating itself."""
    FILTERED = "filtered"
    """The model's content filter stopped the answer (`content_filter`)."""
    INTERRUPTED = "interrupted"
    """The stream ended without saying why: the connection was cut, or the server (one with a
    single slot) ended it to serve another request."""
    CANCELLED = "cancelled"
    """Stopped by the person (Esc)."""
    EMPTY = "empty"
    """Finished, but without any text."""
    ERROR = "error"
    """Failed: the request, the server or the engine said why (the answer's `error`)."""

    @property
    def running(self) -> bool:
        """Whether the answer is still being written."""
        return self in (State.WAITING, State.STREAMING)

    @property
    def whole(self) -> bool:
        """Whether the answer ended as a whole one (its text may still be empty)."""
        return self is State.DONE

    @property
    def ending(self) -> str:
        """How it ended, in a clause for a person ("the model stopped at its length limit");
        empty for a whole answer and one still being written."""
        return _ENDINGS.get(self, "")

    def reason(self, note: str = "") -> str:
        """Why it ended so: `note` when there is one (it says more), else `ending`."""
        return note or self.ending

    def with_reason(self, note: str = "") -> str:
        """The state and why, for a list of answers: "truncated: the model stopped at its
        length limit, …"; just the state when there is nothing to explain."""
        why = self.reason(note)
        return f"{self.value}: {why}" if why else self.value

    def sentence(self, note: str = "") -> str:
        """`reason` as a sentence of its own, for a notice: a capital first, a stop last."""
        clause = self.reason(note).strip()
        if not clause:
            return ""
        stop = "" if clause.endswith((".", "!", "?")) else "."
        return f"{clause[0].upper()}{clause[1:]}{stop}"

    @classmethod
    def read(cls, value: str) -> State | None:
        """The state a file names, or None for a word artisan does not know. "edited" (the
        first draft format's state of an edited version) was a whole answer."""
        if value == "edited":
            return cls.DONE
        try:
            return cls(value)
        except ValueError:
            return None


_ENDINGS: dict[State, str] = {
    State.TRUNCATED: "the model stopped at its length limit, so the prompt may be cut short",
    State.FILTERED: "the model's content filter stopped the answer",
    State.INTERRUPTED: "the answer was cut off before it finished",
    State.CANCELLED: "it was stopped",
    State.EMPTY: "the model answered with nothing",
    State.ERROR: "it failed",
}


class EngineName(StrEnum):
    """What writes prompts: a model behind a chat server, or the offline composer."""

    CHAT = "chat"
    COMPOSER = "composer"
    """Also the model a composer's answer names, so nobody takes it for a model's."""
