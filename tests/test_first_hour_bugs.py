"""What a new user still tripped over in the first hour, the second time round: each bug
held by a test that failed before it was fixed."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from artisan import locations
from artisan.draft import Draft, Origin, PromptVersion, save_draft
from artisan.tui.app import ArtisanApp
from artisan.tui.screens.compare import CompareScreen
from fake_openai import Chat, FakeOpenAI
from tui_helpers import fill_library, make_app, settle, told, wait_until


def _draft(*texts: str, current: int) -> None:
    save_draft(
        locations.draft_file(),
        Draft(
            idea="a fox",
            target="dalle",
            versions=[PromptVersion(text=text, model="composer") for text in texts],
            current=current,
        ),
    )


async def test_the_version_label_follows_the_version_acted_on() -> None:
    """Two versions with the same text: alt+right from v4 to v5 says v5, and F3 and ctrl+s
    agree with it."""
    _draft("one", "two", "three", "same", "same", current=3)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        assert str(app.prompt_pane.border_subtitle).startswith("v4/5")
        await pilot.press("alt+right")
        await settle(pilot)
        assert app.workshop.current == 4
        assert str(app.prompt_pane.border_subtitle).startswith("v5/5")
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), "F3")
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.title_text.startswith("v5 generated, compared with v4")


async def test_an_edit_that_changes_nothing_makes_no_version() -> None:
    """A letter typed and taken out again leaves the version as it was: no `edited` version."""
    _draft("a quiet harbour at dawn", current=0)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        app.prompt_pane.stream.focus()
        await pilot.pause()
        editor = app.query_one("#prompt", TextArea)
        await wait_until(pilot, lambda: app.focused is editor, "the editor")
        await pilot.press("x")
        await wait_until(pilot, lambda: len(app.workshop.versions) == 2, "an edited version")
        await pilot.press("backspace")
        await wait_until(pilot, lambda: len(app.workshop.versions) == 1, "the edit undone")
        await settle(pilot)
        assert app.workshop.current == 0
        assert app.workshop.version is not None
        assert app.workshop.version.origin is Origin.GENERATED
        assert str(app.prompt_pane.border_subtitle).startswith("v1/1 generated")


async def test_the_variations_border_speaks_of_the_version_shown() -> None:
    """ "4 done" belongs to the version the variations were written from: refining or loading
    an entry shows a version without them, and a border without the count."""
    fill_library(1)
    app = make_app(engine="composer", variations=4)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a fox", "ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "4 done" in str(app.variations_pane.border_subtitle)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"moodier", "enter")
        await settle(pilot)
        assert app.workshop.current == 1
        assert "done" not in str(app.variations_pane.border_subtitle)
        await pilot.press("alt+left")
        await settle(pilot)
        assert "4 done" in str(app.variations_pane.border_subtitle)
        app.library_pane.list.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.workshop.versions) == 3, "the entry loaded")
        await settle(pilot)
        assert "done" not in str(app.variations_pane.border_subtitle)


async def _typed_in_one_read(app: ArtisanApp, data: str) -> None:
    """Post the keys of `data` as the terminal driver does with one read: parsed all at once,
    each posted to the app without waiting for the one before."""
    from textual._xterm_parser import XTermParser

    for message in XTermParser().feed(data):
        app.post_message(message)


async def test_backspace_and_the_next_keys_in_one_read_keep_their_order() -> None:
    """`7f 41 42` typed into "abc" in one read gives "abAB" (Textual gave "abcA"), in the Idea
    pane, the Prompt editor and the library's search box."""
    _draft("abc", current=0)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        app.idea_pane.idea = "abc"
        app.idea_pane.editor.focus()
        await pilot.pause()
        await _typed_in_one_read(app, "\x7fAB")
        await wait_until(pilot, lambda: len(app.idea_pane.idea) == 4, "the keys handled")
        await settle(pilot)
        assert app.idea_pane.idea == "abAB"

        app.prompt_pane.stream.focus()
        await pilot.pause()
        editor = app.query_one("#prompt", TextArea)
        await wait_until(pilot, lambda: app.focused is editor, "the prompt editor")
        await _typed_in_one_read(app, "\x7f\x7fXY")
        await wait_until(pilot, lambda: "Y" in editor.text and len(editor.text) <= 3, "in order")
        await settle(pilot)
        assert editor.text == "aXY"

        box = app.library_pane.search_box
        box.focus()
        await pilot.pause()
        await _typed_in_one_read(app, "cat\x7fr")
        await wait_until(pilot, lambda: len(box.value) == 3 and "r" in box.value, "in order")
        assert box.value == "car"


async def test_a_library_write_that_fails_unexpectedly_is_reported_not_fatal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a library write (here: favouring an entry) is one notice and a traceback in
    the log; the app carries on."""
    from artisan.library import Library

    def broken(self: Library, ref: str, change: object) -> None:
        raise RuntimeError("the disk caught fire")

    fill_library(1)
    monkeypatch.setattr(Library, "update", broken)
    app = make_app(engine="composer")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(app.library_pane.list.entries) == 1, "listed")
        app.library_pane.list.focus()
        await pilot.press("f")
        await wait_until(
            pilot,
            lambda: any("Unexpected error: RuntimeError" in n for n in told(app)),
            "the report",
        )
        assert app.is_running
    [record] = [r for r in caplog.records if r.name == "artisan" and r.exc_info]
    assert "the disk caught fire" in str(record.exc_info[1] if record.exc_info else "")


async def test_stepping_while_a_prompt_streams_says_why_nothing_moves(server: FakeOpenAI) -> None:
    """alt+left while an answer streams moves neither what is shown nor what the actions work
    on, and says why."""
    _draft("one", "two", current=1)
    server.queue_chat(Chat(text=" ".join(["word"] * 40), delay=0.05))
    app = make_app(server)
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: "word" in app.prompt_pane.shown_text, "streaming")
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: any("being written" in n for n in told(app)), "told")
        assert app.workshop.current == 1
        await settle(pilot)
        assert app.workshop.current == 2
        assert str(app.prompt_pane.border_subtitle).startswith("v3/3")
