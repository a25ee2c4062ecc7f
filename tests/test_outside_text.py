"""Text from outside artisan is shown as text, everywhere, by construction.

Model output, server errors, library values, file names and the person's own idea may hold
Textual markup (`[/]`, `[@click=app.quit]`) or escape sequences and control characters. The app
shows all of it through `artisan.tui.text` (and `ArtisanApp.notify`, which never parses), the
command line through `artisan.cli.output`. These tests hold the code to that rule (a scan of every
place that puts text on screen) and prove it with generated hostile text (the app stays up, the
screen shows the text literally, no control character reaches the terminal).
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import select
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artisan import locations
from artisan.config import Settings
from artisan.entry import PromptEntry
from artisan.library import Library
from artisan.sanitize import cleaned, visible
from artisan.tui.app import ArtisanApp
from conftest import TEST_KEY
from fake_openai import Chat, Error, FakeOpenAI
from tui_helpers import notifications, screen_text, settle, told, wait_until

SOURCE = Path(__file__).parent.parent / "src" / "artisan"
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARKER = "M[/]A[@click=app.quit]q[bold]B"
"""Markup that would raise, act or style if it were parsed."""
SAFE_WRAPPERS = {"plain", "rich_plain", "shown", "visible"}
"""The functions of artisan.tui.text (and the picture map under them)."""
RENDERABLE_BUILDERS = {"_table", "word_diff", "_facts"}
TITLES = ("border_title", "border_subtitle")
"""Methods that return a Rich renderable built only from `rich_plain` cells."""


# The rule, in the code ---------------------------------------------------------------------------


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _safe(arg: ast.expr) -> bool:
    """A literal of artisan's own, or text passed through artisan.tui.text."""
    if isinstance(arg, ast.Constant):
        return True
    if isinstance(arg, ast.Call):
        return _name(arg.func) in SAFE_WRAPPERS | RENDERABLE_BUILDERS
    return False


def _tui_files() -> list[Path]:
    return sorted((SOURCE / "tui").rglob("*.py"))


def test_widgets_get_outside_text_only_through_the_one_helper() -> None:
    """Static, Label, Button and Content are built from literals or from `plain(...)`; border
    titles and `update(...)` likewise; nothing asks for markup."""
    problems = []
    for path in _tui_files():
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(SOURCE)
        problems += [f"{where}:{line} {what}" for line, what in _unsafe_places(tree, path)]
    assert problems == []


