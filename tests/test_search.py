"""Library search: matching on word starts, ranking, typos and narrowing as you type."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert titles(index.search("ha")) == ["Harbour"]


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


def test_an_entry_added_while_a_search_is_typed_is_found_as_it_goes_on() -> None:
    index = SearchIndex([entry("Old rain", age_days=3)])
    assert titles(index.search("rai")) == ["Old rain"]
    index.upsert(entry("New rain"))
    assert titles(index.search("rain")) == ["New rain", "Old rain"]  # "rain" narrows "rai"


def test_titles_more_than_one_entry_has_follow_adds_renames_and_removals() -> None:
    first, second = entry("Harbour", age_days=1), entry("Harbour")
    index = SearchIndex([first])
    assert set(index.shared_titles) == set()
    index.upsert(second)
    assert set(index.shared_titles) == {"Harbour"}
    second.title = "Harbour at dawn"  # renamed in place, as a library update does
    index.upsert(second)
    assert set(index.shared_titles) == set()
    index.upsert(entry("Harbour at dawn", age_days=2))
    assert set(index.shared_titles) == {"Harbour at dawn"}
    index.remove(second.id)
    assert set(index.shared_titles) == set()
    assert titles(index.entries()) == ["Harbour", "Harbour at dawn"]


def test_words_match_where_a_word_starts_never_inside_one() -> None:
    index = SearchIndex(
        [
            entry("Cat nap", "A ginger cat asleep in the sun."),
            entry("Catalina", "Boats off Catalina island."),
            entry("Education poster", "Books and pencils for education."),
            entry("Autumn", "Scattered leaves on a wet pavement.", tags=("vacation",)),
        ]
    )
    assert titles(index.search("cat")) == ["Cat nap", "Catalina"]
    assert titles(index.search("CAT")) == ["Cat nap", "Catalina"]
    assert titles(index.search("scat")) == ["Autumn"]
    assert titles(index.search("cation")) == []


def test_punctuation_separates_words() -> None:
    index = SearchIndex(
        [
            entry("Quote", 'He said "fox" (twice)\nthen\tleft—quietly, “softly”.'),
            entry("Code", "snake_case stays one word"),
        ]
    )
    for word in ("fox", "twice", "then", "left", "quietly", "softly"):
        assert titles(index.search(word)) == ["Quote"], word
    assert titles(index.search("snake_case")) == ["Code"]
    assert titles(index.search("#fox")) == ["Quote"]  # a tag sign is not part of a word


@pytest.mark.parametrize("warm", [False, True])
def test_a_typo_is_forgiven_in_every_field(warm: bool) -> None:
    index = SearchIndex(
        [
            entry("Keeper", "Portrait of an old lighthouse keeper."),
            entry("Fox", "A red fox in deep snow.", tags=("wildlife",)),
            entry("Village", "Pastel houses by the sea.", idea="a seaside village painted loosely"),
            entry("Lonely surfer", "A surfer at dusk."),
        ]
    )
    if warm:
        index.warm()
    assert titles(index.search("portait")) == ["Keeper"]  # prompt
    assert titles(index.search("wildlfe")) == ["Fox"]  # tag
    assert titles(index.search("loosly")) == ["Village"]  # idea
    assert titles(index.search("lonly")) == ["Lonely surfer"]  # title
    assert titles(index.search("lonly surfr")) == ["Lonely surfer"]
    assert titles(index.search("xortrait")) == []  # a typo keeps its first letter


def test_whole_words_rank_above_word_starts_above_typos() -> None:
    index = SearchIndex(
        [
            entry("Rainy street", "Wet cobbles.", age_days=1),
            entry("Rain", "A downpour.", age_days=2),
            entry("Rainbow", "Colours after the storm.", age_days=3),
            entry("Brain", "An anatomical drawing.", age_days=4),
        ]
    )
    # "rain" as a whole title word, then starting "rainy" and "rainbow" (newest first).
    assert titles(index.search("rain")) == ["Rain", "Rainy street", "Rainbow"]
    # No word starts with "rainx": the words most like it stand in, whole words only, the
    # closest first ("rain", then "rainy"; "rainbow" is too far).
    assert titles(index.search("rainx")) == ["Rain", "Rainy street"]


LABELLED: list[tuple[str, str, tuple[str, ...], str, str]] = [
    # title, prompt, tags, idea, age in days (as text, to keep the table readable)
    (
        "Cat on a windowsill",
        "A ginger cat asleep on a sunny windowsill, soft morning light.",
        ("cat", "cosy"),
        "",
        "1",
    ),
    (
        "Catalina island at dusk",
        "Aerial view of Catalina island at dusk, boats in the harbour, warm haze.",
        ("travel",),
        "",
        "2",
    ),
    (
        "Education poster",
        "A flat vector poster about education: books, a globe, pencils, bold colours.",
        ("vector",),
        "",
        "3",
    ),
    (
        "Autumn leaves",
        "Scattered autumn leaves on a wet pavement, top-down photograph.",
        ("autumn",),
        "",
        "4",
    ),
    (
        "Lighthouse keeper",
        "Portrait of an old lighthouse keeper in a wool sweater, weathered face, a north sea "
        "storm behind him.",
        ("portrait", "sea"),
        "an old man who keeps a lighthouse",
        "5",
    ),
    (
        "Stormy harbour",
        "Fishing boats tied up in a stormy harbour at night, rain, sodium lamps in puddles.",
        ("harbour", "night"),
        "",
        "6",
    ),
    (
        "Neon alley",
        "A narrow alley in Tokyo at night, neon reflections on wet asphalt, a lone figure "
        "with an umbrella, cinematic.",
        ("cyberpunk", "city"),
        "",
        "7",
    ),
    (
        "Fox in the snow",
        "A red fox leaping into deep snow, hunting a mouse, winter forest, telephoto shot.",
        ("wildlife",),
        "",
        "8",
    ),
    (
        "Foxglove meadow",
        "A meadow of purple foxgloves at golden hour, bees, soft bokeh.",
        ("flowers",),
        "",
        "9",
    ),
    (
        "Watercolour village",
        "Loose watercolour of a fishing village, pastel houses, washes bleeding into the sea.",
        ("watercolour",),
        "seaside village painted loosely",
        "10",
    ),
    (
        "Samurai in the rain",
        "A lone samurai standing in heavy rain, ink wash style, dramatic lighting.",
        ("ink", "japan"),
        "",
        "11",
    ),
    (
        "Golden hour portrait",
        "Head and shoulders portrait of a woman at golden hour, backlit hair, 85mm lens.",
        ("portrait",),
        "",
        "12",
    ),
    (
        "Lonely surfer",
        "A lonely surfer walking along an empty beach at dusk, long shadows.",
        ("beach",),
        "",
        "13",
    ),
    (
        "Desert highway",
        "An empty highway through the desert, heat shimmer, a single car, cinematic photograph.",
        (),
        "road trip loneliness",
        "14",
    ),
]

EXPECTED_FIRST: list[tuple[str, list[str], set[str]]] = [
    # query, the entries a person expects first (in this order), entries that must not appear
    (
        "cat",
        ["Cat on a windowsill", "Catalina island at dusk"],
        {"Education poster", "Autumn leaves"},
    ),
    ("fox", ["Fox in the snow", "Foxglove meadow"], set()),
    ("portrait", ["Golden hour portrait", "Lighthouse keeper"], set()),
    ("portait", ["Golden hour portrait", "Lighthouse keeper"], set()),
    ("golden", ["Golden hour portrait", "Foxglove meadow"], set()),
    ("lonly", ["Lonely surfer"], {"Desert highway", "Neon alley"}),
    ("harbor", ["Stormy harbour", "Catalina island at dusk"], set()),
    ("night rain", ["Stormy harbour"], {"Neon alley", "Samurai in the rain"}),
    ("sea", ["Lighthouse keeper", "Watercolour village"], set()),
    ("lighthous", ["Lighthouse keeper"], set()),
    ("watercolor", ["Watercolour village"], set()),
    ("ink samurai", ["Samurai in the rain"], set()),
    ("wildlfe", ["Fox in the snow"], set()),
    ("loosly", ["Watercolour village"], set()),
    ("road trip", ["Desert highway"], set()),
]


def labelled_library() -> list[PromptEntry]:
    return [
        entry(title, prompt, tags=tags, idea=idea, age_days=int(age))
        for title, prompt, tags, idea, age in LABELLED
    ]


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize(("query", "first", "never"), EXPECTED_FIRST)
def test_ranking_puts_first_what_a_person_expects(
    query: str, first: list[str], never: set[str], warm: bool
) -> None:
    index = SearchIndex(labelled_library())
    if warm:
        index.warm()
    found = titles(index.search(query))
    assert found[: len(first)] == first, found
    assert not never & set(found), found


def test_a_saved_entry_is_found_after_the_word_lists_were_made() -> None:
    index = SearchIndex(labelled_library())
    index.warm()
    index.upsert(entry("Zeppelin", "An airship over the quayside, sepia."))
    assert titles(index.search("zeppelin")) == ["Zeppelin"]
    assert titles(index.search("quaysid")) == ["Zeppelin"]
    assert titles(index.search("zepelin")) == ["Zeppelin"]


words_of_the_library = sorted(
    {word.strip(".,:").lower() for row in LABELLED for word in (row[0] + " " + row[1]).split()}
)
typed = st.lists(
    st.one_of(
        st.sampled_from(words_of_the_library),
        st.sampled_from(words_of_the_library).map(lambda w: w[: max(1, len(w) // 2)]),
        st.sampled_from(words_of_the_library).map(lambda w: w[:1] + w[2:]),  # a letter lost
    ),
    min_size=1,
    max_size=3,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(queries=st.lists(typed, min_size=1, max_size=4))
def test_every_way_of_searching_gives_the_same_results(queries: list[str]) -> None:
    """Typed character by character into one index (narrowing), with or without the word
    lists: the same results as a fresh index given the whole query."""
    typing_cold = SearchIndex(labelled_library())
    typing_warm = SearchIndex(labelled_library())
    typing_warm.warm()
    for query in queries:
        for end in range(1, len(query) + 1):
            cold = titles(typing_cold.search(query[:end]))
            warm = titles(typing_warm.search(query[:end]))
            fresh = titles(SearchIndex(labelled_library()).search(query[:end]))
            assert cold == warm == fresh, query[:end]
