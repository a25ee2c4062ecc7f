"""What a new user still tripped over in the first hour, the second time round: each bug
held by a test that failed before it was fixed."""

from __future__ import annotations

from textual.widgets import TextArea

from artisan import locations
from artisan.draft import Draft, Origin, PromptVersion, save_draft
from artisan.tui.screens.compare import CompareScreen
from tui_helpers import make_app, settle, wait_until


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
