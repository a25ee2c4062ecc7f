"""The draft: the app's unsaved work, kept on disk so that nothing is lost.

The idea, every version of the prompt (the refine history), the variations and which version is
shown are written to `<data dir>/draft.json` a moment after each change and when the app quits,
and read back at the next start. A crash or a dropped SSH connection loses at most the last
second of typing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

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
    """Read the draft; a missing file is an empty draft, a broken one is reported."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Draft(), None
    except (OSError, UnicodeDecodeError) as error:
        return Draft(), f"The draft {path} could not be read ({error}); starting empty."
    try:
        return _from_json(json.loads(raw)), None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return Draft(), f"The draft {path} is damaged ({error}); starting empty."


def save_draft(path: Path, draft: Draft) -> None:
    """Write the draft atomically.

    Raises:
        OSError: the data folder cannot be written.
    """
    data = {"format": DRAFT_FORMAT, **asdict(draft)}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def _from_json(data: Any) -> Draft:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    versions = [PromptVersion(**_known(PromptVersion, v)) for v in data.get("versions", [])]
    variations = [Variation(**_known(Variation, v)) for v in data.get("variations", [])]
    current = int(data.get("current", len(versions) - 1))
    if not -1 <= current < len(versions):
        current = len(versions) - 1
    return Draft(
        idea=str(data.get("idea", "")),
        target=str(data.get("target", "")),
        versions=versions,
        current=current,
        variations=variations,
    )


def _known(kind: type, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, found {type(value).__name__}")
    names = {item.name for item in fields(kind)}
    return {key: item for key, item in value.items() if key in names}
