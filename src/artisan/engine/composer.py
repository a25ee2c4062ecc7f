"""The offline composer: an engine that writes prompts by rules and data, with no model.

It turns an idea into a scene (a style preset and a phrase per axis, see `scene`), then writes
the scene in the shape the target expects (see `layout`). It is instant and needs no network, so
artisan writes prompts on a fresh machine with no key and no server. Every answer says
`model = "composer"`, so nobody mistakes it for a model's.

With a seed, the same idea gives the same prompt. Refining and variations work best on prompts
the composer wrote itself in this session (it remembers their scenes); any other prompt is
changed in place where its phrases are recognised (see `retouch`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING

from artisan.engine.answer import (
    Completion,
    IndexedTextCallback,
    ResultCallback,
    TextCallback,
)
from artisan.engine.layout import LIST_FORMATS, render
from artisan.engine.presets import ComposerData, Preset, load_composer_data
from artisan.engine.retouch import Edit, medium_preset, retouch
from artisan.engine.scene import (
    SCENE_AXES,
    Scene,
    apply_instruction,
    aspect_for,
    axis_pool,
    candidate_presets,
    change_values,
    compose,
    pick_axes,
    read_instruction,
)
from artisan.state import EngineName, State

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.errors import ArtisanError
    from artisan.targets import Target

MODEL: str = EngineName.COMPOSER
"""What the composer's answers give as their model, in the app and in the library."""
REMEMBERED = 256
"""How many written prompts keep their scene for refining and variations."""
PIECES = 4
"""Text is handed over in a few pieces, like a stream, so screens treat both engines alike."""
_ATTEMPTS = 12


