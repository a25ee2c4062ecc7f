"""Property tests: whatever the text, tags and extra keys, the library keeps them exactly (text
as it enters an entry: without control characters, escape sequences or bidirectional
controls)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artisan.entry import PromptEntry, normalize_tags
from artisan.library import Library, dumps_entry, loads_entry
from artisan.sanitize import cleaned
from artisan.search import SearchIndex
from artisan.transfer import export_entries

# Any text TOML can hold: every code point but surrogates (TOML strings are Unicode scalar
# values), including NUL, escape sequences, right-to-left and combining characters (the first
# three are removed as the text enters an entry).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
key = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda k: (
        k
        not in {
            "version",
            "id",
            "title",
            "prompt",
            "idea",
            "target",
            "model",
            "tags",
            "favorite",
            "created",
            "updated",
            "notes",
            "images",
        }
    )
)
toml_value = st.recursive(
    st.one_of(
        any_text, st.integers(-(2**63), 2**63 - 1), st.booleans(), st.floats(allow_nan=False)
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(key, children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    prompt=any_text.filter(str.strip),
    idea=any_text,
    title=any_text,
    tags=st.lists(any_text, max_size=5),
    extra=st.dictionaries(key, toml_value, max_size=4),
    favorite=st.booleans(),
)
def test_entry_round_trips_through_toml(
    prompt: str, idea: str, title: str, tags: list[str], extra: dict[str, object], favorite: bool
) -> None:
    entry = PromptEntry.create(prompt, idea=idea, title=title, tags=tags)
    entry.favorite = favorite
    entry.extra.update(extra)
    again = loads_entry(dumps_entry(entry), "x.toml")
    assert again == entry
    assert again.tags == [cleaned(tag) for tag in normalize_tags(tags)]
    assert (again.prompt, again.idea) == (cleaned(prompt), cleaned(idea))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompts=st.lists(any_text.filter(str.strip), min_size=1, max_size=5),
    extra=st.dictionaries(key, toml_value, max_size=3),
)
def test_library_save_load_and_cache_keep_everything(
    prompts: list[str], extra: dict[str, object]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        library = Library(Path(folder) / "library")
        saved = []
        for prompt in prompts:
            entry = PromptEntry.create(prompt)
            entry.extra.update(extra)
            saved.append(library.add(entry))
        for _ in range(2):  # the first load parses, the second comes from the cache
            fresh = Library(library.folder)
            assert fresh.load().problems == []
            assert sorted(fresh.entries(), key=lambda e: e.id) == sorted(saved, key=lambda e: e.id)


@settings(max_examples=60, deadline=None)
@given(prompts=st.lists(any_text.filter(str.strip), min_size=1, max_size=4))
def test_json_and_toml_exports_import_back(prompts: list[str]) -> None:
    import json
    import tomllib

    entries = [PromptEntry.create(p) for p in prompts]
    as_toml = tomllib.loads(export_entries(entries, "toml"))["prompts"]
    as_json = json.loads(export_entries(entries, "json"))["prompts"]
    for records in (as_toml, as_json):
        back = [PromptEntry.from_dict(record) for record in records]
        assert [e.prompt for e in back] == [cleaned(p) for p in prompts]
        assert [e.id for e in back] == [e.id for e in entries]


@settings(max_examples=100, deadline=None)
@given(prompt=any_text.filter(str.strip), query=any_text)
def test_search_never_fails_and_finds_substrings(prompt: str, query: str) -> None:
    entry = PromptEntry.create(prompt)
    index = SearchIndex([entry])
    index.search(query)  # any query is fine
    word = entry.prompt.split()[0] if entry.prompt.split() else ""
    if word:
        assert index.search(word) == [entry]
