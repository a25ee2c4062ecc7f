"""Generated libraries of 100 to 100,000 prompts, written in artisan's own file format and
cached under `benchmarks/.data/` so that later runs reuse them.

Each library is written by artisan's own code (`PromptEntry.create` + `dumps_entry`), one
`<id>.toml` per prompt, into a folder that becomes `$ARTISAN_DATA_DIR/library/` of the measured
process. Content is deterministic (seeded by the size); dates are spread over the two years
before generation.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks import vocabulary as v
from benchmarks.paths import DATA

GENERATOR_VERSION = 2
"""Bump when the generated content changes, so cached libraries are rebuilt."""
CACHE_FILE = ".index.json"
READY = "READY"

Progress = Callable[[str], None]


def library(size: int, progress: Progress | None = None) -> Path:
    """The folder of a generated library with `size` prompts (made on first use), with a
    valid `.index.json` cache."""
    home = DATA / f"library-v{GENERATOR_VERSION}-{size}"
    folder = home / "library"
    if not (home / READY).is_file():
        _remove_outdated()
        if progress:
            progress(f"generating a library of {size:,} prompts in {home} (cached for next time)")
        _generate(home, size)
    ensure_warm(folder)
    return folder


def ensure_warm(folder: Path) -> None:
    """Make sure the library's cache is present and matches the files (a warm load)."""
    from artisan.library import Library

    library = Library(folder)
    report = library.load()
    if report.problems:
        raise RuntimeError(f"generated library {folder} has problems: {report.problems[:3]}")


def make_cold(folder: Path) -> None:
    """Delete the library's cache: the next load parses every file (a cold load)."""
    (folder / CACHE_FILE).unlink(missing_ok=True)


def scratch_copy(folder: Path, destination: Path) -> Path:
    """A copy of a library to write into, made of hard links (instant, no extra space).

    artisan replaces files atomically (a new inode each time), so writes to the copy never
    change the cached originals; the links keep size, inode and mtime, so the copied cache
    stays valid.
    """
    destination.mkdir(parents=True)
    with os.scandir(folder) as items:
        for item in items:
            if item.is_file():
                if item.name == CACHE_FILE:
                    shutil.copy2(item.path, destination / item.name)
                else:
                    os.link(item.path, destination / item.name)
    return destination


def _remove_outdated() -> None:
    """Libraries made by an older version of the generator are never used again."""
    current = f"library-v{GENERATOR_VERSION}-"
    for old in DATA.glob("library-v*-*"):
        if old.is_dir() and not old.name.startswith(current):
            shutil.rmtree(old, ignore_errors=True)


def _generate(home: Path, size: int) -> None:
    from artisan.entry import ImageRecord, PromptEntry
    from artisan.library import dumps_entry

    partial = home.with_name(home.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    folder = partial / "library"
    folder.mkdir(parents=True)
    rng = random.Random(size)
    anchor = datetime.now().astimezone().replace(microsecond=0)
    used: set[str] = set()
    for _ in range(size):
        idea = make_idea(rng) if rng.random() < 0.9 else ""
        title = make_title(rng) if rng.random() < 0.3 or not idea else ""
        entry = PromptEntry.create(
            make_prompt(rng),
            idea=idea,
            target=rng.choice(v.TARGETS),
            model=rng.choice(v.MODELS),
            title=title,
            tags=rng.sample(v.TAGS, rng.choice((0, 1, 1, 2, 2, 3, 4))),
            notes=rng.choice(v.NOTES) if rng.random() < 0.05 else "",
        )
        entry_id = f"{rng.getrandbits(40):010x}"
        while entry_id in used:
            entry_id = f"{rng.getrandbits(40):010x}"
        used.add(entry_id)
        entry.id = entry_id
        entry.favorite = rng.random() < 0.03
        entry.created = anchor - timedelta(seconds=rng.randrange(730 * 86400))
        entry.updated = entry.created
        if rng.random() < 0.2:
            entry.updated = min(anchor, entry.created + timedelta(days=rng.randrange(1, 60)))
        if rng.random() < 0.05:
            entry.images.append(
                ImageRecord(
                    path=f"/home/me/Pictures/artisan/{entry.created:%Y%m%d-%H%M%S}-{entry_id}.png",
                    model="gpt-image-2",
                    size="1024x1024",
                    revised_prompt=entry.prompt[:200],
                    created=entry.created,
                )
            )
        (folder / f"{entry_id}.toml").write_bytes(dumps_entry(entry))
    (partial / READY).write_text(f"{size}\n", encoding="utf-8")
    partial.rename(home)


def make_idea(rng: random.Random) -> str:
    """A rough idea as a person types it: "a red fox in a foggy harbour, moody"."""
    idea = f"{rng.choice(v.SUBJECTS)} {rng.choice(v.PLACES)}"
    if rng.random() < 0.4:
        idea += f", {rng.choice(v.MOODS)}"
    return idea


def make_title(rng: random.Random) -> str:
    return _cap(" ".join(rng.sample(v.TITLE_WORDS, rng.choice((1, 2, 2, 3)))).lower())


def make_prompt(rng: random.Random, low: int = 300, high: int = 800) -> str:
    """An image prompt of `low` to `high` characters, in sentences like a chat model writes."""
    goal = rng.randint(low, high)
    subject = rng.choice(v.SUBJECTS)
    sentences = [
        f"{_cap(rng.choice(v.STYLES))} of {subject} {rng.choice(v.PLACES)}, "
        f"bathed in {rng.choice(v.LIGHT)}."
    ]
    makers = (
        lambda: f"{_cap(rng.choice(v.DETAILS))}, and {rng.choice(v.DETAILS)}.",
        lambda: f"The mood is {rng.choice(v.MOODS)} and {rng.choice(v.MOODS)}.",
        lambda: (
            f"A palette of {rng.choice(v.COLOURS)}, {rng.choice(v.COLOURS)} and "
            f"{rng.choice(v.COLOURS)}."
        ),
        lambda: f"{_cap(rng.choice(v.CAMERA))}, {rng.choice(v.CAMERA)}.",
        lambda: f"{_cap(rng.choice(v.QUALITIES))}, {rng.choice(v.QUALITIES)}.",
        lambda: f"In the background, {rng.choice(v.SUBJECTS)} {rng.choice(v.PLACES)}.",
    )
    text = sentences[0]
    while len(text) < goal:
        sentence = rng.choice(makers)()
        if len(text) + 1 + len(sentence) > high:
            break
        text += " " + sentence
    return text


def _cap(text: str) -> str:
    """Upper-case the first letter only (`str.capitalize` would lower-case "Kodak")."""
    return text[:1].upper() + text[1:]


def long_text(words: int, seed: int = 0) -> str:
    """A prompt of exactly `words` words (single spaces), for streaming figures."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < words:
        out.extend(make_prompt(rng).split())
    return " ".join(out[:words])
