"""Stable Diffusion's way of writing a render down: the prompt, a `Negative prompt:` line, and
a line of settings (`Steps: 28, Sampler: DPM++ 2M, CFG scale: 6.5, Seed: 1234, Size: 832x1216,
Model: sdxl`).

AUTOMATIC1111 (and Forge, SD.Next) writes this text into every picture it saves (the PNG
`parameters` chunk, or EXIF UserComment in JPEG and WebP), artisan's Stable Diffusion target
writes prompts the same way, and people paste it around. `split_negative` takes a prompt apart
so the negative goes where it belongs; `read_parameters` reads the whole text back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NEGATIVE = re.compile(r"^\s*negative prompt\s*:\s?", re.IGNORECASE)
_SETTINGS_LINE = re.compile(r"^\s*steps\s*:\s*\d+", re.IGNORECASE)
_SETTING = re.compile(r'\s*([\w \-/+.()]+?)\s*:\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')
MAX_PARAMETERS = 64 * 1024
"""Longest parameters text read: a prompt and its settings are a few kilobytes."""


@dataclass(frozen=True)
class Parameters:
    """A render as Stable Diffusion wrote it down."""

    prompt: str
    negative_prompt: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    """The settings line's fields as written: {"Steps": "28", "Seed": "1234", ...}."""

    def number(self, key: str) -> float | None:
        try:
            return float(self.settings[key])
        except (KeyError, ValueError):
            return None

    @property
    def seed(self) -> int | None:
        value = self.number("Seed")
        return int(value) if value is not None and value.is_integer() else None

    @property
    def steps(self) -> int | None:
        value = self.number("Steps")
        return int(value) if value is not None and value.is_integer() else None

    @property
    def cfg_scale(self) -> float | None:
        return self.number("CFG scale")

    @property
    def sampler(self) -> str:
        return self.settings.get("Sampler", "")

    @property
    def model(self) -> str:
        return self.settings.get("Model", "")

    @property
    def size(self) -> str:
        return self.settings.get("Size", "")


def split_negative(prompt: str) -> tuple[str, str]:
    """A prompt's positive text, and what its `Negative prompt:` line(s) say ("" if none).

    Everything from the first line starting with "Negative prompt:" on is the negative, except
    a settings line (`Steps: ...`) after it, which belongs to neither.
    """
    lines = prompt.splitlines()
    for index, line in enumerate(lines):
        if NEGATIVE.match(line):
            rest = [NEGATIVE.sub("", line, count=1), *lines[index + 1 :]]
            rest = [part for part in rest if not _SETTINGS_LINE.match(part)]
            positive = "\n".join(lines[:index]).strip()
            return positive, "\n".join(rest).strip()
    return prompt.strip(), ""


def read_parameters(text: str) -> Parameters | None:
    """The render an AUTOMATIC1111 `parameters` text describes, or None when it is not one
    (no settings line and no negative prompt: just some text)."""
    text = text[:MAX_PARAMETERS].replace("\r\n", "\n").strip()
    if not text:
        return None
    lines = text.split("\n")
    settings: dict[str, str] = {}
    if _SETTINGS_LINE.match(lines[-1]):
        settings = _settings(lines.pop())
    body = "\n".join(lines)
    positive, negative = split_negative(body)
    if not settings and not negative:
        return None
    return Parameters(positive, negative, settings)


def write_parameters(parameters: Parameters) -> str:
    """The text AUTOMATIC1111 would write for this render."""
    lines = [parameters.prompt]
    if parameters.negative_prompt:
        lines.append(f"Negative prompt: {parameters.negative_prompt}")
    if parameters.settings:
        lines.append(
            ", ".join(f"{key}: {_quoted(value)}" for key, value in parameters.settings.items())
        )
    return "\n".join(lines)


def _quoted(value: str) -> str:
    return f'"{value}"' if "," in value or ":" in value else value


def _settings(line: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _SETTING.finditer(line):
        key, value = match.group(1).strip(), match.group(2).strip()
        if key:
            found[key] = value.strip('"')
    return found
