"""Reading the files artisan did not write itself: bounded, checked, never a crash.

A library entry, config.toml, a theme, a target, image-models.toml, an import, the library's
`.index.json` and `draft.json` can all be edited by hand, copied from elsewhere, damaged, or
replaced by something that is not a file at all. Every reader of such a file goes through this
module, which checks, in this order and before any parser sees the text:

1. that the path is a regular file (a FIFO would block forever, `/dev/zero` never ends, a
   folder or a socket is a mistake), opened without blocking so that the check itself cannot
   hang; library files must not be symbolic links at all (see `read_bytes`);
2. that it is no bigger than the limit for its kind (`Limits.max_bytes`): the size is checked
   before reading, and no more than one byte past the limit is ever read, even from a file
   that grows meanwhile;
3. that it is UTF-8 text;
4. that it is not nested deeper than its kind allows (`Limits.max_depth`): a cheap scan of the
   text, with its strings and comments removed, counts the brackets and the parts of dotted
   keys. Python's TOML and JSON parsers recurse once per level, so a 2 KB file nested 1,000
   levels deep would otherwise raise `RecursionError`; and a dotted key of 20,000 parts costs
   the TOML parser seconds and gigabytes. After TOML parsing, the depth of the tables is checked
   once more (dotted keys and headers nest too), without recursion.

A file that breaks a rule raises `FileProblem`, whose message names the file and the rule; the
caller decides what that means (a library file is set aside, a theme is skipped, a broken
config.toml leaves the defaults in use), so one bad file is never fatal.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from artisan.errors import ArtisanError

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Limits:
    """How much of one kind of file artisan is willing to read."""

    what: str
    """The kind of file, for messages: "a library file"."""
    max_bytes: int
    max_depth: int
    """Tables and arrays inside one another, counting the document itself as one."""


LIBRARY_ENTRY = Limits("a library file", 1 * MIB, 32)
"""One saved prompt: a few KB of text and a few hundred bytes per image."""
LIBRARY_CACHE = Limits("the library cache", 512 * MIB, 48)
"""`.index.json`: every entry of the library; 100,000 entries take about 150 MB."""
IMPORT = Limits("an import file", 256 * MIB, 40)
"""An export of a whole library: entries inside a `prompts` list."""
CONFIG = Limits("a config file", 256 * KIB, 16)
THEME = Limits("a theme file", 64 * KIB, 8)
TARGET = Limits("a target file", 256 * KIB, 8)
IMAGE_MODELS = Limits("an image model table", 1 * MIB, 8)
DRAFT = Limits("a draft", 32 * MIB, 16)
"""`draft.json`: every version of the prompt and the variations of one session."""
IMAGE_METADATA = Limits("image metadata", 1 * MIB, 8)
"""The JSON artisan writes into an image it saves (read back from any image given to it)."""
SPENDING = Limits("the spending record", 64 * MIB, 3)
"""`spending.jsonl`: one line per render (about 250 bytes), so years of renders."""
EDITED_PROMPT = Limits("an edited prompt", LIBRARY_ENTRY.max_bytes, 1)
"""The prompt as the person's editor left it (artisan wrote the file; the editor may not)."""


class FileProblem(ArtisanError):
    """A file that artisan will not read, or could not make sense of."""

    def __init__(self, path: str | Path, reason: str, *, rule: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path = str(path)
        self.reason = reason
        self.rule = rule
        """Which rule it broke: one of `OPENING_RULES` or `CONTENT_RULES`."""

    @property
    def content(self) -> bool:
        """True when the file's content breaks a rule (too big, too deep, not UTF-8, not
        parseable): such a file may be set aside. False when it could not be opened or is not
        a regular file: then it is left where it is."""
        return self.rule in CONTENT_RULES


OPENING_RULES = ("unreadable", "not-a-file")
CONTENT_RULES = ("too-big", "too-deep", "not-utf8", "syntax")


def read_bytes(path: Path, limits: Limits, *, follow_symlinks: bool = True) -> bytes:
    """The content of a regular file of at most `limits.max_bytes` bytes.

    Args:
        path: The file.
        limits: Its kind's limits.
        follow_symlinks: False for files that must live inside their folder (library files):
            a symbolic link is then refused rather than followed, wherever it points.

    Raises:
        FileNotFoundError: there is no such file (callers often treat that as "empty").
        FileProblem: anything else that stops artisan from reading it.
    """
    nofollow = 0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0)
    if not follow_symlinks and not nofollow and os.path.islink(path):
        raise FileProblem(path, _SYMLINK, rule="not-a-file")
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    flags = os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        if nofollow and error.errno == errno.ELOOP:
            raise FileProblem(path, _SYMLINK, rule="not-a-file") from None
        if error.errno == errno.ENXIO:
            raise FileProblem(path, "is a socket, not a file", rule="not-a-file") from None
        reason = f"cannot be read ({error.strerror or error})"
        raise FileProblem(path, reason, rule="unreadable") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            reason = f"is {_file_type(info.st_mode)}, not a regular file; it was not read"
            raise FileProblem(path, reason, rule="not-a-file")
        if info.st_size > limits.max_bytes:
            raise FileProblem(path, _too_big(info.st_size, limits), rule="too-big")
        # One read of the whole file, plus one byte to notice a file that grew meanwhile.
        data = _read_at_most(fd, limits.max_bytes + 1, info.st_size + 1)
    except OSError as error:
        reason = f"cannot be read ({error.strerror or error})"
        raise FileProblem(path, reason, rule="unreadable") from None
    finally:
        os.close(fd)
    if len(data) > limits.max_bytes:
        raise FileProblem(path, _too_big(len(data), limits), rule="too-big")
    return data


