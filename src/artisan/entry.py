"""A saved prompt and its TOML form.

A `PromptEntry` is one file in the library. Reading is strict about the keys artisan knows (a
wrong type is an error naming the key) and keeps every key it does not know, so a file written by
a newer artisan or edited by hand keeps its extra data when artisan rewrites it.

The text of a record (an entry's prompt, idea, title, notes, tags; an image's prompt and the
prompt the model drew) is cleaned as it enters it, by assignment or construction alike
(`sanitize.cleaned`): escape sequences, control characters and bidirectional controls from a
model or a server never reach the library's files or an image's metadata.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from artisan.sanitize import cleaned
from artisan.shorten import shorten

FORMAT_VERSION = 1
_RENDER_KEYS = (
    "negative_prompt",
    "seed",
    "steps",
    "sampler",
    "cfg_scale",
    "provider",
    "instruction",
    "edited_from",
)
"""What a render was given besides its prompt, written when set."""
_STR_ONLY = {str}
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
TITLE_LENGTH = 60


class EntryFormatError(ValueError):
    """A library file's content does not describe a prompt entry."""


_IMAGE_TEXT = frozenset(
    {"model", "size", "revised_prompt", "quality", "style", "background", "prompt"}
)
_ENTRY_TEXT = frozenset({"prompt", "title", "idea", "target", "model", "notes"})


def _clean_value(name: str, value: Any, fields: frozenset[str]) -> Any:
    """`value`, cleaned when `name` is one of a record's text fields (see the module)."""
    if name in fields and type(value) is str:
        return cleaned(value)
    if name == "tags" and type(value) is list:
        return [cleaned(tag) if type(tag) is str else tag for tag in value]
    return value


