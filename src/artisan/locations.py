"""Where artisan keeps its files.

All paths come from platformdirs, so XDG variables and the platform's conventions are honoured.
`ARTISAN_CONFIG_DIR` and `ARTISAN_DATA_DIR` override the config and data folders for tests and
portable installs.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "artisan"
PACKAGE_DIR = Path(__file__).resolve().parent


def config_dir() -> Path:
    """The folder holding `config.toml`, user targets and user themes."""
    override = os.environ.get("ARTISAN_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The folder holding the library, the draft and the log."""
    override = os.environ.get("ARTISAN_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def library_dir() -> Path:
    return data_dir() / "library"


def draft_file() -> Path:
    return data_dir() / "draft.json"


def spending_file() -> Path:
    """What every render cost, one line each (see `artisan.images.spending`)."""
    return data_dir() / "spending.jsonl"


def log_file() -> Path:
    return data_dir() / "artisan.log"


def default_images_dir() -> Path:
    return Path(platformdirs.user_pictures_dir()) / APP_NAME


def user_targets_dir() -> Path:
    return config_dir() / "targets"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def user_composer_dir() -> Path:
    """User presets for the offline composer."""
    return config_dir() / "composer"


def user_wildcards_dir() -> Path:
    return config_dir() / "wildcards"


def user_phrases_dir() -> Path:
    """The person's own phrases for the phrase picker."""
    return config_dir() / "phrases"


def user_styles_dir() -> Path:
    """The person's style templates, and those `artisan styles import` brought in."""
    return config_dir() / "styles"


def user_image_models_file() -> Path:
    return config_dir() / "image-models.toml"


def builtin_targets_dir() -> Path:
    return PACKAGE_DIR / "data" / "targets"


def builtin_composer_dir() -> Path:
    return PACKAGE_DIR / "data" / "composer"


def builtin_wildcards_dir() -> Path:
    return PACKAGE_DIR / "data" / "wildcards"


def builtin_themes_dir() -> Path:
    """The shipped themes: `artisan/data/themes/`, with the package's other data."""
    return PACKAGE_DIR / "data" / "themes"
