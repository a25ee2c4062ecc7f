"""Targets: shipped recipes, user overrides and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from artisan import locations
from artisan.errors import TargetError
from artisan.targets import load_catalog

SHIPPED = ["dalle", "flux", "generic", "midjourney", "runway", "stable-diffusion"]


def test_shipped_targets() -> None:
    catalog = load_catalog()
    assert sorted(catalog.names()) == SHIPPED
    assert catalog.problems == []
    assert "--ar" in catalog.get("midjourney").rules
    assert "Negative prompt:" in catalog.get("stable-diffusion").rules


def test_messages_follow_the_prompt_generator_pattern() -> None:
    target = load_catalog().get("dalle")
    system = target.system_message()
    assert system.startswith("Act as a prompt generator")
    assert target.rules in system
    assert target.generate_message("  a cat  ").endswith("\n\na cat")


def test_braces_in_user_text_are_left_alone() -> None:
    target = load_catalog().get("generic")
    message = target.refine_message("A {prompt} with {instruction}", "make it {idea}")
    assert "A {prompt} with {instruction}" in message
    assert "make it {idea}" in message


def test_variations_each_get_an_angle() -> None:
    target = load_catalog().get("dalle")
    messages = [target.variation_message("p", n, 8) for n in range(1, 9)]
    assert "variation 1 of 8" in messages[0]
    assert "the lighting and the time of day" in messages[0]
    assert messages[6].split("changes ")[1] == messages[0].split("changes ")[1]


def write_target(name: str, text: str) -> Path:
    folder = locations.user_targets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_user_target_added_and_shipped_one_replaced() -> None:
    write_target("ideogram.toml", 'name = "ideogram"\nrules = "Write for Ideogram."\n')
    write_target(
        "mine.toml", 'name = "dalle"\nrules = "My own DALL-E rules."\nsystem = "Custom: {rules}"\n'
    )
    catalog = load_catalog()
    assert catalog.get("ideogram").rules == "Write for Ideogram."
    assert catalog.get("dalle").system_message() == "Custom: My own DALL-E rules."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules = ", "not valid TOML"),
        ('name = "x"\n', "`rules`"),
        ('name = "two words"\nrules = "r"\n', "single word"),
        ('name = "x"\nrules = "r"\nangles = []\n', "`angles`"),
    ],
)
def test_broken_user_target_is_reported(text: str, problem: str) -> None:
    path = write_target("broken.toml", text)
    catalog = load_catalog()
    assert sorted(catalog.names()) == SHIPPED
    assert len(catalog.problems) == 1
    assert str(path) in catalog.problems[0] and problem in catalog.problems[0]


def test_unknown_target_lists_the_choices() -> None:
    with pytest.raises(TargetError, match="Available targets: dalle"):
        load_catalog().get("nope")
