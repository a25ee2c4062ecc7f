"""How an answer stands and ended: one set of words in draft.json, one wording on screen and on
the command line."""

from __future__ import annotations

import json
from pathlib import Path

from artisan import locations
from artisan.draft import Draft, PromptVersion, Variation, load_draft, save_draft
from artisan.state import State
from conftest import RunCli
from fake_openai import Chat, FakeOpenAI
from tui_helpers import make_app, screen_text, settle


def write_raw_draft(path: Path, versions: list[dict[str, object]]) -> None:
    path.write_text(json.dumps({"format": 2, "idea": "a fox", "versions": versions}))


def test_a_draft_written_before_reads_its_states_and_writes_the_same_words(
    tmp_path: Path,
) -> None:
    path = tmp_path / "draft.json"
    write_raw_draft(
        path,
        [
            {
                "text": "A fox in snow.",
                "state": "truncated",
                "variations": [
                    {"text": "one", "state": "done"},
                    {"text": "two", "state": "error", "error": "refused"},
                    {"text": "three", "state": "streaming"},
                ],
            },
            {"text": "Edited by hand.", "state": "edited"},
        ],
    )
    draft, notice = load_draft(path)
    assert notice is None
    first, second = draft.versions
    assert first.state is State.TRUNCATED
    assert [item.state for item in first.variations] == [
        State.DONE,
        State.ERROR,
        State.STREAMING,
    ]
    assert second.state is State.DONE  # the first format's "edited"
    save_draft(path, draft)
    written = json.loads(path.read_text())
    assert [version["state"] for version in written["versions"]] == ["truncated", "done"]
    assert [item["state"] for item in written["versions"][0]["variations"]] == [
        "done",
        "error",
        "streaming",
    ]


def test_a_state_artisan_does_not_know_keeps_the_text_and_is_named(tmp_path: Path) -> None:
    path = tmp_path / "draft.json"
    write_raw_draft(path, [{"text": "Kept all the same.", "state": "pondering"}])
    draft, notice = load_draft(path)
    [version] = draft.versions
    assert version.text == "Kept all the same." and version.state is State.DONE
    assert notice is not None and "versions[0].state 'pondering' is not one artisan knows" in (
        notice
    )


def test_every_ending_has_its_words_and_nothing_running_has_any() -> None:
    for state in State:
        if state.running or state is State.DONE:
            assert state.ending == "" and state.with_reason() == state.value
        else:
            assert state.ending and state.with_reason() == f"{state.value}: {state.ending}"
    assert State.CANCELLED.sentence() == "It was stopped."
    assert State.INTERRUPTED.sentence("the server stopped sending") == (
        "The server stopped sending."
    )


async def test_the_variations_pane_says_how_each_ended_in_the_one_wording() -> None:
    """Variations left truncated, cut off and stopped (no note of their own) by the last
    session: each row says how it ended in the words `State` keeps."""
    ended = [State.TRUNCATED, State.INTERRUPTED, State.CANCELLED]
    version = PromptVersion(
        text="A fox in snow.",
        target="dalle",
        variations=[Variation(text=f"Take {n}.", state=s) for n, s in enumerate(ended, 1)],
    )
    save_draft(locations.draft_file(), Draft(idea="a fox", versions=[version], current=0))
    app = make_app(engine="composer")
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        shown = " ".join(screen_text(app).split())
    for state in ended:
        assert f"({state.with_reason()})" in shown


def test_the_command_line_says_how_a_variation_ended_in_the_one_wording(
    cli: RunCli, online: FakeOpenAI
) -> None:
    online.queue_chat(
        Chat(text="A fox in snow, whole."), Chat(text="A fox in", finish="content_filter")
    )
    result = cli("prompt", "a fox", "-n", "1")
    assert result.code == 1
    assert f"variation 1 is {State.FILTERED.with_reason()}." in result.err
    assert "variations: 1 finished: 1 filtered." in result.err