def decode(data: bytes, where: str | Path) -> str:
    """The bytes as UTF-8 text.

    Raises:
        FileProblem: not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"is not UTF-8 text (byte {error.start + 1} cannot be read)"
        raise FileProblem(where, reason, rule="not-utf8") from None


def read_text(path: Path, limits: Limits, *, follow_symlinks: bool = True) -> str:
    """A bounded UTF-8 text file (see `read_bytes`)."""
    return decode(read_bytes(path, limits, follow_symlinks=follow_symlinks), path)


def read_toml(path: Path, limits: Limits, *, follow_symlinks: bool = True) -> dict[str, Any]:
    """A bounded TOML file, parsed (see `read_bytes` and `parse_toml`)."""
    return parse_toml(read_text(path, limits, follow_symlinks=follow_symlinks), path, limits)


def read_json(path: Path, limits: Limits, *, follow_symlinks: bool = True) -> Any:
    """A bounded JSON document, parsed (see `read_bytes` and `parse_json`).

    This is the reader for `draft.json` (`limits=DRAFT`), `.index.json` and JSON imports.
    """
    return parse_json(read_bytes(path, limits, follow_symlinks=follow_symlinks), path, limits)


def parse_toml(text: str, where: str | Path, limits: Limits) -> dict[str, Any]:
    """Parse TOML text whose depth has been checked first.

    Raises:
        FileProblem: too deep, or not valid TOML (the parser's message says where).
    """
    walk = check_toml_depth(text, where, limits)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FileProblem(where, f"is not valid TOML ({error})", rule="syntax") from None
    except RecursionError:
        # The scan above bounds the nesting; this is the net under it.
        raise FileProblem(where, _too_deep(limits), rule="too-deep") from None
    if walk and nesting_depth(table, limits.max_depth) > limits.max_depth:
        raise FileProblem(where, _too_deep(limits), rule="too-deep")
    return table


def parse_json(document: str | bytes, where: str | Path, limits: Limits) -> Any:
    """Parse JSON (bytes are UTF-8) whose depth has been checked first.

    Raises:
        FileProblem: too deep, not UTF-8, or not valid JSON.
    """
    check_json_depth(document, where, limits)
    text = decode(document, where) if isinstance(document, bytes) else document
    try:
        return json.loads(text)
    except ValueError as error:
        raise FileProblem(where, f"is not valid JSON ({error})", rule="syntax") from None
    except RecursionError:
        raise FileProblem(where, _too_deep(limits), rule="too-deep") from None


# The depth scan ------------------------------------------------------------------------------

_TOML_STRINGS_AND_COMMENTS = re.compile(
    # Each kind of string is followed by a fallback for the same opening left unclosed (the
    # text is then not TOML, which the parser will say): it swallows the rest, so no later
    # quote starts another scan to the end, and the scan stays linear in the length.
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"{3,5}|"""[\s\S]*'  # multi-line basic string
    r"|'''[\s\S]*?'''(?:'{1,2}(?!'))?|'''[\s\S]*"  # multi-line literal string
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|"[^\n]*'  # basic string
    r"|'[^'\n]*'|'[^\n]*"  # literal string
    r"|#[^\n]*"  # comment
)
_ALL_BUT_QUOTES_AND_BRACKETS = bytes(set(range(256)) - set(b'"[]{}'))
_QUOTED = re.compile(rb'"[^"]*"|"[^"]*$')
_BYTE_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def check_toml_depth(text: str, where: str | Path, limits: Limits) -> bool:
    """Refuse TOML text nested deeper than `limits.max_depth`, without parsing it.

    Strings and comments are removed first (brackets and dots inside them mean nothing); then
    every run of brackets is counted, and every dotted key: `a.b.c = 1` nests three tables.

    Returns:
        Whether the parsed tables could still be too deep (dotted keys and headers add up in
        ways the scan does not follow), so that `nesting_depth` must check them. Without a dot
        outside strings, a document is at most three levels (itself, an array of tables and
        its table) plus its brackets deep, which the scan has checked.

    Raises:
        FileProblem: too deep.
    """
    bare = _TOML_STRINGS_AND_COMMENTS.sub("0", text)
    brackets = _bracket_depth(bare)
    if brackets + 1 > limits.max_depth:  # one level is the document itself
        raise FileProblem(where, _too_deep(limits), rule="too-deep")
    if "." not in bare:
        return brackets + 3 > limits.max_depth
    if _long_dotted_key(limits.max_depth).search(bare):
        raise FileProblem(where, _too_deep(limits), rule="too-deep")
    return True