@dataclass
class ImageRecord:
    """One rendered image: everything artisan knows about it, in one place.

    The same record travels from the server's answer (`images.rendering`) into the image
    file's metadata (`images.metadata`) and into the entry's `[[images]]` table here; each edge
    converts it, and nothing else describes an image. `prompt` and `entry` are not written to
    the library file (the entry holding the table already says both) but go into the file's
    metadata, where the image must speak for itself.
    """

    path: str
    """Where the file is; empty while the image exists only in memory."""
    model: str = ""
    size: str = ""
    revised_prompt: str = ""
    """The prompt the model actually drew, when it says (dall-e-3 rewrites prompts)."""
    created: datetime | None = None
    quality: str = ""
    style: str = ""
    background: str = ""
    cost: float | None = None
    """US dollars this image cost: from the usage the server reported, else estimated."""
    cost_estimated: bool = False
    """`cost` comes from the price table, not from reported usage."""
    usage: dict[str, int] | None = None
    """The tokens the server reported for this image (`input_tokens`, `output_tokens`, ...)."""
    favorite: bool = False
    """Kept from a gallery with `k`."""
    prompt: str = ""
    entry: str = ""
    """Id of the library entry the image belongs to."""
    negative_prompt: str = ""
    """What a Stable Diffusion server was told to leave out."""
    seed: int | None = None
    steps: int | None = None
    sampler: str = ""
    cfg_scale: float | None = None
    provider: str = ""
    """Who rendered it, when not OpenAI (or a compatible server): automatic1111, comfyui."""
    instruction: str = ""
    """For an edit: what was asked to change."""
    edited_from: str = ""
    """For an edit: the picture it changed."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version of artisan does not know, kept as they were."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, _clean_value(name, value, _IMAGE_TEXT))

    def to_dict(self) -> dict[str, Any]:
        """The record as an `[[images]]` table (without `prompt` and `entry`)."""
        data: dict[str, Any] = {"path": self.path, "model": self.model, "size": self.size}
        for key in ("quality", "style", "background", "revised_prompt", *_RENDER_KEYS):
            value = getattr(self, key)
            if value not in ("", None):
                data[key] = value
        if self.created is not None:
            data["created"] = self.created
        if self.cost is not None:
            data["cost"] = self.cost
            if self.cost_estimated:
                data["cost_estimated"] = True
        if self.favorite:
            data["favorite"] = True
        data.update(self.extra)
        if self.usage:
            data["usage"] = dict(self.usage)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> ImageRecord:
        if not isinstance(data, dict):
            raise EntryFormatError(f"{where} must be a table")
        extra = dict(data)
        path = _take(extra, "path", str, where, required=True)
        text = {
            key: _take(extra, key, str, where) or ""
            for key in (
                "model",
                "size",
                "revised_prompt",
                "quality",
                "style",
                "background",
                "negative_prompt",
                "sampler",
                "provider",
                "instruction",
                "edited_from",
            )
        }
        cost = _take_number(extra, "cost", where)
        seed = _take(extra, "seed", int, where)
        steps = _take(extra, "steps", int, where)
        cfg_scale = _take_number(extra, "cfg_scale", where)
        usage = _take(extra, "usage", dict, where)
        if usage is not None and not all(type(v) is int for v in usage.values()):
            raise EntryFormatError(f"{where}: `usage` must be a table of whole numbers")
        return cls(
            path=path,
            created=_take_datetime(extra, "created", where),
            cost=cost,
            cost_estimated=bool(_take(extra, "cost_estimated", bool, where)),
            usage=usage or None,
            favorite=bool(_take(extra, "favorite", bool, where)),
            seed=seed,
            steps=steps,
            cfg_scale=cfg_scale,
            extra=extra,
            **text,
        )


@dataclass
class PromptEntry:
    """One saved prompt."""

    id: str
    prompt: str
    title: str = ""
    idea: str = ""
    target: str = ""
    model: str = ""
    tags: list[str] = field(default_factory=list)
    favorite: bool = False
    created: datetime = field(default_factory=lambda: now())
    updated: datetime = field(default_factory=lambda: now())
    notes: str = ""
    images: list[ImageRecord] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    """The style templates applied to the prompt, in order."""
    version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version of artisan does not know, kept as they were."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, _clean_value(name, value, _ENTRY_TEXT))

    @classmethod
    def create(
        cls,
        prompt: str,
        *,
        idea: str = "",
        target: str = "",
        model: str = "",
        title: str = "",
        tags: list[str] | None = None,
        notes: str = "",
        styles: list[str] | None = None,
    ) -> PromptEntry:
        stamp = now()
        prompt, idea, title = cleaned(prompt), cleaned(idea), cleaned(title)
        return cls(
            id=new_id(),
            prompt=prompt,
            title=title.strip() or make_title(idea, prompt),
            idea=idea,
            target=target,
            model=model,
            tags=normalize_tags(tags or []),
            created=stamp,
            updated=stamp,
            notes=notes,
            styles=list(styles or []),
        )

    def to_dict(self) -> dict[str, Any]:
        """The entry as a TOML-ready table, known keys first, unknown keys after."""
        data: dict[str, Any] = {
            "version": self.version,
            "id": self.id,
            "title": self.title,
            "target": self.target,
            "model": self.model,
            "favorite": self.favorite,
            "tags": list(self.tags),
            "created": self.created,
            "updated": self.updated,
            "idea": self.idea,
            "prompt": self.prompt,
            "notes": self.notes,
        }
        if self.styles:
            data["styles"] = list(self.styles)
        for key, value in self.extra.items():
            data.setdefault(key, value)
        if self.images:
            data["images"] = [image.to_dict() for image in self.images]
        return data

    def to_row(self) -> list[Any]:
        """The entry as a flat list for the library's cache (see `from_row`), written with
        `json_default`."""
        return [
            self.id,
            self.title,
            self.prompt,
            self.idea,
            self.target,
            self.model,
            list(self.tags),
            self.favorite,
            self.created.isoformat(),
            self.updated.isoformat(),
            self.notes,
            self.version,
            [image.to_dict() for image in self.images] or None,
            self.extra or None,
            list(self.styles),
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> PromptEntry:
        """Rebuild an entry written by `to_row`.

        Reading 10,000 entries this way takes a fraction of the time `from_dict` needs, since
        the values were checked when the file was parsed; the cheap checks here only make sure
        a damaged cache is noticed (ValueError or TypeError) rather than believed.
        """
        (
            entry_id,
            title,
            prompt,
            idea,
            target,
            model,
            tags,
            favorite,
            created,
            updated,
            notes,
            version,
            images,
            extra,
            styles,
        ) = row
        if not (
            type(entry_id) is str
            and type(title) is str
            and type(prompt) is str
            and type(idea) is str
            and type(target) is str
            and type(model) is str
            and type(notes) is str
            and type(favorite) is bool
            and type(version) is int
            and type(tags) is list
            and set(map(type, tags)) <= _STR_ONLY
            and type(styles) is list
            and set(map(type, styles)) <= _STR_ONLY
        ):
            raise TypeError("cache row has a value of the wrong type")
        if extra is not None and type(extra) is not dict:
            raise TypeError("cache row has a value of the wrong type")
        # The row was made from an entry whose text was cleaned as it entered it; filled in
        # directly, 10,000 rows load in a third of the time `__init__` (and the cleaning of
        # every assignment) would take.
        entry = object.__new__(cls)
        entry.__dict__.update(
            id=entry_id,
            prompt=prompt,
            title=title,
            idea=idea,
            target=target,
            model=model,
            tags=tags,
            favorite=favorite,
            created=datetime.fromisoformat(created),
            updated=datetime.fromisoformat(updated),
            notes=notes,
            images=[ImageRecord.from_dict(image, "cache") for image in images] if images else [],
            version=version,
            extra=extra or {},
            styles=styles,
        )
        return entry

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "entry") -> PromptEntry:
        """Build an entry from a parsed table.

        Raises:
            EntryFormatError: a known key has the wrong type, or `id`/`prompt` is missing.
        """
        extra = dict(data)
        version = _take(extra, "version", int, where)
        entry_id = _take(extra, "id", str, where, required=True)
        if not ID_PATTERN.fullmatch(entry_id):
            raise EntryFormatError(
                f"{where}: `id` {entry_id!r} may hold only lowercase letters, digits, - and _"
            )
        prompt = _take(extra, "prompt", str, where, required=True)
        tags = _take(extra, "tags", list, where) or []
        if not all(isinstance(tag, str) for tag in tags):
            raise EntryFormatError(f"{where}: `tags` must be a list of text")
        styles = _take(extra, "styles", list, where) or []
        if not all(isinstance(style, str) for style in styles):
            raise EntryFormatError(f"{where}: `styles` must be a list of text")
        favorite = _take(extra, "favorite", bool, where)
        created = _take_datetime(extra, "created", where)
        updated = _take_datetime(extra, "updated", where)
        images_raw = _take(extra, "images", list, where) or []
        images = [
            ImageRecord.from_dict(image, f"{where}: images[{index}]")
            for index, image in enumerate(images_raw)
        ]
        idea = _take(extra, "idea", str, where) or ""
        title = _take(extra, "title", str, where) or ""
        stamp = created or updated or now()
        return cls(
            id=entry_id,
            prompt=prompt,
            title=title or make_title(idea, prompt),
            idea=idea,
            target=_take(extra, "target", str, where) or "",
            model=_take(extra, "model", str, where) or "",
            tags=tags,
            favorite=bool(favorite),
            created=stamp,
            updated=updated or stamp,
            notes=_take(extra, "notes", str, where) or "",
            images=images,
            styles=styles,
            version=FORMAT_VERSION if version is None else version,
            extra=extra,
        )


def now() -> datetime:
    """The current local time, with its UTC offset, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def age(moment: datetime, now: datetime) -> str:
    """A short age such as 5m, 3h, 2d, 6w, 4mo or 2y: from `moment` to `now` (a clock's
    reading, so that ages are told as of the day the program or its tests live in)."""
    seconds = max(0.0, (now - moment).total_seconds())
    for limit, unit, size in _AGE_UNITS:
        if seconds < limit:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds // (86400 * 365))}y"


