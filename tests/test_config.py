"""Settings: the file, the environment, validation and `artisan config`."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

import pytest

from artisan import config, locations
from artisan.errors import ConfigError
from conftest import TEST_KEY, RunCli


def write_config(text: str) -> Path:
    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    """No config file: every setting has its documented default."""
    loaded = config.load()
    assert not loaded.exists
    assert loaded.warnings == []
    settings = loaded.settings
    assert settings.model == "gpt-5.4-mini"
    assert settings.target == "dalle"
    assert settings.variations == 4
    assert settings.image_model == "gpt-image-2"
    assert settings.open == "auto"
    assert settings.images_path() == Path(os.environ["XDG_PICTURES_DIR"]) / "artisan"


def test_values_and_tables_are_read() -> None:
    """Top-level settings, the [image] table and [keys] are read with their types."""
    write_config(
        'model = "llama3.2"\nvariations = 6\ntimeout = 30\n'
        '[image]\nsize = "1536x1024"\n[keys]\ngenerate = "f8"\n'
    )
    settings = config.load().settings
    assert settings.model == "llama3.2"
    assert settings.variations == 6
    assert settings.timeout == 30.0
    assert settings.image_size == "1536x1024"
    assert settings.keys == {"generate": "f8"}
    assert settings.sources["model"] == "config.toml"


def test_syntax_error_names_file_and_line() -> None:
    """A file that is not TOML raises one clear error with the path and the line."""
    path = write_config('model = "gpt"\nvariations = = 3\n')
    with pytest.raises(ConfigError) as caught:
        config.load()
    assert str(path) in str(caught.value)
    assert "line 2" in str(caught.value)


def test_unknown_key_warns_with_a_suggestion() -> None:
    write_config('modle = "gpt-5.4"\n')
    loaded = config.load()
    assert len(loaded.warnings) == 1
    assert "`modle`" in loaded.warnings[0]
    assert "Did you mean `model`?" in loaded.warnings[0]
    assert loaded.settings.model == "gpt-5.4-mini"


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ('open = "sometimes"\n', "open", "one of auto, system, terminal, never"),
        ("variations = 40\n", "variations", "from 1 to 12"),
        ('variations = "four"\n', "variations", "a whole number"),
        ("timeout = true\n", "timeout", "a number"),
        ("[image]\nmodel = 3\n", "image.model", "text"),
    ],
)
def test_bad_value_names_key_and_allowed_values(text: str, key: str, allowed: str) -> None:
    """A bad value warns with the key and what it allows, and the default is used."""
    write_config(text)
    loaded = config.load()
    assert len(loaded.warnings) == 1
    assert f"`{key}`" in loaded.warnings[0]
    assert allowed in loaded.warnings[0]
    attribute = config.SETTINGS_BY_KEY[key].attribute
    assert getattr(loaded.settings, attribute) == getattr(config.DEFAULTS, attribute)


def test_environment_key_and_url_win(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config('api_key = "sk-from-file-000000000"\nbase_url = "http://file/v1"\n')
    locations.config_file().chmod(0o600)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    settings = config.load().settings
    assert settings.api_key == TEST_KEY
    assert settings.base_url == "http://127.0.0.1:1/v1"
    assert settings.sources["api_key"] == "OPENAI_API_KEY"


def test_set_value_keeps_other_settings() -> None:
    write_config('model = "llama3.2"\n[image]\nquality = "high"\n')
    config.set_value("image.size", "1536x1024")
    config.set_value("variations", "6")
    config.set_value("keys.generate", "f8")
    data = tomllib.loads(locations.config_file().read_text())
    assert data == {
        "model": "llama3.2",
        "variations": 6,
        "image": {"quality": "high", "size": "1536x1024"},
        "keys": {"generate": "f8"},
    }


def test_set_empty_value_removes_the_setting() -> None:
    write_config('model = "llama3.2"\ntheme = "darkroom"\n')
    config.set_value("theme", "")
    assert tomllib.loads(locations.config_file().read_text()) == {"model": "llama3.2"}


def test_set_rejects_bad_values_without_writing() -> None:
    path = write_config('model = "llama3.2"\n')
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"`variations`.*from 1 to 12"):
        config.set_value("variations", "0")
    with pytest.raises(ConfigError, match="Unknown setting `colour`"):
        config.set_value("colour", "red")
    assert path.read_bytes() == before


def test_set_refuses_to_overwrite_a_broken_file() -> None:
    path = write_config("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.set_value("theme", "darkroom")
    assert path.read_text() == "model = \n"


def test_file_with_key_is_private() -> None:
    """Writing an API key makes the file readable by its owner only."""
    config.set_value("api_key", TEST_KEY)
    mode = stat.S_IMODE(locations.config_file().stat().st_mode)
    assert mode == 0o600


def test_readable_file_with_key_warns() -> None:
    path = write_config(f'api_key = "{TEST_KEY}"\n')
    path.chmod(0o644)
    warnings = config.load().warnings
    assert any("can be read by other users" in w and "chmod 600" in w for w in warnings)
    assert not any(TEST_KEY in w for w in warnings)


def test_redact_never_shows_the_key() -> None:
    shown = config.redact(TEST_KEY)
    assert TEST_KEY not in shown
    assert "0123456789abcdef" not in shown
    assert config.redact(None) == "(not set)"
    assert config.redact("short") == "****"


def test_cli_config_shows_effective_settings(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    write_config('model = "llama3.2"\n')
    result = cli("config")
    assert result.code == 0
    assert TEST_KEY not in result.out
    assert "(OPENAI_API_KEY)" in result.out
    assert re.search(r'^model +"llama3\.2" +\(config\.toml\)$', result.out, re.MULTILINE)
    assert str(locations.library_dir()) in result.out


def test_cli_config_set_and_errors(cli: RunCli) -> None:
    result = cli("config", "set", "image.quality", "high")
    assert result.code == 0
    assert config.load().settings.image_quality == "high"
    bad = cli("config", "set", "variations", "99")
    assert bad.code == 2
    assert "`variations`" in bad.err and "from 1 to 12" in bad.err
    assert "Traceback" not in bad.err


def test_cli_broken_config_is_one_line(cli: RunCli) -> None:
    path = write_config("[image\n")
    result = cli("prompt", "a cat")
    assert result.code == 1
    assert str(path) in result.err
    assert len(result.err.strip().splitlines()) == 1
    paths = cli("config", "path")
    assert paths.code == 0
    assert str(locations.library_dir()) in paths.out