def check_json_depth(text: str | bytes, where: str | Path, limits: Limits) -> None:
    """Refuse JSON text nested deeper than `limits.max_depth`, without parsing it.

    Works on the bytes, where every step is a single pass in C: escaped backslashes and quotes
    go first (a JSON quote is escaped only as `\\"`), then everything but quotes and brackets,
    then the strings; what is left is the brackets outside strings. A cache of 10,000 entries
    (9 MB) takes a few milliseconds.

    Raises:
        FileProblem: too deep.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if b"\\" in data:  # one byte: a fast search, and most files have no escapes at all
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Two quotes side by side close one string and open the next, or make an empty one:
    # either way no bracket outside a string is between them.
    quotes_and_brackets = data.translate(None, _ALL_BUT_QUOTES_AND_BRACKETS).replace(b'""', b"")
    brackets = _QUOTED.sub(b"", quotes_and_brackets)
    depth = max(accumulate(map(_BYTE_STEP.__getitem__, brackets)), default=0)
    if depth > limits.max_depth:
        raise FileProblem(where, _too_deep(limits), rule="too-deep")


def nesting_depth(value: Any, stop_above: int) -> int:
    """How many tables and lists are inside one another in a parsed document.

    Walks without recursion, and stops counting once the depth passes `stop_above`.
    """
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                return deepest
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _bracket_depth(bare: str) -> int:
    brackets = _NOT_BRACKETS.sub("", bare)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


_DOTTED: dict[int, re.Pattern[str]] = {}


def _long_dotted_key(max_depth: int) -> re.Pattern[str]:
    """A key of more than `max_depth` parts (`a.b.c`), never crossing `=`, brackets, commas or
    line ends, so the dot of a number (`1.5`) is never counted as part of a key."""
    pattern = _DOTTED.get(max_depth)
    if pattern is None:
        part = r"[^.=\[\]{},\n]*"
        # Starting only right after a delimiter keeps the search linear on a long line.
        start = r"(?<![^=\[\]{},\n])"
        pattern = _DOTTED[max_depth] = re.compile(rf"{start}{part}(?:\.{part}){{{max_depth},}}")
    return pattern


# Messages ------------------------------------------------------------------------------------

_SYMLINK = "is a symbolic link; artisan reads only regular files in the library folder"


def _read_at_most(fd: int, size: int, first: int) -> bytes:
    """Up to `size` bytes, asking for `first` bytes at once (what stat said, plus one)."""
    chunks: list[bytes] = []
    remaining = size
    ask = min(first, size)
    while remaining > 0:
        chunk = os.read(fd, min(remaining, ask))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
        ask = 4 * MIB
    return b"".join(chunks)


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_big(size: int, limits: Limits) -> str:
    shown, limit = show_size(size), show_size(limits.max_bytes)
    if shown == limit:
        # Just over the limit reads the same rounded: say it in bytes.
        shown, limit = f"{size:,} bytes", f"{limits.max_bytes:,} bytes"
    return f"is larger ({shown}) than artisan reads for {limits.what} ({limit})"


def _too_deep(limits: Limits) -> str:
    return (
        f"is nested more deeply than artisan reads for {limits.what} "
        f"({limits.max_depth} levels of tables and lists)"
    )


def show_size(size: int) -> str:
    """A size in bytes, KiB or MiB, for messages."""
    if size >= MIB:
        return f"{size / MIB:.3g} MiB"
    if size >= KIB:
        return f"{size / KIB:.3g} KiB"
    return f"{size} bytes"
