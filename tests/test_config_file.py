"""config.toml is the person's file: edits keep their comments, `[keys]` and themes are checked
the same way by the CLI and the app, secrets are never shown and the file is kept private."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from artisan import config, locations
from artisan.errors import ConfigError
from conftest import RunCli
from fake_openai import FakeOpenAI
from tui_helpers import make_app, notifications, settle

COMMENTED = """\
# My artisan settings (kept in my dotfiles)
model = "llama3.2"  # the local one
variations = 6

# Rendering
[image]
size = "1536x1024"  # landscape by default

[keys]
# F5 like my editor
refine = "f6"
"""

PASSWORD_URL = "http://alice:hunter2-PASSWORD@127.0.0.1:9/v1"


def write_config(text: str) -> Path:
    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


# Editing keeps the person's file ---------------------------------------------------------------


def test_config_set_keeps_comments_order_and_formatting(cli: RunCli) -> None:
    path = write_config(COMMENTED)
    assert cli("config", "set", "model", "x").code == 0
    assert cli("config", "set", "keys.generate", "f8").code == 0
    assert cli("config", "set", "image.quality", "high").code == 0
    text = path.read_text(encoding="utf-8")
    assert comments(text) == comments(COMMENTED)
    assert 'model = "x"  # the local one' in text
    assert text.index("model") < text.index("[image]") < text.index("[keys]")
    assert tomllib.loads(text) == {
        "model": "x",
        "variations": 6,
        "image": {"size": "1536x1024", "quality": "high"},
        "keys": {"refine": "f6", "generate": "f8"},
    }


def test_removing_a_setting_keeps_the_rest_of_the_file(cli: RunCli) -> None:
    path = write_config(COMMENTED)
    result = cli("config", "set", "variations", "")
    assert result.code == 0
    assert "removed variations" in result.err
    text = path.read_text(encoding="utf-8")
    assert "variations" not in text
    assert comments(text) == comments(COMMENTED)
    assert cli("config", "set", "keys.refine", "").code == 0
    text = path.read_text(encoding="utf-8")
    assert "# F5 like my editor" in text
    assert config.load().warnings == []  # the empty [keys] left behind is fine


async def test_switching_theme_in_the_app_keeps_the_comments(server: FakeOpenAI) -> None:
    path = write_config(COMMENTED)
    app = make_app(server)
    async with app.run_test(notifications=True) as pilot:
        app.theme = "nord"
        await settle(pilot)
    text = path.read_text(encoding="utf-8")
    assert comments(text) == comments(COMMENTED)
    assert tomllib.loads(text)["theme"] == "nord"


async def test_going_back_to_the_starting_theme_is_saved(server: FakeOpenAI) -> None:
    """Started with nord; artisan-dark chosen from the palette must replace it in the file."""
    path = write_config('theme = "nord"\n')
    app = make_app(server, theme="nord")
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        app.theme = "artisan-dark"
        await settle(pilot)
        assert tomllib.loads(path.read_text())["theme"] == "artisan-dark"
        app.theme = "nord"
        await settle(pilot)
    assert tomllib.loads(path.read_text())["theme"] == "nord"


def test_a_linked_config_file_is_written_where_it_points(cli: RunCli, tmp_path: Path) -> None:
    """A dotfiles setup links config.toml from elsewhere; the link stays a link."""
    real = tmp_path / "dotfiles" / "artisan.toml"
    real.parent.mkdir()
    real.write_text(COMMENTED)
    link = locations.config_file()
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    assert cli("config", "set", "model", "linked").code == 0
    assert link.is_symlink()
    assert 'model = "linked"  # the local one' in real.read_text()


def test_a_file_made_private_stays_private(cli: RunCli) -> None:
    path = write_config('model = "x"\n')
    path.chmod(0o600)
    assert cli("config", "set", "variations", "3").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# [keys] -----------------------------------------------------------------------------------------


def test_a_keys_table_gives_no_warning() -> None:
    write_config('[keys]\ngenerate = "f8"\n')
    loaded = config.load()
    assert loaded.warnings == []
    assert loaded.settings.keys == {"generate": "f8"}
    write_config("[keys]\n")
    assert config.load().warnings == []


def test_an_unknown_action_is_named_with_its_table() -> None:
    write_config('[keys]\nnonsense = "f6"\ngenerate = "f8"\n')
    loaded = config.load()
    assert loaded.settings.keys == {"generate": "f8"}
    [warning] = loaded.warnings
    assert warning.startswith("config.toml: `keys.nonsense` names no action; known actions: ")
    assert "generate" in warning


def test_config_set_of_an_unknown_action_is_a_usage_error(cli: RunCli) -> None:
    result = cli("config", "set", "keys.nonsense", "f6")
    assert result.code == 2
    assert "`keys.nonsense` names no action" in result.err
    assert not locations.config_file().exists()
    suggestion = cli("config", "set", "keys.genrate", "f6")
    assert suggestion.code == 2
    assert "Did you mean `keys.generate`?" in suggestion.err


def test_config_set_of_an_unknown_setting_is_a_usage_error(cli: RunCli) -> None:
    assert cli("config", "set", "foo", "bar").code == 2


# Themes -----------------------------------------------------------------------------------------


def bad_theme() -> Path:
    folder = locations.user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bad.toml"
    path.write_text('name = "bad"\nprimary = "notacolour"\n')
    return path


def test_themes_lists_no_theme_with_a_bad_colour(cli: RunCli) -> None:
    path = bad_theme()
    result = cli("themes")
    assert result.code == 0
    assert " bad " not in result.out
    assert "artisan-dark" in result.out
    assert f'Theme file {path}: `primary` = "notacolour" is not a colour' in result.err


def test_config_set_theme_refuses_a_broken_theme(cli: RunCli) -> None:
    bad_theme()
    result = cli("config", "set", "theme", "bad")
    assert result.code == 2
    assert "Theme `bad` cannot be used" in result.err and "notacolour" in result.err
    assert not locations.config_file().exists()
    missing = cli("config", "set", "theme", "nosuch")
    assert missing.code == 2
    assert "There is no theme `nosuch`" in missing.err
    assert cli("config", "set", "theme", "nord").code == 0
    assert cli("config", "set", "theme", "darkroom").code == 0


async def test_the_app_warns_once_about_a_broken_chosen_theme(server: FakeOpenAI) -> None:
    path = bad_theme()
    app = make_app(server, theme="bad")
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        assert len([n for n in notifications(app) if "bad" in n]) == 1
        about_bad = [n for n in app.long_messages if "bad" in n]
        assert about_bad == [
            f'Theme `bad` cannot be used: Theme file {path}: `primary` = "notacolour" is not a '
            "colour (write it as #4fb3bf, rgb(79,179,191), hsl(186,45%,53%) or a name such as "
            "teal). Using artisan-dark."
        ]
        assert app.theme == "artisan-dark"


# Secrets ----------------------------------------------------------------------------------------


def test_config_show_hides_the_password_in_base_url(cli: RunCli) -> None:
    write_config(f'base_url = "{PASSWORD_URL}"\n')
    locations.config_file().chmod(0o600)
    result = cli("config", "show")
    assert result.code == 0
    assert "hunter2" not in result.out + result.err
    assert '"http://alice:****@127.0.0.1:9/v1"' in result.out


def test_config_set_base_url_with_a_password_makes_the_file_private(cli: RunCli) -> None:
    result = cli("config", "set", "base_url", PASSWORD_URL)
    assert result.code == 0
    assert "hunter2" not in result.out + result.err
    assert "http://alice:****@127.0.0.1:9/v1" in result.err
    path = locations.config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["base_url"] == PASSWORD_URL


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_readable_file_with_a_password_warns() -> None:
    path = write_config(f'base_url = "{PASSWORD_URL}"\n')
    path.chmod(0o644)
    [warning] = config.load().warnings
    assert "holds a password (in base_url) and can be read by other users" in warning
    assert "hunter2" not in warning


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
        ("http://user:pw@host/v1", "http://user:****@host/v1"),
        ("https://token@host/v1", "https://****@host/v1"),
        ("http://u:p@ss@host/v1", "http://u:****@host/v1"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert config.redact_url(url) == shown


# Files that break the rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("x = " + "[" * 1000 + "]" * 1000 + "\n", "nested more deeply"),
        (".".join(["a"] * 20_000) + " = 1\n", "nested more deeply"),
        ('model = "' + "x" * 300_000 + '"\n', "is larger"),
        (b"model = '\xff'\n", "not UTF-8"),
    ],
)
def test_a_config_that_breaks_a_rule_is_one_clear_error(
    cli: RunCli, content: str | bytes, words: str
) -> None:
    path = locations.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ConfigError, match=words):
        config.load()
    shown = cli("config", "show")
    assert shown.code == 1
    assert words in shown.err and len(shown.err.strip().splitlines()) == 1
    assert cli("config", "set", "model", "x").code == 1
    assert path.read_bytes() == (content.encode() if isinstance(content, str) else content)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_config_that_is_a_fifo_does_not_hang() -> None:
    path = locations.config_file()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(ConfigError, match="named pipe"):
        config.load()
