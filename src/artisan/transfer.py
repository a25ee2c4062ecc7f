"""Export the library to one file (TOML, JSON or Markdown) and import it back.

TOML and JSON exports hold every key of every entry, unknown keys included, so an export imported
into an empty library gives the same files back. Markdown is for reading and sharing, not for
importing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artisan import files
from artisan.entry import EntryFormatError, PromptEntry, json_default
from artisan.errors import TransferError
from artisan.library import Library, dumps_entry, toml_text

FORMATS = ("toml", "json", "md")
EXPORT_VERSION = 1
_ENTRY_DEPTH = files.LIBRARY_ENTRY.max_depth


def export_entries(entries: list[PromptEntry], fmt: str) -> str:
    """The entries as one document in the given format."""
    if fmt == "toml":
        return toml_text(
            {"version": EXPORT_VERSION, "prompts": [entry.to_dict() for entry in entries]}
        )
    if fmt == "json":
        document = {"version": EXPORT_VERSION, "prompts": [entry.to_dict() for entry in entries]}
        return json.dumps(document, indent=2, ensure_ascii=False, default=json_default) + "\n"
    if fmt == "md":
        return _markdown(entries)
    raise TransferError(f"Unknown export format `{fmt}`; use one of {', '.join(FORMATS)}.")


def format_for_path(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    return {"toml": "toml", "json": "json", "md": "md", "markdown": "md"}.get(suffix)


@dataclass
class ImportReport:
    added: list[PromptEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Ids of entries already in the library (same id, or the same prompt text)."""
    problems: list[str] = field(default_factory=list)


def import_file(library: Library, path: Path) -> ImportReport:
    """Add the entries of a TOML or JSON export to the library.

    Ids are kept. An entry whose id is already used, or whose prompt text is already saved, is
    skipped. A malformed entry, or one the library could not read back (bigger or more deeply
    nested than a library file may be, or holding a value TOML cannot write, such as JSON's
    null), is reported and the others are still imported.

    Raises:
        TransferError: the file cannot be read, breaks a rule of `artisan.files`, or is
            neither TOML nor JSON.
    """
    records = _read_records(path)
    library.load()
    known_ids = {entry.id for entry in library.entries()}
    known_prompts = {entry.prompt.strip() for entry in library.entries()}
    report = ImportReport()
    for index, record in enumerate(records, start=1):
        where = f"{path.name}: prompt {index}"
        if not isinstance(record, dict):
            report.problems.append(f"{where} is not a table; skipped.")
            continue
        if files.nesting_depth(record, _ENTRY_DEPTH) > _ENTRY_DEPTH:
            report.problems.append(
                f"{where} is nested more deeply than a library file may be "
                f"({_ENTRY_DEPTH} levels); skipped."
            )
            continue
        try:
            entry = PromptEntry.from_dict(record, where)
            size = len(dumps_entry(entry))
        except EntryFormatError as error:
            report.problems.append(f"{error}; skipped.")
            continue
        except (TypeError, ValueError) as error:
            report.problems.append(
                f"{where} holds a value a library file cannot: {error}; skipped."
            )
            continue
        if size > files.LIBRARY_ENTRY.max_bytes:
            report.problems.append(
                f"{where} is larger ({files.show_size(size)}) than a library file may be "
                f"({files.show_size(files.LIBRARY_ENTRY.max_bytes)}); skipped."
            )
            continue
        if entry.id in known_ids or entry.prompt.strip() in known_prompts:
            report.skipped.append(entry.id)
            continue
        library.add(entry)
        known_ids.add(entry.id)
        known_prompts.add(entry.prompt.strip())
        report.added.append(entry)
    return report


def _read_records(path: Path) -> list[Any]:
    fmt = format_for_path(path)
    if fmt == "md":
        raise TransferError("Markdown exports are for reading; import a TOML or JSON export.")
    try:
        text = files.read_text(path, files.IMPORT)
    except FileNotFoundError:
        raise TransferError(f"Cannot read {path}: there is no such file.") from None
    except files.FileProblem as problem:
        raise TransferError(f"{problem}.") from None
    data: Any = None
    problems: list[files.FileProblem] = []
    for reader in (
        (files.parse_json, files.parse_toml)
        if fmt == "json" or text.lstrip()[:1] in "[{"
        else (files.parse_toml, files.parse_json)
    ):
        try:
            data = reader(text, path, files.IMPORT)
            break
        except files.FileProblem as problem:
            problems.append(problem)
    else:
        deep = [problem for problem in problems if problem.rule == "too-deep"]
        if deep:
            raise TransferError(f"{deep[0]}.")
        raise TransferError(f"{path} is neither a TOML nor a JSON export ({problems[0].reason}).")
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("prompts"), list):
            return list(data["prompts"])
        if "prompt" in data:
            return [data]  # a single library file
    raise TransferError(f"{path} holds no prompts (expected a `prompts` list).")


def _markdown(entries: list[PromptEntry]) -> str:
    lines = ["# artisan prompts", ""]
    for entry in entries:
        star = "★ " if entry.favorite else ""
        lines.append(f"## {star}{_md_line(entry.title)}")
        lines.append("")
        facts = [f"id `{entry.id}`"]
        if entry.target:
            facts.append(f"target {entry.target}")
        if entry.model:
            facts.append(f"model {entry.model}")
        facts.append(f"saved {entry.created:%Y-%m-%d %H:%M}")
        if entry.tags:
            facts.append("tags " + ", ".join(f"#{tag}" for tag in entry.tags))
        lines.append(" · ".join(facts))
        lines.append("")
        if entry.idea:
            lines.extend(["**Idea:** " + _md_line(entry.idea), ""])
        fence = "```"
        while fence in entry.prompt:
            fence += "`"
        lines.extend([fence + "text", entry.prompt, fence, ""])
        if entry.notes:
            lines.extend([entry.notes, ""])
        for image in entry.images:
            lines.append(f"- image: `{image.path}` ({image.model} {image.size})")
        if entry.images:
            lines.append("")
    return "\n".join(lines)


def _md_line(text: str) -> str:
    return " ".join(text.split())
