"""draft.json of any shape: the app always starts, the good parts are kept, nothing is lost."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from artisan import locations
from artisan.draft import Draft, PromptVersion, load_draft, save_draft
from fake_openai import FakeOpenAI
from tui_helpers import make_app, notifications, settle


def draft_file(content: Any) -> Path:
    path = locations.draft_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("versions", "words", "kept"),
    [
        ([{"text": 123}], "versions[0] has no text", []),
        ([{"text": None}], "versions[0] has no text", []),
        ([{"text": "kept", "usage": "lots"}], "versions[0].usage is text, not a number", ["kept"]),
        ([{"text": "kept", "usage": True}], "versions[0].usage is true or false", ["kept"]),
        ([{"text": "kept", "state": 5}], "versions[0].state is a number", ["kept"]),
        ("not a list", "versions is text, not a list", []),
    ],
)
def test_values_of_the_wrong_type_are_left_out_with_a_notice(
    versions: Any, words: str, kept: list[str]
) -> None:
    path = draft_file({"idea": "a harbour", "versions": versions, "current": 0})
    draft, notice = load_draft(path)
    assert notice is not None and words in notice
    assert draft.idea == "a harbour"
    assert [version.text for version in draft.versions] == kept
    aside = path.with_name("draft.json.damaged")
    assert notice.endswith(f"(the file is kept as {aside}).")
    assert json.loads(aside.read_text())["versions"] == versions


@pytest.mark.parametrize(
    "content",
    ["[1, 2, 3]", "null", '"text"', "{broken", "[" * 5000 + "]" * 5000, "\udcff"],
)
def test_a_draft_that_is_not_a_draft_starts_empty(content: str) -> None:
    path = locations.draft_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    draft, notice = load_draft(path)
    assert draft == Draft()
    assert notice is not None and "draft" in notice


def test_a_good_draft_round_trips(tmp_path: Path) -> None:
    draft = Draft(
        idea="a fox",
        target="dalle",
        versions=[PromptVersion(text="A fox.", usage=12, entry_id="abc")],
        current=0,
    )
    save_draft(tmp_path / "draft.json", draft)
    assert load_draft(tmp_path / "draft.json") == (draft, None)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_draft_that_is_a_fifo_does_not_hang() -> None:
    path = locations.draft_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    draft, notice = load_draft(path)
    assert draft == Draft()
    assert notice is not None and "named pipe" in notice


async def test_the_app_starts_with_what_could_be_read(server: FakeOpenAI) -> None:
    draft_file(
        {
            "idea": "a lighthouse",
            "versions": [{"text": None}, {"text": "A lighthouse at dusk.", "usage": "lots"}],
            "current": "last",
        }
    )
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.query_one("#idea", TextArea).text == "a lighthouse"
        assert app.prompt_pane.text == "A lighthouse at dusk."
        [notice] = [n for n in notifications(app) if "draft" in n.lower()]
        assert "wrong type" in notice
