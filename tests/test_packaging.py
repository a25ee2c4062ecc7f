"""The package: wheel contents, entry points, and what the headless paths import."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_themes_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("artisan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    themes = sorted((ROOT / "src" / "artisan" / "data" / "themes").glob("*.toml"))
    assert themes
    for theme in themes:
        assert f"artisan/data/themes/{theme.name}" in names
    assert "artisan/data/targets/dalle.toml" in names
    assert "artisan/data/prompting.toml" in names
    assert "artisan/py.typed" in names


def test_themes_found_in_a_source_checkout() -> None:
    from artisan.themes import load_theme_files

    themes, failures = load_theme_files()
    assert failures == []
    assert {"artisan-dark", "artisan-light", "darkroom"} <= {t.name for t in themes}
    assert {t.dark for t in themes} == {True, False}


HYGIENE = """
import sys
from artisan.cli import main
code = main({args!r})
heavy = sorted(
    m
    for m in ("textual", "openai", "rich", "httpx2", "tomlkit", "filelock", "watchfiles")
    if m in sys.modules
)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["library", "list"],
        ["library", "search", "x"],
        ["library", "show", "nothing"],
        ["config", "path"],
        ["spend"],
        ["image", "a fox", "--dry-run"],
        ["styles"],
    ],
)
def test_headless_commands_do_not_import_textual_or_openai(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HYGIENE.format(args=args)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "HEAVY=\n" in result.stdout, result.stdout + result.stderr


def test_core_modules_do_not_import_textual_or_openai() -> None:
    code = (
        "import sys\n"
        "import artisan.config, artisan.library, artisan.search, artisan.targets, "
        "artisan.transfer, artisan.themes, artisan.engine, artisan.connection, artisan.files, "
        "artisan.library_index, artisan.actions, artisan.draft, artisan.workshop, "
        "artisan.images.batch, artisan.images.spending, artisan.images.prices, "
        "artisan.refinement.completions, artisan.refinement.styles, artisan.refinement.phrases\n"
        "print(sorted(m for m in ('textual', 'openai', 'httpx2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
