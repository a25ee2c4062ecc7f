"""Ids and file names of any form: nothing outside the library is read or written, nothing
crashes, and only files named like an id are entries."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artisan.entry import PromptEntry
from artisan.errors import ArtisanError
from artisan.library import Library, is_entry_id

EXAMPLES = int(os.environ.get("ARTISAN_HOSTILE_EXAMPLES", "60"))
ANY_TEXT = st.text(
    st.characters(exclude_categories=["Cs"]), min_size=0, max_size=40
) | st.sampled_from(["..", "../x", "/etc/passwd", ".trash/x", "a\n", "A", "x" * 300, " a "])
FILE_NAME = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"),
    min_size=1,
    max_size=60,
).filter(lambda name: name not in (".", "..") and len(name.encode()) < 240)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ref=ANY_TEXT)
def test_any_reference_reaches_only_an_entry_of_the_library(ref: str) -> None:
    with tempfile.TemporaryDirectory() as home:
        root = Path(home)
        folder = root / "library"
        outside = root / "outside.toml"
        outside.write_text('id = "outside"\nprompt = "not in the library"\n')
        library = Library(folder)
        kept = library.add(PromptEntry.create("A kept prompt."))
        before = _snapshot(root)
        for act in (library.get, library.delete):
            try:
                found = act(ref)
            except ArtisanError:
                continue
            assert found.id == kept.id  # only a real entry can be reached
            break
        after = _snapshot(root)
        assert after["outside.toml"] == before["outside.toml"]
        assert all(name.startswith("library") or name == "outside.toml" for name in after)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=FILE_NAME)
def test_any_file_name_in_the_folder_is_loaded_or_left_alone(name: str) -> None:
    with tempfile.TemporaryDirectory() as home:
        folder = Path(home) / "library"
        library = Library(folder)
        kept = library.add(PromptEntry.create("A kept prompt."))
        odd = folder / name
        try:
            odd.write_text('id = "odd"\nprompt = "a prompt in an oddly named file"\n')
        except OSError:
            return  # a name this filesystem refuses cannot be in the library either
        report = library.load()
        ids = [entry.id for entry in library.entries()]
        assert kept.id in ids
        for entry_id in ids:
            assert is_entry_id(entry_id)
            assert (folder / f"{entry_id}.toml").is_file()
        if name.endswith(".toml") and is_entry_id(name[: -len(".toml")]):
            assert name[: -len(".toml")] in ids
        else:
            assert len(ids) == 1  # not an entry: left where it is
        assert all(isinstance(problem, str) for problem in report.problems)