class Composer:
    """Writes prompts offline from presets and vocabularies.

    Args:
        settings: The effective settings (the composer needs none of them today; taken so every
            engine is built the same way).
        seed: Makes the output reproducible: the same seed and input give the same prompt.
            Without one, each request draws a fresh seed.
        data: Presets and vocabulary; loaded from the shipped and user files when omitted.
        user_dir: Where the user's preset files are (default `<config dir>/composer`).
    """

    name: str = EngineName.COMPOSER

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        seed: int | None = None,
        data: ComposerData | None = None,
        user_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.seed = seed
        self.data = data if data is not None else load_composer_data(user_dir)
        self._scenes: OrderedDict[str, Scene] = OrderedDict()

    @property
    def problems(self) -> list[str]:
        """User preset files that could not be used, one message each."""
        return self.data.problems

    @property
    def presets(self) -> dict[str, Preset]:
        return self.data.presets

    async def generate(self, idea: str, target: Target, on_text: TextCallback) -> Completion:
        """Write a prompt for `idea` in `target`'s format."""
        scene = compose(idea, self.data, self._random("generate", idea))
        return await self._send(self._write(scene, target), on_text)

    async def refine(
        self, prompt: str, instruction: str, target: Target, on_text: TextCallback
    ) -> Completion:
        """Change `prompt` as `instruction` says ("moodier, shot on 35mm", "make it winter")."""
        random = self._random("refine", prompt, instruction)
        scene = self._scenes.get(prompt)
        if scene is not None:
            changed = apply_instruction(scene, instruction, self.data, random)
            return await self._send(self._write(changed, target), on_text)
        return await self._send(self._retouch(prompt, instruction, target, random), on_text)

    async def variations(
        self,
        prompt: str,
        target: Target,
        count: int,
        on_text: IndexedTextCallback,
        *,
        on_done: ResultCallback | None = None,
    ) -> list[Completion | ArtisanError]:
        """Write `count` alternatives, each different from the prompt and from each other."""
        random = self._random("variations", prompt)
        scene = self._scenes.get(prompt)
        if scene is not None:
            texts = [self._write(s, target) for s in self._vary(scene, count, random)]
        else:
            texts = self._vary_text(prompt, target.format, count, random)
        results: list[Completion | ArtisanError] = []
        for index, text in enumerate(texts):
            result = await self._send(text, _numbered(on_text, index))
            results.append(result)
            if on_done is not None:
                on_done(index, result)
        return results

    async def aclose(self) -> None:
        """Nothing to let go of: the composer holds no connections."""
        self._scenes.clear()

    def _random(self, *parts: str) -> Random:
        seed = self.seed if self.seed is not None else secrets.randbits(64)
        return Random("\x1f".join([str(seed), *parts]))

    def _write(self, scene: Scene, target: Target) -> str:
        text = render(scene, target.format, self.data, version=self._version(target))
        self._scenes[text] = scene
        self._scenes.move_to_end(text)
        while len(self._scenes) > REMEMBERED:
            self._scenes.popitem(last=False)
        return text

    def _version(self, target: Target) -> str:
        """The model version prompts are written for: the setting, else the target's."""
        wanted = self.settings.midjourney_version if self.settings is not None else None
        if wanted and (not target.versions or wanted in target.versions):
            return wanted
        return target.version

    def _vary(self, scene: Scene, count: int, random: Random) -> list[Scene]:
        """Scenes with other presets (unless the idea chose one) and other phrases."""
        presets = (
            [scene.preset] * count if scene.pinned else self._other_presets(scene, count, random)
        )
        used = {axis: {value} for axis in SCENE_AXES if (value := getattr(scene, axis))}
        seen = {_fingerprint(scene)}
        out = []
        for preset in presets:
            for _ in range(_ATTEMPTS):
                varied = pick_axes(scene, preset, self.data, random, used)
                varied = replace(
                    varied,
                    movement=random.choice(self.data.vocabulary.movement),
                    aspect=aspect_for(scene.reading, preset),
                )
                if _fingerprint(varied) not in seen:
                    break
            else:
                varied = _unlike(self.data, seen, varied, random)
            seen.add(_fingerprint(varied))
            for axis in SCENE_AXES:
                if value := getattr(varied, axis):
                    used.setdefault(axis, set()).add(value)
            out.append(varied)
        return out

    def _other_presets(self, scene: Scene, count: int, random: Random) -> list[Preset]:
        pool = [
            (p, w) for p, w in candidate_presets(scene.reading, self.data) if p is not scene.preset
        ]
        picked: list[Preset] = []
        while len(picked) < count and pool:
            chosen = random.choices(range(len(pool)), weights=[w for _, w in pool])[0]
            picked.append(pool.pop(chosen)[0])
        while len(picked) < count:  # fewer suitable presets than variations: reuse them
            picked.append(picked[len(picked) % max(1, len(picked))] if picked else scene.preset)
        return picked

    def _retouch(self, prompt: str, instruction: str, target: Target, random: Random) -> str:
        """Refine a prompt the composer has no scene for, by swapping recognised phrases."""
        read = read_instruction(instruction, self.data)
        edits: list[Edit] = []
        negative: tuple[str, ...] = ()
        if read.preset is not None:
            edits.append(("medium", read.preset.medium))
            if target.format in LIST_FORMATS:
                edits.append(("style", ", ".join(read.preset.style[:2])))
            else:
                edits.append(("look", read.preset.look))
            negative = read.preset.negative
        for change in read.changes:
            edits += change_values(change, self.data, random).items()
        return retouch(
            prompt, target.format, edits, self.data, extras=read.extras, negative=negative
        )

    def _vary_text(self, prompt: str, shape: str, count: int, random: Random) -> list[str]:
        """Variations of a prompt the composer has no scene for: other lighting, framing,
        palette and mood, in place where found, added where not."""
        preset = medium_preset(prompt, self.data)
        vocabulary = self.data.vocabulary
        pools = {
            axis: tuple(dict.fromkeys((getattr(preset, axis) if preset else ()) + fallback))
            for axis, fallback in vocabulary.fallback.items()
        }
        used: dict[str, set[str]] = {axis: set() for axis in pools}
        texts: list[str] = []
        for _ in range(count):
            text = prompt
            for _ in range(_ATTEMPTS):
                edits: list[Edit] = []
                for axis, pool in pools.items():
                    fresh = [p for p in pool if p not in used[axis]] or list(pool)
                    edits.append((axis, random.choice(fresh)))
                text = retouch(prompt, shape, edits, self.data)
                if text not in texts and text != prompt:
                    break
            for axis, phrase in edits:
                used[axis].add(phrase)
            texts.append(text)
        return texts

    async def _send(self, text: str, on_text: TextCallback) -> Completion:
        for piece in _pieces(text, PIECES):
            on_text(piece)
            await asyncio.sleep(0)  # let the screen draw each piece, as with a stream
        return Completion(text=text, finish=State.DONE, model=MODEL)


def _numbered(on_text: IndexedTextCallback, index: int) -> TextCallback:
    return lambda piece: on_text(index, piece)


def _fingerprint(scene: Scene) -> tuple[str | None, ...]:
    return (scene.preset.id, *(getattr(scene, axis) for axis in SCENE_AXES))


def _unlike(
    data: ComposerData, seen: set[tuple[str | None, ...]], scene: Scene, random: Random
) -> Scene:
    """`scene` made unlike every scene in `seen` by another phrase of one of its axes (for
    presets with few phrases), drawn from the pools that suit the idea."""
    for axis in ("mood", "colour", "composition", "lighting"):
        pool = list(axis_pool(axis, scene.preset, scene, data))
        random.shuffle(pool)
        for phrase in pool:
            changed = replace(scene, **{axis: phrase})  # type: ignore[arg-type]
            if _fingerprint(changed) not in seen:
                return changed
    return scene


def _pieces(text: str, count: int) -> list[str]:
    """`text` cut at spaces into about `count` pieces that join back into it exactly."""
    size = max(1, len(text) // count)
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = text.find(" ", start + size)
        end = len(text) if end == -1 else end + 1
        pieces.append(text[start:end])
        start = end
    return pieces
