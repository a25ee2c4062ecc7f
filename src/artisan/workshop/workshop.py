"""The `Workshop` class: the session's state and every action on it (see the package)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from artisan.draft import Draft, Origin, PromptVersion, Variation
from artisan.engine.answer import (
    Completion,
    EngineHooks,
    Finish,
    IndexedTextCallback,
    PromptEngine,
    ResultCallback,
    RetryNotice,
    ThinkingNotice,
    batch_summary,
    check_input,
)
from artisan.engine.describe import NoVision
from artisan.errors import ArtisanError
from artisan.workshop.events import (
    CURRENT_JOB,
    PROMPT,
    VARIATIONS,
    Event,
    Job,
    JobChanged,
    Listener,
    Notice,
    TextArrived,
    VariationsChanged,
    VersionsChanged,
)
from artisan.workshop.saving import SavePlan

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.engine.describe import Describer
    from artisan.entry import PromptEntry
    from artisan.images.vision import PreparedImage
    from artisan.targets import Target, TargetCatalog

EngineFactory = Callable[["Settings", EngineHooks], PromptEngine]


def default_engine(settings: Settings, hooks: EngineHooks) -> PromptEngine:
    """The engine the `engine` setting picks: the chat engine (whose SDK is imported on its
    first request, not here) or the offline composer."""
    from artisan.engine.choice import make_engine

    return make_engine(settings, hooks=hooks)


FALLBACK_TARGET = "dalle"
EXPANSIONS_AT_ONCE = 4
"""How many of a wildcard idea's expansions are written at the same time."""


class WorkshopBusy(ArtisanError):
    """The job asked for is already running (or another one stands in its way)."""


class NothingToDo(ArtisanError):
    """There is no prompt yet to refine, vary, save or render."""


DescriberFactory = Callable[["Settings", EngineHooks], "Describer | None"]


def default_describer(settings: Settings, hooks: EngineHooks) -> Describer | None:
    """The chat engine with the `vision_model` (else `model`), when the `engine` setting
    picks the chat engine; None when it picks the composer, which cannot see."""
    from artisan.config import with_overrides
    from artisan.engine.choice import COMPOSER, choose_engine

    if choose_engine(settings) == COMPOSER:
        return None
    from artisan.engine.chat import Engine

    return Engine(
        with_overrides(settings, model=settings.vision_model or settings.model),
        on_retry=hooks.on_retry,
        on_notice=hooks.on_notice,
        on_thinking=hooks.on_thinking,
        on_restart=hooks.on_restart,
    )


# The workshop ------------------------------------------------------------------------------------