def _unsafe_places(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    found = []
    for call in _calls(tree):
        name = _name(call.func)
        first = call.args[0] if call.args else None
        if name in ("Static", "Label", "Button", "Content") and first and not _safe(first):
            found.append((call.lineno, f"{name}({ast.unparse(first)})"))
        if name == "update" and len(call.args) == 1 and first and not _safe(first):
            found.append((call.lineno, f"update({ast.unparse(first)})"))
        if name in ("from_markup", "render_markup"):
            found.append((call.lineno, name))
        the_override = path.name == "app.py" and name == "notify"
        for keyword in call.keywords:
            value = keyword.value
            plain_text = isinstance(value, ast.Constant) and value.value is False
            if keyword.arg == "markup" and not plain_text and not the_override:
                found.append((call.lineno, f"markup={ast.unparse(value)}"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or _safe(node.value):
            continue
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in TITLES:
                found.append((node.lineno, f"{target.attr} = {ast.unparse(node.value)}"))
    return found


def test_the_app_notify_never_parses_markup() -> None:
    """Every widget's notify ends in ArtisanApp.notify, which passes markup=False."""
    tree = ast.parse((SOURCE / "tui" / "app.py").read_text())
    [method] = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "notify"
    ]
    [call] = [c for c in _calls(method) if _name(c.func) == "notify"]
    keywords = {k.arg: k.value for k in call.keywords}
    assert isinstance(keywords["markup"], ast.Constant) and keywords["markup"].value is False
    assert isinstance(call.args[0], ast.Call) and _name(call.args[0].func) == "shown"


def test_the_command_line_writes_only_through_its_output_module() -> None:
    problems = []
    for path in sorted((SOURCE / "cli").glob("*.py")):
        if path.name == "output.py":
            continue
        for call in _calls(ast.parse(path.read_text())):
            text = ast.unparse(call.func)
            if text in ("print", "sys.stdout.write", "sys.stderr.write"):
                problems.append(f"{path.name}:{call.lineno} {text}")
    assert problems == []


# The rule, on screen -----------------------------------------------------------------------------


async def test_markup_in_a_server_error_is_shown_not_parsed(server: FakeOpenAI) -> None:
    """A 400 whose message holds `[/]` used to end the app; a click action used to be live."""
    server.queue_chat(Error(400, f"x [/] y {MARKER}"))
    app = _app(server, Path(tempfile.mkdtemp()))
    async with app.run_test(notifications=True, size=(120, 40)) as pilot:
        app.idea_pane.editor.focus()
        await pilot.press(*"a cat", "ctrl+j")
        await settle(pilot)

        assert any("x [/] y" in note for note in notifications(app))
        assert any(MARKER in note and "x [/] y" in note for note in told(app))
        assert app.is_running
        await pilot.press("ctrl+j")  # still works
        await settle(pilot)
        assert app.prompt_pane.text.startswith("A vivid picture")


HOSTILE_ALPHABET = st.sampled_from(
    [
        *"ab [/]@=$#\\\"'",
        *("\x1b", "\x9b", "\x9d", "\x07", "\r", "\x00", "\x7f", "\t", "🌅", "\u202e", "\u2066"),
    ]
)
HOSTILE = st.text(HOSTILE_ALPHABET, min_size=1, max_size=40)


@settings(
    max_examples=int(os.environ.get("ARTISAN_HOSTILE_EXAMPLES", "4")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(HOSTILE, min_size=6, max_size=6))
def test_hostile_text_everywhere_stays_text(server: FakeOpenAI, texts: list[str]) -> None:
    """Library values, model output, a variation and a server error, all generated: the app
    stays up, shows each literally, and puts no control character on the screen."""
    asyncio.run(_hostile_session(server, texts))


async def _hostile_session(server: FakeOpenAI, texts: list[str]) -> None:
    home = Path(tempfile.mkdtemp())
    title, tag, target, prompt, answer, error = texts
    library = Library(home / "library")
    entry = PromptEntry.create(MARKER + prompt, idea=MARKER + title, title=MARKER + title)
    entry.tags = [MARKER + tag]
    entry.target = MARKER + target
    library.add(entry)
    server.clear_queues()
    server.queue_chat(Chat(text=MARKER + answer), Chat(text=MARKER + answer), Error(400, error))
    server.default_chat = Chat(text=MARKER + answer)
    app = _app(server, home, variations=1)
    async with app.run_test(notifications=True, size=(200, 40)) as pilot:
        await wait_until(pilot, lambda: app.library_pane.index is not None, "library read")
        app.idea_pane.editor.focus()
        await pilot.press(*"a cat", "ctrl+j")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.is_running
        shown = screen_text(app)
        assert not CONTROLS.search(shown), repr(CONTROLS.search(shown))
        assert MARKER in shown  # the library row's title, literally
        # Library values are stored clean: without escapes or control characters.
        assert app.library_pane.list.entries[0].tags == [cleaned(MARKER + tag)]
        version = app.workshop.versions[0]
        assert app.workshop.versions[0].text == MARKER + answer
        assert version.variations[0].text == (MARKER + answer).strip()
        notes = notifications(app)
        assert any(not CONTROLS.search(note) for note in notes)
        assert all(not CONTROLS.search(note) for note in notes)
    assert server.default_chat.text == MARKER + answer


def _app(server: FakeOpenAI, home: Path, **settings: object) -> ArtisanApp:
    values: dict[str, object] = {
        "base_url": server.url,
        "api_key": TEST_KEY,
        "max_retries": 0,
        "timeout": 5.0,
    }
    values.update(settings)
    return ArtisanApp(
        Settings(**values),  # type: ignore[arg-type]
        library=Library(home / "library"),
        data_dir=home / "data",
    )


def test_stream_view_holds_exactly_the_visible_text() -> None:
    """What the Prompt pane draws is the text with control characters as pictures, nothing
    dropped: the edit round trip gives the original back."""
    text = "a\x1b[31mb\x9bc\x00d"
    assert visible(text) == "a␛[31mb\uf79bc␀d"


# The command line in a terminal ------------------------------------------------------------------

ESCAPES = re.compile(rb"\x1b|\xc2[\x80-\x9f]")
"""ESC, and the UTF-8 encoding of a C1 control."""
EVIL = "evil \x1b]52;c;SGVsbG8=\x07 \x1b]0;pwned\x07 \u009b31m \u009d0;t\u009c end"


def _in_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, bytes]:
    """Run `artisan ARGS` with stdout and stderr on a pseudo-terminal; its exit status and
    every byte it wrote."""
    leader, follower = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "artisan", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env, "COLUMNS": "200", "TERM": "xterm-256color"},
    )
    os.close(follower)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                raise AssertionError(f"artisan {' '.join(args)} wrote nothing for 30 s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            output += chunk
    finally:
        os.close(leader)
    return process.wait(timeout=30), output


@pytest.fixture
def hostile_library() -> PromptEntry:
    library = Library(locations.library_dir())
    entry = PromptEntry.create(EVIL, idea=EVIL, title=EVIL, tags=[EVIL])
    entry.target = EVIL
    entry.notes = EVIL
    return library.add(entry)


@pytest.mark.parametrize(
    "args",
    [
        ("library", "list"),
        ("library", "list", "--json"),
        ("library", "search", "evil"),
        ("library", "show", "{id}"),
        ("library", "show", "{id}", "--json"),
        ("library", "export"),
        ("library", "export", "--format", "json"),
        ("library", "export", "--format", "md"),
        ("library", "tag", "{id}", EVIL),
        ("library", "rename", "{id}", EVIL),
        ("library", "show", EVIL),
        ("prompt", "a cat", "-t", EVIL),
        ("prompt", EVIL, "--engine", "composer"),
        ("prompt", EVIL, "--engine", "composer", "--json"),
        ("config", "set", "model", EVIL),
        ("library", "rm", "{id}"),
    ],
    ids=lambda args: "-".join(a if len(a) < 12 else "evil" for a in args),
)
def test_no_command_writes_escape_sequences_to_a_terminal(
    args: tuple[str, ...], hostile_library: PromptEntry, tmp_path: Path
) -> None:
    env = {
        "ARTISAN_CONFIG_DIR": os.environ["ARTISAN_CONFIG_DIR"],
        "ARTISAN_DATA_DIR": os.environ["ARTISAN_DATA_DIR"],
    }
    filled = [arg.replace("{id}", hostile_library.id) for arg in args]
    code, output = _in_a_terminal(*filled, env=env)
    assert not ESCAPES.search(output), output[:400]
    assert b"Traceback" not in output
    assert code in (0, 1, 2)


def test_the_model_answer_reaches_a_terminal_cleaned_and_a_pipe_whole(online: FakeOpenAI) -> None:
    online.queue_chat(Chat(text=EVIL))
    env = {
        "ARTISAN_CONFIG_DIR": os.environ["ARTISAN_CONFIG_DIR"],
        "ARTISAN_DATA_DIR": os.environ["ARTISAN_DATA_DIR"],
        "OPENAI_BASE_URL": online.url,
        "OPENAI_API_KEY": TEST_KEY,
    }
    code, output = _in_a_terminal("prompt", "a cat", "-n", "1", env=env)
    assert code == 0 and not ESCAPES.search(output)
    assert b"evil" in output and b"end" in output
    online.queue_chat(Chat(text=EVIL))
    piped = subprocess.run(
        [sys.executable, "-m", "artisan", "prompt", "a cat"],
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    assert piped.stdout.decode() == EVIL + "\n"  # a script gets exactly what the model sent
