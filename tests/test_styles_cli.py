"""`artisan styles` and `artisan prompt --style`: listing, importing, applying and recording."""

from __future__ import annotations

import json
from pathlib import Path

from artisan import locations
from artisan.library import Library
from conftest import RunCli

A1111 = (
    'name,prompt,negative_prompt\n"Dreamy Haze","dreamy hazy photo of {prompt}, pastel","harsh"\n'
)


def test_styles_lists_the_shipped_ones(cli: RunCli) -> None:
    result = cli("styles")
    assert result.code == 0
    names = [line.split()[0] for line in result.out.splitlines()]
    assert {"cinematic", "analog-film", "watercolour", "detailed"} <= set(names)
    listed = json.loads(cli("styles", "--json").out)
    cinematic = next(style for style in listed if style["name"] == "cinematic")
    assert "{prompt}" in cinematic["prompt"] and cinematic["source"] == "shipped"


def test_an_imported_styles_csv_is_listed_and_applied(cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "styles.csv"
    source.write_text(A1111, encoding="utf-8")
    imported = cli("styles", "import", str(source))
    assert imported.code == 0
    assert "Imported 1 style" in imported.out and "Dreamy Haze" in imported.out
    assert "Dreamy Haze" in cli("styles").out

    result = cli(
        "prompt",
        "a lighthouse",
        "-e",
        "composer",
        "-t",
        "stable-diffusion",
        "--seed",
        "3",
        "--style",
        "dreamy haze",
        "--style",
        "detailed",
        "--save",
        "--json",
    )
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    positive, negative = answer["prompt"].split("\nNegative prompt: ")
    assert positive.startswith("dreamy hazy photo of ")
    assert positive.endswith(", pastel, highly detailed, sharp focus, intricate textures")
    assert "lighthouse" in positive
    terms = negative.split(", ")
    assert {"harsh", "blurry", "lowres", "jpeg artifacts"} <= set(terms)
    assert len(terms) == len(set(terms))  # a term the composer wrote already is not repeated
    assert answer["styles"] == ["Dreamy Haze", "detailed"]
    library = Library(locations.library_dir())
    library.load()
    [entry] = library.entries()
    assert entry.id == answer["id"]
    assert entry.styles == ["Dreamy Haze", "detailed"]
    assert entry.prompt == answer["prompt"]
    saved = (locations.library_dir() / f"{entry.id}.toml").read_text(encoding="utf-8")
    assert 'styles = [\n    "Dreamy Haze",\n    "detailed",\n]' in saved


def test_the_styled_prompt_is_printed_once(cli: RunCli) -> None:
    styled = cli(
        "prompt", "a fox", "-e", "composer", "--seed", "1", "-t", "midjourney", "--style", "anime"
    )
    assert styled.code == 0
    [line] = styled.out.splitlines()
    assert line.startswith("anime key visual of a fox, ")
    description, parameters = line.split(" --", 1)
    assert description.endswith(", cel shading, vibrant colours, detailed background")
    # The style's negative part joins Midjourney's one --no, before the version.
    [excluded] = [part for part in parameters.split(" --") if part.startswith("no ")]
    assert excluded.endswith("photograph, realistic, 3d render, western cartoon")


def test_an_unknown_style_is_a_usage_error_before_anything_is_written(cli: RunCli) -> None:
    result = cli("prompt", "a fox", "-e", "composer", "--style", "nope", "--save")
    assert result.code == 2
    assert "There is no style called “nope”" in result.err
    assert result.out == ""
    assert not locations.library_dir().exists() or not list(locations.library_dir().glob("*.toml"))


def test_importing_something_else_says_what_a_styles_file_is(cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "list.txt"
    source.write_text("cinematic, moody\n", encoding="utf-8")
    result = cli("styles", "import", str(source))
    assert result.code == 2
    assert "name,prompt,negative_prompt" in result.err