class Workshop:
    """One session's idea, versions, variations and jobs.

    Args:
        settings: Model, server, number of variations, default target.
        catalog: The targets.
        draft: The draft to carry on with (from `DraftKeeper.read`); a new one by default.
        listener: Told about every change (see the module docstring).
        engine_factory: Builds the engine on first use; by default the one the `engine`
            setting picks.
        describer_factory: Builds what describes pictures, on first use; None when nothing
            here can see (see `default_describer`).
        seed: Makes wildcard expansions (and the composer) reproducible.
    """

    def __init__(
        self,
        settings: Settings,
        catalog: TargetCatalog,
        *,
        draft: Draft | None = None,
        listener: Listener | None = None,
        engine_factory: EngineFactory | None = None,
        describer_factory: DescriberFactory | None = None,
        seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.draft = draft if draft is not None else Draft()
        self.listener: Listener = listener or _ignore
        self.engine_factory = engine_factory or default_engine
        self.describer_factory = describer_factory or default_describer
        self.seed = seed
        self.on_change: Callable[[], None] | None = None
        """Called after every change worth keeping (the draft keeper writes the draft)."""
        self.jobs: dict[str, Job] = {}
        """The running or last job of each kind."""
        self._engine: PromptEngine | None = None
        self._describer: Describer | None = None
        self._varying: PromptVersion | None = None
        """The version whose variations are being written."""
        self._streaming: PromptVersion | None = None
        self._parts: list[str] = []
        for version in self.draft.versions:
            # Text that was streaming when the last session ended arrived only in part.
            if version.state == "streaming":
                version.state = Finish.INTERRUPTED.value
            for item in version.variations:
                if item.state == "streaming":
                    item.state = Finish.INTERRUPTED.value
        if not self.draft.target:
            self.draft.target = settings.target

    # State -----------------------------------------------------------------------------------

    @property
    def idea(self) -> str:
        return self.draft.idea

    @idea.setter
    def idea(self, text: str) -> None:
        if text != self.draft.idea:
            self.draft.idea = text
            self._changed()

    @property
    def target_name(self) -> str:
        return self.draft.target

    @target_name.setter
    def target_name(self, name: str) -> None:
        if name != self.draft.target:
            self.draft.target = name
            self._changed()

    def target(self, name: str | None = None) -> Target:
        """The target called `name` (the chosen one by default); the fallback if it is gone."""
        wanted = name or self.draft.target or self.settings.target
        found = self.catalog.targets.get(wanted)
        if found is not None:
            return found
        return self.catalog.targets.get(FALLBACK_TARGET) or next(
            iter(self.catalog.targets.values())
        )

    @property
    def versions(self) -> list[PromptVersion]:
        return self.draft.versions

    @property
    def version(self) -> PromptVersion | None:
        """The version shown (not the one streaming in, see `streaming`)."""
        return self.draft.version

    @property
    def current(self) -> int:
        return self.draft.current

    @property
    def streaming(self) -> PromptVersion | None:
        """The version being written now, not yet in `versions`."""
        return self._streaming

    def streamed_text(self) -> str:
        """What has arrived of the version being written."""
        return "".join(self._parts)

    @property
    def variations(self) -> list[Variation]:
        """The variations of the version shown."""
        version = self.version
        return version.variations if version is not None else []

    def busy(self, kind: str) -> bool:
        job = self.jobs.get(kind)
        return job is not None and job.running

    @property
    def engine(self) -> PromptEngine:
        """The engine, built on first use."""
        if self._engine is None:
            self._engine = self.engine_factory(self.settings, self._hooks())
        return self._engine

    @property
    def describer(self) -> Describer:
        """What describes pictures, built on first use.

        Raises:
            CannotDescribe: the composer writes the prompts here, and it cannot see.
        """
        if self._describer is None:
            from artisan.engine.describe import composer_cannot_describe

            self._describer = self.describer_factory(self.settings, self._hooks())
            if self._describer is None:
                raise composer_cannot_describe()
        return self._describer

    def _hooks(self) -> EngineHooks:
        return EngineHooks(
            on_retry=self._retrying,
            on_notice=self._engine_says,
            on_thinking=self._thinking,
            on_restart=self._restarted,
        )

    def engine_name(self) -> str:
        """The engine that writes the next prompt: "chat" or "composer"."""
        if self._engine is not None:
            return self._engine.name
        from artisan.engine.choice import choose_engine

        return choose_engine(self.settings)

    async def reconfigure(self, settings: Settings) -> None:
        """Use new settings; the next request builds its engine from them."""
        self.settings = settings
        await self.aclose()

    async def aclose(self) -> None:
        engine, self._engine = self._engine, None
        describer, self._describer = self._describer, None
        if engine is not None:
            await engine.aclose()
        if describer is not None:
            await describer.aclose()

    def snapshot(self) -> Draft:
        """The draft as it is now, with the text still streaming in as the current version."""
        draft = self.draft
        if self._streaming is None:
            return draft
        partial = PromptVersion(**{**vars(self._streaming), "text": self.streamed_text()})
        versions = [*draft.versions, partial]
        return Draft(
            idea=draft.idea, target=draft.target, versions=versions, current=len(versions) - 1
        )

    # Writing prompts -------------------------------------------------------------------------

    async def generate(self, count: int | None = None) -> PromptVersion:
        """Write a prompt for the idea, for the chosen target.

        An idea with wildcards (`{red|blue} car at __time_of_day__`) is first expanded into
        `count` ideas (the `variations` setting by default): the first becomes the prompt, the
        others are written as its variations, each knowing its idea.

        Returns:
            The new version: kept as the current one when it has text; otherwise it only says
            how the attempt ended (`state`, `note`).

        Raises:
            ArtisanError: the idea is empty, too long or its wildcards cannot be expanded, or a
                prompt is already being written (nothing sent); or the engine failed
                (`ApiError`, whose partial text is kept in a version).
        """
        idea = check_input(self.idea, "idea")
        target = self.target()
        self._check_free(PROMPT)
        ideas = self.expand(idea, count or self.settings.variations)
        first = ideas[0]
        version = self._new_version(Origin.GENERATED, target, idea=first)
        written = await self._write(
            version,
            "writing the prompt",
            lambda on_text: self.engine.generate(first, target, on_text),
        )
        if written.text.strip() and len(ideas) > 1:
            await self._write_expansions(written, ideas[1:], target)
        return written

    def expand(self, idea: str, count: int) -> list[str]:
        """The ideas a wildcard idea stands for (just `idea` when it has none).

        Raises:
            WildcardError: the wildcards cannot be read.
        """
        from artisan.wildcards import expand, has_wildcards

        if not has_wildcards(idea):
            return [idea]
        ideas = [check_input(one, "idea") for one in expand(idea, count, seed=self.seed)]
        return ideas or [idea]

    async def _write_expansions(
        self, source: PromptVersion, ideas: list[str], target: Target
    ) -> None:
        """Write a prompt for each of `ideas` into `source`'s variations, a few at a time."""
        engine = self.engine
        source.variations = [Variation(engine=engine.name, idea=one) for one in ideas]
        job = self._start(VARIATIONS, f"writing {len(ideas)} more ideas", engine)
        self.listener(VariationsChanged(source, None))
        slots = asyncio.Semaphore(EXPANSIONS_AT_ONCE)

        async def one(index: int) -> None:
            item = source.variations[index]

            def on_text(text: str) -> None:
                if job.first_text is None:
                    self._first_words(job)
                item.text += text
                self.listener(TextArrived(job, index, text))

            async with slots:
                try:
                    result: Completion | ArtisanError = await engine.generate(
                        item.idea, target, on_text
                    )
                except ArtisanError as error:
                    result = error
                self._settle(item, result)
            self.listener(VariationsChanged(source, index))

        try:
            await asyncio.gather(*(one(i) for i in range(len(ideas))))
        except asyncio.CancelledError:
            for item in source.variations:
                if item.state == "streaming":
                    item.state = Finish.CANCELLED.value
            self._end(job, "cancelled")
            self.listener(VariationsChanged(source, None))
            raise
        self._end(job, batch_summary(item.state for item in source.variations))

    async def refine(self, instruction: str) -> PromptVersion:
        """Rewrite the current version with an instruction ("moodier, shot on 35mm").

        Raises:
            NothingToDo: there is no prompt yet.
            ArtisanError: as `generate`.
        """
        current = self.version
        if current is None or not current.text.strip():
            raise NothingToDo("There is no prompt to refine yet: ctrl+j writes one.")
        prompt = check_input(current.text, "prompt")
        instruction = check_input(instruction, "instruction")
        self._check_free(PROMPT)
        target = self.target(current.target)
        version = self._new_version(
            Origin.REFINED, target, idea=current.idea, instruction=instruction, parent=self.current
        )
        return await self._write(
            version,
            f"refining: “{_short(instruction)}”",
            lambda on_text: self.engine.refine(prompt, instruction, target, on_text),
        )

    async def vary(self, count: int | None = None) -> list[Variation]:
        """Write variations of the current version, all at once; they are kept with it.

        Returns:
            The variations, each done, stopped or failed (its error kept on it).

        Raises:
            NothingToDo: there is no prompt yet.
            WorkshopBusy: variations are already being written.
        """
        source = self.version
        if source is None or not source.text.strip():
            raise NothingToDo("There is no prompt to vary yet: ctrl+j writes one.")
        prompt = check_input(source.text, "prompt")
        self._check_free(VARIATIONS)
        count = count or self.settings.variations
        target = self.target(source.target)
        engine = self.engine
        source.variations = [Variation(engine=engine.name) for _ in range(count)]
        job = self._start(VARIATIONS, f"writing {count} variations", engine)

        def ended(outcome: str) -> None:
            self._end(job, outcome)
            self.listener(VariationsChanged(source, None))

        await self._stream_variations(
            source,
            job,
            lambda on_text, on_done: engine.variations(
                prompt, target, count, on_text, on_done=on_done
            ),
            ended,
        )
        self._end(job, batch_summary(item.state for item in source.variations))
        return source.variations

    async def describe(self, image: PreparedImage, count: int | None = None) -> PromptVersion:
        """Write prompts that would make the image model draw `image` again.

        They stream in as the variations of a new version (its origin `described`, its label
        the picture's name), ready to be used, refined, saved or rendered like any variation;
        the version's own text is the first that arrived whole. Each is written for the
        chosen target, by the vision model (`vision_model`, else `model`).

        Returns:
            The new version.

        Raises:
            CannotDescribe: the composer writes prompts here; nothing was sent.
            WorkshopBusy: a prompt or variations are being written.
            NoVision: the model cannot see images (every answer said so); the version is not
                kept.
            ArtisanError: every request failed otherwise (the first failure); not kept.
        """
        self._check_free(PROMPT)
        self._check_free(VARIATIONS)
        describer = self.describer
        count = count or self.settings.variations
        target = self.target()
        model = self.settings.vision_model or self.settings.model
        version = PromptVersion(
            text="",
            origin=Origin.DESCRIBED,
            engine=describer.name,
            model=model,
            target=target.name,
            idea=f"described from {image.name}",
            state="streaming",
            instruction=image.name,
            variations=[Variation(engine=describer.name, model=model) for _ in range(count)],
        )
        self._append(version)
        job = self._start(VARIATIONS, f"describing {image.name}: {image.describe()}", describer)
        job.model = model
        results = await self._stream_variations(
            version,
            job,
            lambda on_text, on_done: describer.describe(
                image, target, count, on_text, on_done=on_done
            ),
            lambda outcome: self._described(version, job, outcome),
        )
        outcome = batch_summary(item.state for item in version.variations)
        if not self._described(version, job, outcome):
            failures = [result for result in results if isinstance(result, ArtisanError)]
            blind = [failure for failure in failures if isinstance(failure, NoVision)]
            raise (blind or failures or [NothingToDo(f"Nothing was described: {outcome}.")])[0]
        return version

    async def _stream_variations(
        self,
        version: PromptVersion,
        job: Job,
        ask: Callable[
            [IndexedTextCallback, ResultCallback],
            Awaitable[Sequence[Completion | ArtisanError]],
        ],
        ended: Callable[[str], object],
    ) -> Sequence[Completion | ArtisanError]:
        """Stream the answers `ask` gets into `version.variations` (made by the caller, one
        per answer), and settle each as its result comes.

        When the job is stopped or fails as a whole, the variations still streaming are marked
        so, `ended` is told ("cancelled" or "error") and the exception goes on. Otherwise the
        results are returned, and the caller ends the job.
        """

        def on_text(index: int, text: str) -> None:
            if job.first_text is None:
                self._first_words(job)
            version.variations[index].text += text
            self.listener(TextArrived(job, index, text))

        def on_done(index: int, result: Completion | ArtisanError) -> None:
            self._settle(version.variations[index], result)
            self.listener(VariationsChanged(version, index))

        self._varying = version
        self.listener(VariationsChanged(version, None))
        try:
            results = await ask(on_text, on_done)
        except asyncio.CancelledError:
            for item in version.variations:
                if item.state == "streaming":
                    item.state = Finish.CANCELLED.value
            ended("cancelled")
            raise
        except ArtisanError as error:
            for item in version.variations:
                if item.state == "streaming":
                    item.state, item.error = "error", str(error)
            ended("error")
            raise
        finally:
            self._varying = None
        for index, result in enumerate(results):
            item = version.variations[index]
            if item.state == "streaming":  # an engine that does not tell `on_done`
                self._settle(item, result)
                self.listener(VariationsChanged(version, index))
        return results

    def _described(self, version: PromptVersion, job: Job, outcome: str) -> bool:
        """End a describe job: the version takes its first whole prompt as its text; one
        without any is removed again. Whether it was kept."""
        first = next(
            (
                item
                for item in version.variations
                if item.text.strip() and item.state == Finish.DONE.value
            ),
            None,
        ) or next(
            (item for item in version.variations if item.text.strip() and item.state != "error"),
            None,
        )
        kept = first is not None
        if first is not None:
            version.text = first.text.strip()
            version.state = first.state
            version.usage = sum(item.usage or 0 for item in version.variations) or None
        elif version in self.draft.versions:
            self.draft.versions.remove(version)
            self.draft.current = len(self.draft.versions) - 1
        job.kept = kept
        self._end(job, outcome)
        self.listener(VersionsChanged())
        return kept

    async def _write(
        self,
        version: PromptVersion,
        label: str,
        ask: Callable[[Callable[[str], None]], Awaitable[Completion]],
    ) -> PromptVersion:
        """Stream one answer into `version`; keep it as the newest version when it has text.

        Returns the version either way: one with no text is not kept, but says how it ended
        (`state`, `note`).
        """
        engine = self.engine
        version.engine = engine.name
        job = self._start(PROMPT, label, engine)
        self._streaming = version
        self._parts = []

        def on_text(text: str) -> None:
            if job.first_text is None:
                self._first_words(job)
            self._parts.append(text)
            self.listener(TextArrived(job, None, text))
            self._changed()

        outcome = ""
        try:
            result = await ask(on_text)
        except asyncio.CancelledError:
            version.state = Finish.CANCELLED.value
            version.text = self.streamed_text()
            outcome = "cancelled"
            raise
        except ArtisanError as error:
            version.state = "error"
            version.text = getattr(error, "partial", "") or self.streamed_text()
            outcome = "error"
            raise
        else:
            version.text = result.text
            version.model = result.model
            _take_result(version, result)
            outcome = version.state
        finally:
            self._streaming = None
            self._parts = []
            kept = bool(version.text.strip())
            job.kept = kept
            if kept:
                self._append(version)
            self._end(job, outcome)
        return version

    # Versions --------------------------------------------------------------------------------

    def promote(self, index: int) -> PromptVersion:
        """Make variation `index` (from 0) of the current version the newest version.

        Raises:
            NothingToDo: there is no such variation, or it is still being written or empty.
            WorkshopBusy: a prompt is being written.
        """
        source = self.version
        if source is None or not 0 <= index < len(source.variations):
            raise NothingToDo("There is no variation to use.")
        item = source.variations[index]
        if item.state == "streaming" or not item.text.strip():
            raise NothingToDo("That variation is not finished yet.")
        self._check_free(PROMPT)
        version = PromptVersion(
            text=item.text.strip(),
            origin=Origin.VARIATION,
            engine=item.engine or source.engine,
            model=item.model or source.model,
            target=source.target,
            idea=item.idea or source.idea,
            state="done" if item.state == "error" else item.state,
            usage=item.usage,
            variation=index + 1,
            parent=self.current,
        )
        self._append(version)
        return version

    def edit(self, text: str) -> PromptVersion | None:
        """The person changed the shown prompt to `text`.

        An edit of the newest version made by editing carries on in it; an edit of any other
        version makes a new version at the end, so the version it started from stays as it was.
        Returns the version holding the edit (None when nothing changed).
        """
        current = self.version
        if current is not None and text == current.text:
            return None
        if self._streaming is not None:
            return None  # the pane is showing an answer as it arrives, not an edit
        last = self.current == len(self.versions) - 1
        if current is not None and current.origin is Origin.EDITED and last:
            current.text = text
            self.listener(VersionsChanged())
            self._changed()
            return current
        version = PromptVersion(
            text=text,
            origin=Origin.EDITED,
            engine=current.engine if current else "",
            model=current.model if current else "",
            target=current.target if current else self.target().name,
            idea=current.idea if current else self.idea,
            parent=self.current if current is not None else None,
            entry_id=current.entry_id if current else None,
        )
        self._append(version)
        return version

    def compared_with(self) -> int | None:
        """The index of the version the shown one is best compared with: the one it was
        refined, promoted or edited from, else the one before it; None when there is none."""
        version = self.version
        if version is None:
            return None
        parent = version.parent
        if parent is not None and 0 <= parent < len(self.versions) and parent != self.current:
            return parent
        return self.current - 1 if self.current > 0 else None

    def step(self, delta: int) -> bool:
        """Show an older (-1) or newer (+1) version; False when there is none that way."""
        if self._streaming is not None:
            return False
        wanted = self.current + delta
        if not 0 <= wanted < len(self.versions):
            return False
        self.draft.current = wanted
        self.listener(VersionsChanged())
        self._changed()
        return True

    def read_back(self, name: str, text: str, *, model: str = "", note: str = "") -> PromptVersion:
        """A picture's own prompt, read from its metadata, as a described version: the prompt
        is its one variation, and nothing was asked of any model.

        Raises:
            WorkshopBusy: a prompt or variations are being written.
        """
        self._check_free(PROMPT)
        self._check_free(VARIATIONS)
        version = PromptVersion(
            text=text,
            origin=Origin.DESCRIBED,
            model=model,
            target=self.target().name,
            idea=f"described from {name}",
            instruction=name,
            note=note,
            variations=[Variation(text=text, state="done", model=model, note=note)],
        )
        self._append(version)
        self.listener(VariationsChanged(version, None))
        return version

    def load_entry(self, entry: PromptEntry) -> PromptVersion:
        """Carry on from a saved prompt: its idea and target, and its prompt as a new version.

        Raises:
            WorkshopBusy: a prompt is being written.
        """
        self._check_free(PROMPT)
        self.draft.idea = entry.idea
        if entry.target in self.catalog.targets:
            self.draft.target = entry.target
        version = PromptVersion(
            text=entry.prompt,
            origin=Origin.LIBRARY,
            engine="composer" if entry.model == "composer" else "",
            model=entry.model,
            target=entry.target,
            idea=entry.idea,
            entry_id=entry.id,
        )
        self._append(version)
        return version

    def start_over(self, keep: Callable[[Draft], object] | None = None) -> None:
        """An empty draft: no idea, no versions, the same target.

        Args:
            keep: Given the old draft first, to keep it (in the history); when it raises,
                nothing changes.

        Raises:
            WorkshopBusy: something is being written.
        """
        self._check_free(PROMPT)
        self._check_free(VARIATIONS)
        if keep is not None:
            keep(self.draft)
        self.draft = Draft(target=self.draft.target)
        self.listener(VersionsChanged())
        self._changed()

    def stop(self) -> int:
        """Stop every running job (what arrived is kept); how many were stopped."""
        stopped = 0
        for job in self.jobs.values():
            if job.running and job.task is not None and not job.task.done():
                job.task.cancel()
                stopped += 1
        return stopped

    # Saving ----------------------------------------------------------------------------------

    def save_plan(self, variation: int | None = None) -> SavePlan:
        """What saving would keep: the current version, or its variation `variation` (from 0).

        Raises:
            NothingToDo: there is nothing to save.
        """
        version = self.version
        if version is None or not version.text.strip():
            raise NothingToDo("There is nothing to save yet: ctrl+j writes a prompt.")
        number = self.current + 1
        if variation is None:
            return SavePlan(
                text=version.text.strip(),
                idea=(version.idea or self.idea).strip(),
                target=version.target or self.target().name,
                model=version.model or _model_of(version.engine, self.settings),
                entry_id=version.entry_id,
                what=f"the prompt (v{number}, {version.label()})",
                version=version,
            )
        if not 0 <= variation < len(version.variations):
            raise NothingToDo("There is no variation to save.")
        item = version.variations[variation]
        if item.state == "streaming" or not item.text.strip():
            raise NothingToDo("That variation is not finished yet.")
        return SavePlan(
            text=item.text.strip(),
            idea=(item.idea or version.idea or self.idea).strip(),
            target=version.target or self.target().name,
            model=item.model or version.model or _model_of(item.engine, self.settings),
            entry_id=None,
            what=f"variation {variation + 1} of v{number}",
            version=None,
        )

    def linked(self, plan: SavePlan, entry: PromptEntry) -> None:
        """The plan was saved as `entry`: its version now belongs to that entry."""
        if plan.version is not None:
            plan.version.entry_id = entry.id
            self._changed()

    # Internals -------------------------------------------------------------------------------

    def _new_version(
        self,
        origin: Origin,
        target: Target,
        *,
        idea: str,
        instruction: str = "",
        parent: int | None = None,
    ) -> PromptVersion:
        return PromptVersion(
            text="",
            origin=origin,
            model=self.settings.model,
            target=target.name,
            idea=idea,
            state="streaming",
            instruction=instruction,
            parent=parent,
        )

    @staticmethod
    def _settle(item: Variation, result: Completion | ArtisanError) -> None:
        """A variation's final result."""
        if isinstance(result, Completion):
            item.text = result.text.strip()
            item.model = result.model
            _take_result(item, result)
        else:
            item.text = getattr(result, "partial", "") or item.text
            item.state, item.error = "error", str(result)

    def _append(self, version: PromptVersion) -> None:
        self.draft.versions.append(version)
        self.draft.current = len(self.draft.versions) - 1
        self.listener(VersionsChanged())
        self._changed()

    def _check_free(self, kind: str) -> None:
        if self.busy(kind):
            if kind == PROMPT:
                raise WorkshopBusy("A prompt is already being written; Esc stops it.")
            raise WorkshopBusy("Variations are already being written; Esc stops them.")
        if kind == VARIATIONS and self.busy(PROMPT):
            raise WorkshopBusy("A prompt is being written; variations start from a finished one.")

    def _start(self, kind: str, label: str, engine: PromptEngine | Describer) -> Job:
        model = "composer" if engine.name == "composer" else self.settings.model
        job = Job(kind=kind, label=label, engine=engine.name, model=model)
        job.task = asyncio.current_task()
        self.jobs[kind] = job
        CURRENT_JOB.set(job)
        self.listener(JobChanged(job))
        return job

    def _first_words(self, job: Job) -> None:
        job.first_text = time.monotonic()
        job.status, job.retry = "", None
        self.listener(JobChanged(job))

    def _end(self, job: Job, outcome: str) -> None:
        job.ended = time.monotonic()
        job.outcome = outcome
        job.status, job.retry = "", None
        job.task = None
        self.listener(JobChanged(job))
        self._changed()

    def _engine_says(self, message: str) -> None:
        self.listener(Notice(message, "information"))

    def _thinking(self, notice: ThinkingNotice) -> None:
        job = CURRENT_JOB.get()
        if job is None:
            return
        job.thinking_since = time.monotonic() if notice.thinking else None
        self.listener(JobChanged(job))

    def _restarted(self, index: int) -> None:
        """A variation starts again (the server ended it to serve another): clear its row."""
        job = CURRENT_JOB.get()
        source = self._varying
        if job is None or source is None or not 0 <= index < len(source.variations):
            return
        item = source.variations[index]
        item.text, item.state = "", "streaming"
        self.listener(TextArrived(job, index, ""))

    def _retrying(self, notice: RetryNotice) -> None:
        job = CURRENT_JOB.get()
        when = f"in {notice.delay:.0f} s" if notice.delay >= 1 else "now"
        # It is being retried for the person: advice to try again would contradict the line.
        reason = notice.reason.replace(" Wait a moment and try again.", "")
        text = f"retry {notice.attempt} of {notice.of} {when}: {reason}"
        if job is None:
            self.listener(Notice(text, "warning"))
            return
        job.status = text
        job.retry = notice
        self.listener(JobChanged(job))

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def _take_result(into: PromptVersion | Variation, result: Completion) -> None:
    """How an answer ended, its cost and what was thought, onto the version or variation."""
    into.state = result.state
    into.note = result.note
    usage = result.usage
    into.usage = usage.total_tokens if usage else None
    into.prompt_tokens = usage.prompt_tokens if usage else None
    into.completion_tokens = usage.completion_tokens if usage else None
    into.usage_estimated = bool(usage and usage.estimated)
    into.reasoning = result.reasoning
    into.thinking_seconds = result.thinking_seconds


def _model_of(engine: str, settings: Settings) -> str:
    return "composer" if engine == "composer" else settings.model


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ignore(event: Event) -> None:
    """The listener of a workshop nobody watches."""
