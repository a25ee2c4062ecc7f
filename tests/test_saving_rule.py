"""One rule for every way of saving a prompt, held by one table: ctrl+s in the app, `artisan
prompt --save` and a render all keep the same text for the same target as the same entry, and
say which it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from artisan import locations
from artisan.config import Settings
from artisan.draft import Draft, PromptVersion, save_draft
from artisan.entry import PromptEntry
from artisan.images import ImageRequest, load_image_models, render_and_record, validate
from artisan.library import Library
from conftest import TEST_KEY, RunCli
from fake_openai import Chat, FakeOpenAI
from tui_helpers import make_app, notifications, settle, wait_until

DAWN = "A red fox in fresh snow at dawn, low golden light."


@dataclass(frozen=True)
class Case:
    name: str
    saved_before: tuple[tuple[str, str], ...]
    """(text, target) of the entries in the library before."""
    text: str
    target: str
    added: bool
    """Whether a new entry is made (else the first entry saved before is the one)."""


CASES = [
    Case("an empty library", (), DAWN, "dalle", added=True),
    Case("the same text for the same target", ((DAWN, "dalle"),), DAWN, "dalle", added=False),
    Case("the same text for another target", ((DAWN, "flux"),), DAWN, "dalle", added=True),
    Case("another text for the same target", (("A fox at dusk.", "dalle"),), DAWN, "dalle", True),
    Case(
        "the same text among others",
        ((DAWN, "dalle"), ("A fox at dusk.", "dalle"), (DAWN, "flux")),
        DAWN,
        "dalle",
        added=False,
    ),
]


def _library_before(case: Case) -> list[PromptEntry]:
    library = Library(locations.library_dir())
    return [
        library.add(PromptEntry.create(text, idea="a fox", target=target))
        for text, target in case.saved_before
    ]


def _check_library(case: Case, before: list[PromptEntry], kept_id: str) -> None:
    library = Library(locations.library_dir())
    library.load()
    assert len(library) == len(before) + case.added
    kept = library.get(kept_id)
    assert kept.prompt.strip() == case.text and kept.target == case.target
    if not case.added:
        assert kept_id == before[0].id


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_ctrl_s(case: Case) -> None:
    before = _library_before(case)
    version = PromptVersion(text=case.text, target=case.target, model="gpt-5.4-mini")
    save_draft(
        locations.draft_file(),
        Draft(idea="a fox", target=case.target, versions=[version], current=0),
    )
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.workshop.versions[0].entry_id, "saved")
        await settle(pilot)
        kept_id = app.workshop.versions[0].entry_id
        assert kept_id is not None
        said = "is already saved as" if not case.added else "Saved the prompt (v1, generated)"
        assert any(said in n and kept_id in n for n in notifications(app))
    _check_library(case, before, kept_id)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_prompt_save(case: Case, cli: RunCli, online: FakeOpenAI) -> None:
    before = _library_before(case)
    online.queue_chat(Chat(text=case.text))
    result = cli("prompt", "a fox", "-t", case.target, "--save")
    assert result.code == 0, result.err
    said = result.err.strip().splitlines()[-1]
    assert said.startswith("saved as" if case.added else "already saved as")
    kept_id = said.split()[2] if case.added else said.split()[3]
    _check_library(case, before, kept_id)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_render(case: Case, server: FakeOpenAI, tmp_path: Path) -> None:
    before = _library_before(case)
    settings = Settings(
        image_base_url=server.url, image_api_key=TEST_KEY, images_dir=str(tmp_path / "pictures")
    )
    checked = validate(ImageRequest(case.text, "gpt-image-2"), load_image_models())
    entry = PromptEntry.create(case.text, idea="a fox", target=case.target)
    outcome = await render_and_record(
        settings, checked, Library(locations.library_dir()), entry=entry
    )
    assert outcome.entry is not None
    assert outcome.saved_entry is case.added
    _check_library(case, before, outcome.entry.id)
