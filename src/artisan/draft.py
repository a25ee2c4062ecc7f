"""The draft: the app's unsaved work, kept on disk so that nothing is lost.

The idea, every version of the prompt (the refine history), the variations and which version is
shown are written to `<data dir>/draft.json` a moment after each change and when the app quits,
and read back at the next start. A crash or a dropped SSH connection loses at most the last
second of typing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from artisan import files
from artisan.atomic import write_atomic

DRAFT_FORMAT = 1


@dataclass
class PromptVersion:
    """One version of the prompt: as generated, refined, or edited by hand."""

    text: str
    model: str = ""
    target: str = ""
    state: str = "done"
    """done, truncated, filtered, interrupted, cancelled, error or edited."""
    usage: int | None = None
    """Total tokens used, when the server said."""
    instruction: str = ""
    """The refine instruction that made this version."""
    entry_id: str | None = None
    """The library entry this version was loaded from or saved as."""


@dataclass
class Variation:
    text: str
    state: str = "done"
    error: str = ""


@dataclass
class Draft:
    idea: str = ""
    target: str = ""
    versions: list[PromptVersion] = field(default_factory=list)
    current: int = -1
    """Index of the version shown; -1 when there is none."""
    variations: list[Variation] = field(default_factory=list)

    @property
    def version(self) -> PromptVersion | None:
        if 0 <= self.current < len(self.versions):
            return self.versions[self.current]
        return None


def load_draft(path: Path) -> tuple[Draft, str | None]:
    """Read the draft; a missing file is an empty draft, a broken one is reported.

    A file that cannot be read as a draft is moved aside to `draft.json.damaged` (nothing is
    lost) and the app starts empty; values of the wrong type are left out, keeping the rest,
    with the file as it was moved aside too.
    """
    try:
        data = files.read_json(path, files.DRAFT)
    except FileNotFoundError:
        return Draft(), None
    except files.FileProblem as problem:
        kept = _set_aside(path) if problem.content else ""
        return Draft(), f"The draft is damaged: {problem}; starting empty{kept}."
    draft, dropped = draft_from_json(data)
    if not dropped:
        return draft, None
    more = f" and {len(dropped) - 1} more" if len(dropped) > 1 else ""
    return draft, (
        f"The draft {path} had values of the wrong type ({dropped[0]}{more}); "
        f"they were left out{_set_aside(path)}."
    )


def save_draft(path: Path, draft: Draft) -> None:
    """Write the draft atomically.

    Raises:
        OSError: the data folder cannot be written.
    """
    data = {"format": DRAFT_FORMAT, **asdict(draft)}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def draft_from_json(data: Any) -> tuple[Draft, list[str]]:
    """A draft from parsed JSON of any shape, and what had to be left out (by where it was)."""
    dropped: list[str] = []
    if not isinstance(data, dict):
        return Draft(), [f"the file holds {_kind(data)}, not an object"]
    versions = [
        version
        for index, item in enumerate(_list(data, "versions", dropped))
        if (version := _version(item, f"versions[{index}]", dropped)) is not None
    ]
    variations = [
        variation
        for index, item in enumerate(_list(data, "variations", dropped))
        if (variation := _variation(item, f"variations[{index}]", dropped)) is not None
    ]
    current = _typed(data, "current", int, len(versions) - 1, "current", dropped)
    if not -1 <= current < len(versions):
        current = len(versions) - 1
    draft = Draft(
        idea=_typed(data, "idea", str, "", "idea", dropped),
        target=_typed(data, "target", str, "", "target", dropped),
        versions=versions,
        current=current,
        variations=variations,
    )
    return draft, dropped


def _version(item: Any, where: str, dropped: list[str]) -> PromptVersion | None:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        dropped.append(f"{where} has no text")
        return None
    usage = item.get("usage")
    if usage is not None and (type(usage) is not int or usage < 0):
        dropped.append(f"{where}.usage is {_kind(usage)}, not a number of tokens")
        usage = None
    entry_id = item.get("entry_id")
    if entry_id is not None and not isinstance(entry_id, str):
        dropped.append(f"{where}.entry_id is {_kind(entry_id)}, not text")
        entry_id = None
    return PromptVersion(
        text=item["text"],
        model=_typed(item, "model", str, "", f"{where}.model", dropped),
        target=_typed(item, "target", str, "", f"{where}.target", dropped),
        state=_typed(item, "state", str, "done", f"{where}.state", dropped),
        usage=usage,
        instruction=_typed(item, "instruction", str, "", f"{where}.instruction", dropped),
        entry_id=entry_id,
    )


def _variation(item: Any, where: str, dropped: list[str]) -> Variation | None:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        dropped.append(f"{where} has no text")
        return None
    return Variation(
        text=item["text"],
        state=_typed(item, "state", str, "done", f"{where}.state", dropped),
        error=_typed(item, "error", str, "", f"{where}.error", dropped),
    )


_T = TypeVar("_T")


def _typed(
    data: dict[str, Any], key: str, kind: type[_T], default: _T, where: str, dropped: list[str]
) -> _T:
    """`data[key]` when it is of `kind` (a bool is no int), else `default`, noting why."""
    if key not in data:
        return default
    value = data[key]
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    dropped.append(f"{where} is {_kind(value)}")
    return default


def _list(data: dict[str, Any], key: str, dropped: list[str]) -> list[Any]:
    value = data.get(key, [])
    if isinstance(value, list):
        return value
    dropped.append(f"{key} is {_kind(value)}, not a list")
    return []


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _set_aside(path: Path) -> str:
    """Move the draft file aside; the words saying where (or nothing when it could not)."""
    aside = path.with_name(path.name + ".damaged")
    try:
        os.replace(path, aside)
    except OSError:
        return ""
    return f" (the file is kept as {aside})"
