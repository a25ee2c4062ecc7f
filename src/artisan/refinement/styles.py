"""Style templates: a named wrapping of a prompt, with terms to avoid, stackable in order.

A style's `prompt` holds `{prompt}` where the prompt goes ("cinematic film still of {prompt},
film grain"); one without it is added after the prompt, as AUTOMATIC1111 does. Its `negative`
goes to the target's negative part (see `artisan.refinement.placing`). Several styles apply in
the order given: the second wraps what the first made.

Shipped styles are data (`artisan/data/styles.toml`); the person's are TOML files in
`<config dir>/styles/` of the same shape, read through `artisan.files`. `artisan styles import`
turns AUTOMATIC1111's `styles.csv` (name, prompt, negative_prompt) or the JSON of an SDXL
prompt-styler collection into such a file.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artisan import files, locations
from artisan.atomic import write_atomic
from artisan.engine.layout import LIST_FORMATS
from artisan.engine.retouch import split_prompt
from artisan.errors import ArtisanError
from artisan.refinement.placing import (
    STATED_EXCLUSIONS,
    add_negative,
    reads_negative,
    without_stated_exclusions,
)
from artisan.refinement.user_files import read_each

PLACEHOLDER = "{prompt}"


class StyleError(ArtisanError):
    """A style cannot be found, read or imported."""


@dataclass(frozen=True)
class Style:
    """A named template for a prompt."""

    name: str
    prompt: str
    """The positive part, with `{prompt}` where the prompt goes (or none: added after it)."""
    negative: str = ""
    source: Path | None = None
    """The file it came from (None: shipped)."""


@dataclass(frozen=True)
class Styled:
    """A prompt with styles applied, and what the person should know about it."""

    text: str
    names: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass
class StyleBook:
    """Every style by name (shipped, then the person's), and the files that could not be used."""

    styles: dict[str, Style]
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> Style:
        """The style called `name` (case does not matter).

        Raises:
            StyleError: there is none; the message lists the names there are.
        """
        wanted = " ".join(name.split()).casefold()
        for style in self.styles.values():
            if style.name.casefold() == wanted:
                return style
        known = ", ".join(self.styles) or "none"
        raise StyleError(
            f"There is no style called “{name}”. Styles: {known}. `artisan styles import FILE` "
            "brings in AUTOMATIC1111's styles.csv or an SDXL styler JSON file."
        )

    def pick(self, names: Iterable[str]) -> list[Style]:
        """The styles called `names`, in that order (see `get`)."""
        return [self.get(name) for name in names]


def load_style_book(user_dir: Path | None = None) -> StyleBook:
    """The shipped styles, and the person's (one with a shipped name replaces it)."""
    shipped = locations.PACKAGE_DIR / "data" / "styles.toml"
    with shipped.open("rb") as handle:
        styles = {s.name: s for s in _styles_in(tomllib.load(handle), shipped, None)}
    problems: list[str] = []
    folder = locations.user_styles_dir() if user_dir is None else user_dir
    for found in read_each(folder, files.STYLES, "Style file", _user_styles, problems):
        for style in found:
            replaced = next((k for k in styles if k.casefold() == style.name.casefold()), None)
            if replaced is not None:
                del styles[replaced]
            styles[style.name] = style
    return StyleBook(styles, problems)


def apply_styles(text: str, styles: Sequence[Style], shape: str, target: str = "") -> Styled:
    """`text` with each style applied in turn, in the form of `shape` (a target's format).

    The description is wrapped; what follows it (Midjourney's parameters, Stable Diffusion's
    negative line) stays after it. Negative terms go to the target's negative part; a target
    that reads none leaves them out, and a note says so.
    """
    notes: list[str] = []
    negatives: list[str] = []
    if shape in STATED_EXCLUSIONS:
        # Said last, after every style's sentence, as one list.
        text, negatives = without_stated_exclusions(text)
    for style in styles:
        body, tail = split_prompt(text, shape)
        body = body.strip()
        if shape not in LIST_FORMATS:
            body = _as_sentence(body, style.prompt)
        elif PLACEHOLDER in style.prompt:
            body = style.prompt.replace(PLACEHOLDER, body).strip()
        elif style.prompt.strip():
            body = f"{body}, {style.prompt.strip()}" if body else style.prompt.strip()
        text = f"{body} {tail.strip()}" if shape == "midjourney" and tail else body + tail
        negative = ", ".join(p.strip(" ,") for p in style.negative.split(PLACEHOLDER))
        if not negative.strip(" ,"):
            continue
        if shape in STATED_EXCLUSIONS:
            negatives.append(negative)
        elif reads_negative(shape):
            text = add_negative(text, negative, shape)
        else:
            notes.append(
                f"{target or 'This target'} reads no negative terms: those of "
                f"“{style.name}” were left out."
            )
    if negatives:
        text = add_negative(text, ", ".join(negatives), shape)
    return Styled(text, tuple(s.name for s in styles), tuple(notes))


def _as_sentence(body: str, template: str) -> str:
    """A style for a prose target: its words become a sentence after the prompt's own, which
    stay whole ("... in the snow. Cinematic film still, film grain.")."""
    before, _, after = template.partition(PLACEHOLDER)
    lead = _LEAD_OUT.sub("", before.strip(" ,.")).strip(" ,.")
    words = ", ".join(part for part in (lead, after.strip(" ,.")) if part)
    if not words:
        return body
    sentence = f"{words[0].upper()}{words[1:]}."
    if not body:
        return sentence
    return f"{body} {sentence}" if body[-1] in ".!?" else f"{body}. {sentence}"


_LEAD_OUT = re.compile(r"\s+(?:of|with|showing|featuring|depicting)(?:\s+(?:a|an|the))?$", re.I)


# Importing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What an import brought in."""

    path: Path
    """The style file written."""
    styles: tuple[Style, ...]
    skipped: tuple[str, ...]
    """Why each row or item that was not imported was left out."""
    replaced: bool
    """A file of that name was there before (an earlier import of the same collection)."""


def import_styles(source: Path, user_dir: Path | None = None) -> Imported:
    """Bring the styles of AUTOMATIC1111's `styles.csv` or an SDXL styler JSON file into a
    style file of the person's, `<config dir>/styles/<its name>.toml`.

    Raises:
        StyleError: the file cannot be read, is neither format, or holds no style.
    """
    try:
        text = files.read_text(source, files.STYLE_IMPORT)
    except FileNotFoundError:
        raise StyleError(f"There is no file {source}.") from None
    except files.FileProblem as problem:
        raise StyleError(f"{problem}.") from None
    if text.lstrip().startswith(("[", "{")):
        rows, skipped = _json_rows(text, source)
    else:
        rows, skipped = _csv_rows(text, source)
    styles: dict[str, Style] = {}
    for where, name, prompt, negative in rows:
        name = " ".join(name.split())
        if not name:
            skipped.append(f"{where}: no name")
        elif not prompt.strip() and not negative.strip():
            skipped.append(f"{where} (“{name}”): neither a prompt nor a negative prompt")
        elif name.casefold() in (known.casefold() for known in styles):
            skipped.append(f"{where} (“{name}”): the name is used above")
        else:
            styles[name] = Style(name, prompt.strip(), negative.strip())
    if not styles:
        why = f" ({skipped[0]}{' ...' if len(skipped) > 1 else ''})" if skipped else ""
        raise StyleError(f"{source} holds no style to import{why}.")
    folder = locations.user_styles_dir() if user_dir is None else user_dir
    target = folder / f"{_file_stem(source)}.toml"
    replaced = target.exists()
    import tomli_w

    document = {
        "style": [
            {"name": s.name, "prompt": s.prompt, **({"negative": s.negative} if s.negative else {})}
            for s in styles.values()
        ]
    }
    header = f"# Styles imported from {source.name} by `artisan styles import`.\n\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(target, (header + tomli_w.dumps(document)).encode("utf-8"))
    except OSError as error:
        raise StyleError(f"The styles could not be written to {target}: {error}.") from None
    kept = tuple(Style(s.name, s.prompt, s.negative, target) for s in styles.values())
    return Imported(target, kept, tuple(skipped), replaced)


Row = tuple[str, str, str, str]
"""Where it was, name, prompt, negative prompt."""


def _csv_rows(text: str, source: Path) -> tuple[list[Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
        raise StyleError(
            f"{source} is not a styles file: AUTOMATIC1111's styles.csv starts with the line "
            "name,prompt,negative_prompt, and an SDXL styler file is JSON."
        )
    rows: list[Row] = []
    skipped: list[str] = []
    try:
        for raw in reader:
            row = {(k or "").strip(): (v or "") for k, v in raw.items() if isinstance(v, str)}
            rows.append(
                (
                    f"line {reader.line_num}",
                    row.get("name", ""),
                    row.get("prompt", ""),
                    row.get("negative_prompt", ""),
                )
            )
    except csv.Error as error:
        raise StyleError(f"{source} cannot be read as CSV: {error}.") from None
    return rows, skipped


def _json_rows(text: str, source: Path) -> tuple[list[Row], list[str]]:
    data: Any = files.parse_json(text, source, files.STYLE_IMPORT)
    if isinstance(data, dict):
        data = data.get("styles", data.get("style"))
    if not isinstance(data, list):
        raise StyleError(
            f"{source} is not a style collection: an SDXL styler file is a JSON list of "
            '{"name": ..., "prompt": ..., "negative_prompt": ...}.'
        )
    rows: list[Row] = []
    skipped: list[str] = []
    for number, item in enumerate(data, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            skipped.append(f"{where}: not an object")
            continue
        values = [item.get(key, "") for key in ("name", "prompt", "negative_prompt")]
        if not all(isinstance(value, str) for value in values):
            skipped.append(f"{where}: name, prompt and negative_prompt must be text")
            continue
        rows.append((where, *values))
    return rows, skipped


def _user_styles(data: dict[str, Any], path: Path) -> list[Style]:
    return _styles_in(data, path, path)


def _styles_in(data: dict[str, Any], path: Path, source: Path | None) -> list[Style]:
    tables = data.get("style", [])
    where = f"Style file {path}"
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise StyleError(f"{where}: styles must be [[style]] tables.")
    styles = []
    for number, table in enumerate(tables, 1):
        name, prompt, negative = (table.get(k, "") for k in ("name", "prompt", "negative"))
        if not all(isinstance(v, str) for v in (name, prompt, negative)) or not name.strip():
            raise StyleError(
                f"{where}, style {number}: `name`, `prompt` and `negative` must be text, "
                "and the name not empty."
            )
        unknown = sorted(set(table) - {"name", "prompt", "negative"})
        if unknown:
            raise StyleError(
                f"{where}, style {name}: unknown key `{unknown[0]}` (a style has name, prompt, "
                "negative)."
            )
        styles.append(Style(" ".join(name.split()), prompt.strip(), negative.strip(), source))
    return styles


def _file_stem(source: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in source.stem.lower())
    return stem.strip("-") or "imported"
