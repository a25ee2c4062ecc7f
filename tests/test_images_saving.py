"""Saving renders: the folder is checked before paying, a render that cannot be saved is kept,
and renders of one prompt at once share one library entry."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from artisan import locations
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.images import ImageRequest, Stage, load_image_models, render_and_record, validate
from artisan.images.files import ImageFileError, inspect_image
from artisan.images.rendering import RenderProgress
from artisan.images.workflow import unsaved_images_dir
from artisan.library import Library
from conftest import TEST_KEY, RunCli
from fake_openai import FakeOpenAI

PROMPT = "A quiet harbour at dawn"


@pytest.fixture
def library() -> Library:
    return Library(locations.library_dir())


def settings_for(server: FakeOpenAI, images: Path, **changes: Any) -> Settings:
    settings = Settings(
        base_url=server.url,
        api_key=TEST_KEY,
        image_base_url=server.url,
        image_api_key=TEST_KEY,
        images_dir=str(images),
        timeout=10,
    )
    return dataclasses.replace(settings, **changes)


def checked(prompt: str = PROMPT, n: int = 1) -> Any:
    return validate(ImageRequest(prompt, "dall-e-2", n=n), load_image_models())


# The folder is checked before the request ------------------------------------------------------


async def test_a_folder_that_is_a_file_costs_no_request(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    images = tmp_path / "pictures"
    images.write_text("a file where the folder should be")
    with pytest.raises(ImageFileError, match="it is a file, not a folder"):
        await render_and_record(settings_for(server, images), checked(), library)
    assert server.image_requests() == []
    assert not library.folder.exists() or list(library.folder.glob("*.toml")) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder nobody can write")
async def test_a_folder_that_cannot_be_written_costs_no_request(
    server: FakeOpenAI, library: Library
) -> None:
    """/proc exists and is a folder, yet no file can be made in it, even by root."""
    with pytest.raises(ImageFileError) as caught:
        await render_and_record(settings_for(server, Path("/proc")), checked(), library)
    assert "Cannot save images in /proc" in str(caught.value)
    assert "Nothing was sent" in str(caught.value)
    assert server.image_requests() == []
    assert [p.name for p in Path("/proc").glob(".artisan-probe-*")] == []


def test_the_cli_says_so_before_sending(cli: RunCli, online: FakeOpenAI, tmp_path: Path) -> None:
    images = tmp_path / "pictures"
    images.write_text("not a folder")
    result = cli("image", PROMPT, "-o", str(images / "sub"))
    assert result.code == 1
    assert "Cannot" in result.err and str(images) in result.err
    assert online.image_requests() == []


async def test_the_probe_leaves_nothing_behind(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    images = tmp_path / "pictures"
    outcome = await render_and_record(settings_for(server, images), checked(), library)
    assert sorted(p.name for p in images.iterdir()) == [outcome.images[0].path.name]


# A render that cannot be saved is kept ---------------------------------------------------------


async def test_a_render_that_cannot_be_saved_is_kept_and_the_error_says_where(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """The folder passes the check, then goes away (a drive unplugged) before the images are
    written: both images are kept in the data folder, and the error names them."""
    images = tmp_path / "pictures"

    def unplug(progress: RenderProgress) -> None:
        if progress.stage is Stage.SAVING and images.is_dir():
            shutil.rmtree(images)
            images.write_text("the drive is gone")

    with pytest.raises(ImageFileError) as caught:
        await render_and_record(
            settings_for(server, images), checked(n=2), library, on_progress=unplug
        )
    kept = sorted(unsaved_images_dir().iterdir())
    assert len(kept) == 2
    assert all(inspect_image(path.read_bytes()).format == "png" for path in kept)
    message = str(caught.value)
    assert f"Cannot save images in {images}" in message
    assert "The rendered images are kept at " in message
    assert all(str(path) in message for path in kept)
    assert len(server.image_requests()) == 1


# Renders of one prompt at once -----------------------------------------------------------------


async def test_four_renders_of_one_prompt_at_once_make_one_entry(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    settings = settings_for(server, tmp_path / "pictures")
    outcomes = await asyncio.gather(
        *(render_and_record(settings, checked(), Library(library.folder)) for _ in range(4))
    )
    library.load()
    [entry] = library.entries()
    assert entry.prompt == PROMPT
    assert len(entry.images) == 4
    assert sorted(image.path for image in entry.images) == sorted(
        str(outcome.images[0].path) for outcome in outcomes
    )
    assert sum(outcome.saved_entry for outcome in outcomes) == 1
    assert {outcome.entry.id for outcome in outcomes if outcome.entry} == {entry.id}
    assert all(outcome.entry for outcome in outcomes)


async def test_a_saved_entry_passed_in_keeps_its_images(
    server: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    """An entry already saved under another text is linked, not duplicated by its text."""
    entry = library.add(PromptEntry.create("An older wording", idea="harbour"))
    settings = settings_for(server, tmp_path / "pictures")
    outcome = await render_and_record(settings, checked(), library, entry=entry)
    assert not outcome.saved_entry
    assert outcome.entry is not None and outcome.entry.id == entry.id
    library.load()
    assert [e.id for e in library.entries()] == [entry.id]


FOUR_PROCESSES = """
set -e
for i in 1 2 3 4; do
  "$PY" -m artisan image "$PROMPT" --save > /dev/null 2>"$ERR.$i" &
done
wait
"""


@pytest.mark.slow
def test_four_cli_renders_at_once_make_one_entry(
    online: FakeOpenAI, tmp_path: Path, library: Library
) -> None:
    env = {**os.environ, "PY": sys.executable, "PROMPT": PROMPT, "ERR": str(tmp_path / "err")}
    subprocess.run(["sh", "-c", FOUR_PROCESSES], env=env, check=True, timeout=120)
    library.load()
    [entry] = library.entries()
    assert len(entry.images) == 4
    assert len(online.image_requests()) == 4
