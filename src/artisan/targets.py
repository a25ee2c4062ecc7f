"""Targets: how to write a prompt for one family of image models.

A target is TOML data. The shipped ones live in `artisan/data/targets/`; a file in
`<config dir>/targets/` adds a target or, with the same `name`, replaces a shipped one. Besides its
`rules`, a target may override any of the message templates of `artisan/data/prompting.toml`
(`system`, `generate`, `refine`, `variation`, `describe`, `angles`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from artisan import files, locations
from artisan.errors import TargetError

TEMPLATE_KEYS = ("system", "generate", "refine", "variation", "describe")
SYSTEM_MODES = ("separate", "merge")
"""How the rules reach the chat model: as a system message, or merged into the first user
message (for local servers whose chat template drops system messages)."""
FORMATS = ("brief", "sentences", "prose", "midjourney", "stable-diffusion", "shot", "tags")
"""The shape of a prompt for this target, as the offline composer writes it."""
DEFAULT_MAX_TOKENS = 600
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


@dataclass(frozen=True)
class Target:
    """A prompt recipe for one image model family."""

    name: str
    label: str
    description: str
    rules: str
    system: str
    generate: str
    refine: str
    variation: str
    describe: str
    """What is sent with a picture to describe (`artisan describe`)."""
    angles: tuple[str, ...]
    source: Path | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    """Longest answer asked of the chat model: an image prompt is short."""
    system_mode: str = "separate"
    """One of `SYSTEM_MODES`."""
    format: str = "sentences"
    """One of `FORMATS`: how the composer lays out a prompt for this target."""
    aliases: tuple[str, ...] = ()
    """Other names that choose this target (`dalle` answers to `gpt-image` too)."""
    words: tuple[int, int] | None = None
    """The length the vendor recommends, in words (the checker's range)."""
    tokens: int | None = None
    """The most CLIP tokens the positive prompt may take (Stable Diffusion: 75)."""
    negative: bool = False
    """Whether a `Negative prompt:` line is read."""
    weights: bool = False
    """Whether `(word:1.2)` weights are read."""
    parameters: bool = False
    """Whether `--ar`-style parameters are read (Midjourney)."""
    version: str = ""
    """The model version prompts are written for by default (Midjourney: `--v`)."""
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The parameters each version accepts, by version."""

    def system_message(self) -> str:
        return _fill(self.system, rules=self.rules.strip())

    def generate_message(self, idea: str) -> str:
        return _fill(self.generate, idea=idea.strip())

    def refine_message(self, prompt: str, instruction: str) -> str:
        return _fill(self.refine, prompt=prompt.strip(), instruction=instruction.strip())

    def variation_message(self, prompt: str, number: int, count: int) -> str:
        angle = self.angles[(number - 1) % len(self.angles)]
        return _fill(
            self.variation, prompt=prompt.strip(), number=str(number), count=str(count), angle=angle
        )

    def describe_message(self, number: int, count: int) -> str:
        """The words sent with a picture, for prompt `number` of `count` describing it."""
        angle = self.angles[(number - 1) % len(self.angles)]
        return _fill(self.describe, number=str(number), count=str(count), angle=angle)


@dataclass
class TargetCatalog:
    """Every available target, and the files that could not be used."""

    targets: dict[str, Target]
    problems: list[str]

    def get(self, name: str) -> Target:
        found = self.find(name)
        if found is None:
            raise TargetError(self.unknown(name))
        return found

    def find(self, name: str) -> Target | None:
        """The target called `name` or known by it as an alias (`gpt-image`), else None."""
        if name in self.targets:
            return self.targets[name]
        return next((t for t in self.targets.values() if name in t.aliases), None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self.targets or any(name in t.aliases for t in self.targets.values())
        )

    def unknown(self, name: str) -> str:
        """The message for a target name that is not in the catalog."""
        return f"Unknown target `{name}`. Available targets: {', '.join(self.targets)}."

    def names(self) -> list[str]:
        return list(self.targets)


def load_catalog(user_dir: Path | None = None) -> TargetCatalog:
    """Load the shipped targets, then the user's (which may replace shipped ones)."""
    base = _base_templates()
    targets: dict[str, Target] = {}
    problems: list[str] = []
    for path in sorted(locations.builtin_targets_dir().glob("*.toml")):
        target = _load_target(path, base)  # shipped files are tested: any error is a bug
        targets[target.name] = target
    user_dir = locations.user_targets_dir() if user_dir is None else user_dir
    if user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            try:
                target = _load_target(path, base)
            except TargetError as error:
                problems.append(str(error))
                continue
            targets[target.name] = target
    return TargetCatalog(targets=targets, problems=problems)


@cache
def _base_templates() -> dict[str, Any]:
    with (locations.PACKAGE_DIR / "data" / "prompting.toml").open("rb") as handle:
        return tomllib.load(handle)


def _load_target(path: Path, base: dict[str, Any]) -> Target:
    try:
        data = files.read_toml(path, files.TARGET)
    except FileNotFoundError:
        raise TargetError(f"Target file {path} cannot be read: it is gone.") from None
    except files.FileProblem as problem:
        raise TargetError(f"Target file {problem}.") from None

    name = data.get("name", path.stem)
    rules = data.get("rules")
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise TargetError(f"Target file {path}: `name` must be a single word.")
    if not isinstance(rules, str) or not rules.strip():
        raise TargetError(f"Target file {path}: `rules` (how to write the prompt) is missing.")
    templates: dict[str, str] = {}
    for key in TEMPLATE_KEYS:
        value = data.get(key, base[key])
        if not isinstance(value, str):
            raise TargetError(f"Target file {path}: `{key}` must be text.")
        templates[key] = value.strip()
    angles = data.get("angles", base["angles"])
    if not isinstance(angles, list) or not angles or not all(isinstance(a, str) for a in angles):
        raise TargetError(f"Target file {path}: `angles` must be a list of text.")
    label = data.get("label", name)
    description = data.get("description", "")
    max_tokens = data.get("max_tokens", DEFAULT_MAX_TOKENS)
    if type(max_tokens) is not int or not 16 <= max_tokens <= 32_000:
        raise TargetError(f"Target file {path}: `max_tokens` must be a whole number, 16-32000.")
    system_mode = data.get("system_mode", "separate")
    if system_mode not in SYSTEM_MODES:
        raise TargetError(
            f"Target file {path}: `system_mode` must be one of {', '.join(SYSTEM_MODES)}."
        )
    shape = data.get("format", "sentences")
    if shape not in FORMATS:
        raise TargetError(f"Target file {path}: `format` must be one of {', '.join(FORMATS)}.")
    checks = _checks(path, data)
    return Target(
        name=name,
        label=str(label),
        description=str(description),
        rules=rules.strip(),
        angles=tuple(angles),
        source=path,
        max_tokens=max_tokens,
        system_mode=system_mode,
        format=shape,
        system=templates["system"],
        generate=templates["generate"],
        refine=templates["refine"],
        variation=templates["variation"],
        describe=templates["describe"],
        **checks,
    )


def _checks(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The facts the checker holds a prompt to: length, syntax read, versions."""
    where = f"Target file {path}"
    out: dict[str, Any] = {}
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TargetError(f"{where}: `aliases` must be a list of names.")
    out["aliases"] = tuple(aliases)
    words = data.get("words")
    if words is not None:
        if not (
            isinstance(words, list)
            and len(words) == 2
            and all(type(w) is int and w > 0 for w in words)
            and words[0] <= words[1]
        ):
            raise TargetError(f"{where}: `words` must be [fewest, most], e.g. [30, 80].")
        out["words"] = (words[0], words[1])
    tokens = data.get("tokens")
    if tokens is not None and (type(tokens) is not int or tokens < 1):
        raise TargetError(f"{where}: `tokens` must be a whole number.")
    out["tokens"] = tokens
    for key in ("negative", "weights", "parameters"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise TargetError(f"{where}: `{key}` must be true or false.")
        out[key] = value
    version = data.get("version", "")
    versions = data.get("versions", {})
    if not isinstance(version, str) or not isinstance(versions, dict):
        raise TargetError(f"{where}: `version` must be text and `versions` a table.")
    table: dict[str, tuple[str, ...]] = {}
    for name, entry in versions.items():
        parameters = entry.get("parameters") if isinstance(entry, dict) else None
        if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
            raise TargetError(f"{where}: `versions.{name}.parameters` must be a list of names.")
        table[name] = tuple(parameters)
    if version and table and version not in table:
        raise TargetError(f"{where}: `version` {version} is not one of `versions`.")
    out["version"] = version
    out["versions"] = table
    return out


def _fill(template: str, **values: str) -> str:
    """Fill {placeholders} without treating braces in user text as format fields."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
