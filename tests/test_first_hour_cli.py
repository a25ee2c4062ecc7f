"""The command line's part of the first hour, the second time round: what it says when
nothing matches, and warnings said once."""

from __future__ import annotations

import pytest

from conftest import RunCli
from tui_helpers import fill_library


def test_nothing_matched_is_not_an_empty_library(cli: RunCli) -> None:
    """With 11 prompts saved, a search or a tag that finds none says so, and both exit 1."""
    fill_library(11)
    search = cli("library", "search", "zebra")
    assert search.code == 1
    assert "No saved prompts." not in search.err
    assert "Nothing among the 11 saved prompts matches “zebra”." in search.err
    tagged = cli("library", "list", "--tag", "nosuchtag")
    assert tagged.code == 1
    assert "None of the 11 saved prompts has the tag #nosuchtag." in tagged.err
    favourites = cli("library", "list", "--favorites", "--tag", "sea")
    assert favourites.code == 0


def test_an_empty_library_says_so(cli: RunCli) -> None:
    result = cli("library", "list")
    assert result.code == 0
    assert "No saved prompts yet" in result.err


@pytest.mark.by_date
def test_a_retired_model_is_warned_about_once(cli: RunCli) -> None:
    """Two saved prompts rendered (dry run) with dall-e-3: one retirement warning, not one per
    prompt."""
    first, second = fill_library(2)
    result = cli("image", "--from", first.id, second.id, "-m", "dall-e-3", "--dry-run")
    assert result.code == 0, result.err
    assert result.err.count("dall-e-3 was retired") == 1


def test_every_wildcard_prompt_is_headed_by_its_idea(cli: RunCli) -> None:
    """`prompt ... -n 3` heads the first prompt with its expansion, as the second and third."""
    result = cli("prompt", "a {red|blue|green} car at dusk", "-n", "3", "--seed", "4")
    assert result.code == 0, result.err
    heads = [line for line in result.out.splitlines() if line.startswith("Prompt ")]
    assert [head.split(" (")[0] for head in heads] == ["Prompt 1", "Prompt 2", "Prompt 3"]
    assert result.out.startswith("Prompt 1 (a ")
    ideas = sorted(head.split(" (", 1)[1].rstrip("):") for head in heads)
    assert ideas == ["a blue car at dusk", "a green car at dusk", "a red car at dusk"]