_AGE_UNITS = (
    (60, "s", 1),
    (3600, "m", 60),
    (86400, "h", 3600),
    (86400 * 14, "d", 86400),
    (86400 * 60, "w", 86400 * 7),
    (86400 * 365, "mo", 86400 * 30),
)


def new_id() -> str:
    """A short random id (40 bits) that is safe as a file name."""
    return secrets.token_hex(5)


def make_title(idea: str, prompt: str) -> str:
    """A short title from the idea's first line, or the prompt's first words."""
    source = " ".join((idea.strip() or prompt.strip()).split())
    return shorten(source, TITLE_LENGTH + 1, at_word=True) or "Untitled"


def normalize_tags(tags: list[str]) -> list[str]:
    """Trim, lower-case and de-duplicate tags, keeping their order."""
    seen: list[str] = []
    for tag in tags:
        clean = " ".join(tag.strip().lower().split()).lstrip("#")
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def _take(
    extra: dict[str, Any], key: str, kind: type, where: str, *, required: bool = False
) -> Any:
    if key not in extra:
        if required:
            raise EntryFormatError(f"{where}: `{key}` is missing")
        return None
    value = extra.pop(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise EntryFormatError(f"{where}: `{key}` must be {_KIND_NAMES[kind]}, not {value!r:.40}")
    return value


def _take_number(extra: dict[str, Any], key: str, where: str) -> float | None:
    if key not in extra:
        return None
    value = extra.pop(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise EntryFormatError(
            f"{where}: `{key}` must be a number of at least 0, not {value!r:.40}"
        )
    return float(value)


def _take_datetime(extra: dict[str, Any], key: str, where: str) -> datetime | None:
    if key not in extra:
        return None
    value = extra.pop(key)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).astimezone()
    if isinstance(value, str):
        parsed = _parse_iso(value)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.astimezone()
    raise EntryFormatError(f"{where}: `{key}` must be a date and time, not {value!r:.40}")


def json_default(value: Any) -> Any:
    """`default` for `json.dump`: TOML dates and times become ISO 8601 text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _parse_iso(text: str) -> datetime | None:
    """Dates in JSON imports arrive as ISO 8601 text."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}
