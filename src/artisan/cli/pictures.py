"""`artisan library import PICTURE...`: the prompts pictures carry, read back into the library.

Each picture's own metadata is read (AUTOMATIC1111's `parameters`, ComfyUI's workflow,
artisan's chunk, EXIF UserComment; see `artisan.images.readback`): its prompt becomes a library
entry (or is linked to the entry that already holds it) with the picture as its image, the
negative prompt and the settings in the image's record. Nothing is sent and nothing is paid. A
picture that says nothing of how it was made is named, with what to do instead (`describe`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from artisan.cli.output import say, warn
from artisan.errors import ArtisanError
from artisan.images.readback import is_picture

if TYPE_CHECKING:
    from artisan.library import Library

__all__ = ["import_pictures", "is_picture"]


def import_pictures(library: Library, paths: list[Path]) -> int:
    """Add the prompt of each picture; exit status 1 when none could be read."""
    from artisan import files
    from artisan.images.readback import picture_entry, read_picture

    added = linked = 0
    failed = []
    for path in paths:
        try:
            found = read_picture(path)
        except FileNotFoundError:
            failed.append(f"There is no picture at {path}.")
            continue
        except files.FileProblem as problem:
            failed.append(str(problem))
            continue
        if found is None:
            failed.append(
                f"{path} says nothing of the prompt that made it; `artisan describe {path}` "
                "asks a model that can see."
            )
            continue
        if found.entry and _known(library, found.entry):
            say(f"{path.name}: already in the library as {found.entry}", err=True)
            continue
        entry, record = picture_entry(path, found)
        try:
            saved, new = library.find_or_add(entry)
            if not any(image.path == record.path for image in saved.images):
                library.save_image(saved.id, record)
        except ArtisanError as error:
            failed.append(f"{path}: {error}")
            continue
        added += new
        linked += not new
        verb = "saved as" if new else "linked to"
        say(f"{path.name}: {found.describe()}; {verb} {saved.id}", err=True)
    for message in failed:
        warn(message)
    say(
        f"read {added + linked} picture{'s' if added + linked != 1 else ''}: {added} new "
        f"prompt{'s' if added != 1 else ''}, {linked} already saved; nothing was sent",
        err=True,
    )
    return 1 if failed and not added + linked else 0


def _known(library: Library, entry_id: str) -> bool:
    try:
        library.get(entry_id)
    except ArtisanError:
        return False
    return True
