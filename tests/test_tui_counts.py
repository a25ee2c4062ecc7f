"""The count line under the Prompt pane: CLIP tokens for Stable Diffusion, words for the other
targets, updated as the person edits."""

from __future__ import annotations

from textual.widgets import TextArea

from tui_helpers import make_app, settle, wait_until


def count_line(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one("#prompt-count").render())


async def test_stable_diffusion_prompts_count_clip_tokens_and_edits_update_them() -> None:
    """A composer prompt for Stable Diffusion shows its CLIP tokens against 75; typing more
    words into the prompt raises the count, and past 75 the line says so."""
    app = make_app(engine="composer", target="stable-diffusion")
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a lighthouse in a storm")
        await pilot.press("ctrl+j")
        await settle(pilot)
        await wait_until(pilot, lambda: "CLIP tokens" in count_line(app), "the count line")
        first = int(count_line(app).split("/")[0])
        assert first <= 75 and count_line(app).endswith("/75 CLIP tokens · Stable Diffusion")
        app.prompt_pane.use_editor()
        editor = app.query_one("#prompt", TextArea)
        editor.move_cursor((0, 0))
        editor.insert("golden ornate elaborate filigree, " * 6)
        await wait_until(
            pilot, lambda: int(count_line(app).split("/")[0]) > 75, "the count to pass 75"
        )
        assert app.query_one("#prompt-count").has_class("-outside")


async def test_other_targets_count_words_against_their_range() -> None:
    """A FLUX prompt shows its words against FLUX's 30-80."""
    app = make_app(engine="composer", target="flux")
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#idea", TextArea).focus()
        await pilot.press(*"a fox in the snow")
        await pilot.press("ctrl+j")
        await settle(pilot)
        await wait_until(pilot, lambda: "words" in count_line(app), "the count line")
        assert count_line(app).endswith(" words (30-80) · FLUX")
        assert not app.query_one("#prompt-count").has_class("-outside")
