"""The person's own phrase and style files: every `*.toml` of a folder, each read through
`artisan.files` and checked, one that cannot be used named and skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from artisan import files
from artisan.errors import ArtisanError

Found = TypeVar("Found")


def read_each(
    folder: Path,
    limits: files.Limits,
    what: str,
    read: Callable[[dict[str, Any], Path], Found],
    problems: list[str],
) -> Iterator[Found]:
    """What `read` makes of each TOML file of `folder`, in name order.

    A file that breaks a rule of `limits`, or that `read` refuses (an `ArtisanError` whose
    message names the file), adds a message to `problems` and is skipped.
    """
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.toml")):
        try:
            yield read(files.read_toml(path, limits), path)
        except FileNotFoundError:
            continue
        except files.FileProblem as problem:
            problems.append(f"{what} {problem}; it was skipped.")
        except ArtisanError as error:
            problems.append(str(error))
