"""Library search: matching, ranking, typos and narrowing as you type."""

from __future__ import annotations

from datetime import datetime, timedelta

from artisan.entry import PromptEntry
from artisan.search import SearchIndex


def entry(
    title: str,
    prompt: str = "",
    *,
    tags: tuple[str, ...] = (),
    idea: str = "",
    age_days: int = 0,
    favorite: bool = False,
) -> PromptEntry:
    made = PromptEntry.create(prompt or title, idea=idea, title=title, tags=list(tags))
    made.created = datetime.now().astimezone() - timedelta(days=age_days)
    made.favorite = favorite
    return made


def titles(results: list[PromptEntry]) -> list[str]:
    return [e.title for e in results]


def test_empty_query_lists_everything_in_order() -> None:
    entries = [entry("a"), entry("b")]
    assert SearchIndex(entries).search("  ") == entries


def test_case_insensitive_over_all_fields() -> None:
    index = SearchIndex(
        [
            entry("Harbour", "boats at dawn"),
            entry("City", "NEON signs in rain"),
            entry("Forest", "moss", tags=("misty",)),
            entry("Desert", "dunes", idea="an astronaut alone"),
        ]
    )
    assert titles(index.search("neon")) == ["City"]
    assert titles(index.search("MISTY")) == ["Forest"]
    assert titles(index.search("Astronaut")) == ["Desert"]
    assert titles(index.search("dawn boats")) == ["Harbour"]


def test_every_word_must_match() -> None:
    index = SearchIndex([entry("Neon city", "rain"), entry("Neon forest", "moss")])
    assert titles(index.search("neon rain")) == ["Neon city"]


def test_title_and_tag_hits_rank_above_prompt_hits() -> None:
    index = SearchIndex(
        [
            entry("Old harbour", "a sunset over boats", age_days=1),
            entry("Evening", "calm", tags=("sunset",), age_days=2),
            entry("Sunset beach", "waves", age_days=3),
        ]
    )
    assert titles(index.search("sunset")) == ["Sunset beach", "Evening", "Old harbour"]


def test_favourites_and_recency_break_ties() -> None:
    index = SearchIndex(
        [
            entry("Rain one", age_days=1),
            entry("Rain two", age_days=2, favorite=True),
            entry("Rain three", age_days=3),
        ]
    )
    assert titles(index.search("rain")) == ["Rain two", "Rain one", "Rain three"]


def test_typo_finds_the_close_word() -> None:
    index = SearchIndex([entry("Lonely surfer", "a surfer at dusk"), entry("Busy market")])
    assert titles(index.search("lonly")) == ["Lonely surfer"]
    assert titles(index.search("lonly surfr")) == ["Lonely surfer"]
    assert index.search("qqqqq") == []


def test_typing_narrows_and_deleting_widens() -> None:
    """Results stay right whether the query grows or shrinks, character by character."""
    entries = [entry("Golden hour"), entry("Gold leaf"), entry("Go board"), entry("Harbour")]
    index = SearchIndex(entries)
    expected = {
        "g": 3,
        "go": 3,
        "gol": 2,
        "gold": 2,
        "golde": 1,
        "golden": 1,
        "golden ": 1,
        "golden h": 1,
        "golden ho": 1,
    }
    for query, count in expected.items():
        assert len(index.search(query)) == count, query
    for query, count in reversed(expected.items()):
        assert len(index.search(query)) == count, query
    assert len(index.search("our")) == 2


def test_narrowing_after_a_typo_search_stays_correct() -> None:
    index = SearchIndex([entry("Lonely surfer"), entry("Lonesome road")])
    assert titles(index.search("lonly")) == ["Lonely surfer"]
    assert titles(index.search("lonlyxqz")) == []
    assert sorted(titles(index.search("lone"))) == ["Lonely surfer", "Lonesome road"]


def test_upsert_and_remove_keep_order_and_results() -> None:
    old, middle, new = entry("Old rain", age_days=3), entry("Mid", age_days=2), entry("New")
    index = SearchIndex([new, old])
    assert titles(index.search("rain")) == ["Old rain"]
    index.upsert(middle)
    assert titles(index.entries()) == ["New", "Mid", "Old rain"]
    middle.title = "Mid rain"
    index.upsert(middle)
    assert titles(index.search("rain")) == ["Mid rain", "Old rain"]
    index.remove(old.id)
    assert titles(index.search("rain")) == ["Mid rain"]
    assert len(index) == 2
