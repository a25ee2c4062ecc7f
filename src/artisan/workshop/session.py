"""The `Workshop`: one session's idea, target, engines, versions and jobs (see the package).

The versions live in `artisan.workshop.history`, the jobs that stream answers into them in
`artisan.workshop.jobs`; the workshop asks the engines and decides which job may run when.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from artisan.draft import Draft, Origin, PromptVersion, Variation
from artisan.engine.answer import (
    EngineHooks,
    PromptEngine,
    batch_summary,
    check_input,
)
from artisan.engine.describe import NoVision
from artisan.errors import ArtisanError
from artisan.shorten import shorten
from artisan.state import EngineName, State
from artisan.workshop.events import (
    PROMPT,
    VARIATIONS,
    Event,
    Job,
    Listener,
    Notice,
    VariationsChanged,
    VersionsChanged,
)
from artisan.workshop.history import NothingToDo, VersionHistory
from artisan.workshop.jobs import Jobs
from artisan.workshop.saving import SavePlan

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.engine.describe import Describer
    from artisan.entry import PromptEntry
    from artisan.images.vision import PreparedImage
    from artisan.refinement.styles import Style
    from artisan.targets import Target, TargetCatalog

EngineFactory = Callable[["Settings", EngineHooks], PromptEngine]
DescriberFactory = Callable[["Settings", EngineHooks], "Describer | None"]
FALLBACK_TARGET = "dalle"


def default_engine(
    settings: Settings, hooks: EngineHooks, *, seed: int | None = None
) -> PromptEngine:
    """The engine the `engine` setting picks: the chat engine (whose SDK is imported on its
    first request, not here) or the offline composer (which `seed` makes reproducible)."""
    from artisan.engine.choice import make_engine

    return make_engine(settings, seed=seed, hooks=hooks)


def default_describer(settings: Settings, hooks: EngineHooks) -> Describer | None:
    """The chat engine with the `vision_model` (else `model`), when the `engine` setting
    picks the chat engine; None when it picks the composer, which cannot see."""
    from artisan.config import with_overrides
    from artisan.engine.choice import choose_engine

    if choose_engine(settings) is EngineName.COMPOSER:
        return None
    from artisan.engine.chat import Engine

    return Engine(
        with_overrides(settings, model=settings.vision_model or settings.model),
        on_retry=hooks.on_retry,
        on_notice=hooks.on_notice,
        on_thinking=hooks.on_thinking,
        on_restart=hooks.on_restart,
    )


class Workshop:
    """One session's idea, versions, variations and jobs.

    Args:
        settings: Model, server, number of variations, default target.
        catalog: The targets.
        draft: The draft to carry on with (from `DraftKeeper.read`); a new one by default.
        listener: Told about every change (see the package docstring).
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
        self.listener: Listener = listener or _ignore
        self.engine_factory = engine_factory or functools.partial(default_engine, seed=seed)
        self.describer_factory = describer_factory or default_describer
        self.seed = seed
        self.on_change: Callable[[], None] | None = None
        """Called after every change worth keeping (the draft keeper writes the draft)."""
        self.history = VersionHistory(
            draft if draft is not None else Draft(), self._tell, self._changed
        )
        self._jobs = Jobs(self._tell, self._changed)
        self._engine: PromptEngine | None = None
        self._describer: Describer | None = None
        for version in self.draft.versions:
            # Text that was streaming when the last session ended arrived only in part.
            if version.state.running:
                version.state = State.INTERRUPTED
            for item in version.variations:
                if item.state.running:
                    item.state = State.INTERRUPTED
        if not self.draft.target:
            self.draft.target = settings.target

    # State -----------------------------------------------------------------------------------

    @property
    def draft(self) -> Draft:
        return self.history.draft

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
        found = self.catalog.find(wanted)
        if found is not None:
            return found
        return self.catalog.targets.get(FALLBACK_TARGET) or next(
            iter(self.catalog.targets.values())
        )

    @property
    def versions(self) -> list[PromptVersion]:
        return self.history.versions

    @property
    def version(self) -> PromptVersion | None:
        """The version shown (not the one streaming in, see `streaming`)."""
        return self.history.version

    @property
    def current(self) -> int:
        return self.history.current

    def position(self, version: PromptVersion | None) -> int | None:
        """Where `version` itself is among the versions (see `VersionHistory.position`)."""
        return self.history.position(version)

    @property
    def streaming(self) -> PromptVersion | None:
        """The version being written now, not yet in `versions`."""
        return self._jobs.streaming

    def streamed_text(self) -> str:
        """What has arrived of the version being written."""
        return self._jobs.streamed_text()

    @property
    def variations(self) -> list[Variation]:
        """The variations of the version shown."""
        return self.history.variations

    @property
    def jobs(self) -> dict[str, Job]:
        """The running or last job of each kind."""
        return self._jobs.last

    def busy(self, kind: str) -> bool:
        return self._jobs.busy(kind)

    @property
    def engine(self) -> PromptEngine:
        """The engine, built on first use."""
        if self._engine is None:
            self._engine = self.engine_factory(self.settings, self._jobs.hooks())
        return self._engine

    @property
    def describer(self) -> Describer:
        """What describes pictures, built on first use.

        Raises:
            CannotDescribe: the composer writes the prompts here, and it cannot see.
        """
        if self._describer is None:
            from artisan.engine.describe import composer_cannot_describe

            self._describer = self.describer_factory(self.settings, self._jobs.hooks())
            if self._describer is None:
                raise composer_cannot_describe()
        return self._describer

    def engine_name(self) -> str:
        """The engine that writes the next prompt: an `EngineName`."""
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
        streaming = self._jobs.streaming
        if streaming is None:
            return draft
        partial = PromptVersion(**{**vars(streaming), "text": self.streamed_text()})
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
        self._jobs.check_free(PROMPT)
        wanted = count or self.settings.variations
        ideas = await self._expand_as_job(idea, wanted)
        if len(ideas) < wanted and ideas != [idea]:
            # Each expansion is a different idea; writing one twice is what variations are for.
            found = (
                "only 1 expansion, so 1 prompt is"
                if len(ideas) == 1
                else f"{len(ideas)} different expansions, so {len(ideas)} prompts are"
            )
            self.listener(
                Notice(f"The idea has {found} written ({wanted} were asked for).", "information")
            )
        first = ideas[0]
        version = self._new_version(Origin.GENERATED, target, idea=first)
        engine = self.engine
        written = await self._jobs.write(
            version,
            "writing the prompt",
            engine,
            lambda on_text: engine.generate(first, target, on_text),
            self.history.append,
            model=self.settings.model,
        )
        if written.text.strip() and len(ideas) > 1:
            await self._jobs.write_expansions(
                written, ideas[1:], target, engine, model=self.settings.model
            )
        return written

    async def _expand_as_job(self, idea: str, count: int) -> list[str]:
        """`expand`, as a job of its own: the status line says so, Esc stops it."""
        from artisan.wildcards import has_wildcards

        if not has_wildcards(idea):
            return [idea]
        job = self._jobs.start(PROMPT, "expanding the wildcards", self.engine)
        outcome = State.ERROR
        try:
            ideas = await self.expand(idea, count)
            outcome = State.DONE
        except asyncio.CancelledError:
            outcome = State.CANCELLED
            raise
        finally:
            self._jobs.end(job, outcome)
        return ideas

    async def expand(self, idea: str, count: int) -> list[str]:
        """The ideas a wildcard idea stands for (just `idea` when it has none), expanded in a
        thread of its own: the event loop goes on meanwhile, and cancelling stops it.

        Raises:
            WildcardError: the wildcards cannot be read, or expand beyond the limits.
        """
        from artisan.wildcards import expand_in_background, has_wildcards

        if not has_wildcards(idea):
            return [idea]
        expanded = await expand_in_background(idea, count, seed=self.seed)
        ideas = [check_input(one, "idea") for one in expanded]
        return ideas or [idea]

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
        self._jobs.check_free(PROMPT)
        target = self.target(current.target)
        version = self._new_version(
            Origin.REFINED, target, idea=current.idea, instruction=instruction, parent=self.current
        )
        engine = self.engine
        return await self._jobs.write(
            version,
            f"refining: “{shorten(instruction, 40)}”",
            engine,
            lambda on_text: engine.refine(prompt, instruction, target, on_text),
            self.history.append,
            model=self.settings.model,
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
        self._jobs.check_free(VARIATIONS)
        count = count or self.settings.variations
        target = self.target(source.target)
        engine = self.engine
        source.variations = [Variation(engine=engine.name) for _ in range(count)]
        job = self._jobs.start(
            VARIATIONS, f"writing {count} variations", engine, source, model=self.settings.model
        )

        def ended(outcome: str) -> None:
            self._jobs.end(job, outcome)
            self.listener(VariationsChanged(source, None))

        await self._jobs.stream_variations(
            source,
            job,
            lambda on_text, on_done: engine.variations(
                prompt, target, count, on_text, on_done=on_done
            ),
            ended,
        )
        self._jobs.end(job, batch_summary(item.state for item in source.variations))
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
        self._jobs.check_free(PROMPT)
        self._jobs.check_free(VARIATIONS)
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
            state=State.STREAMING,
            instruction=image.name,
            variations=[Variation(engine=describer.name, model=model) for _ in range(count)],
        )
        self.history.append(version)
        job = self._jobs.start(
            VARIATIONS,
            f"describing {image.name}: {image.describe()}",
            describer,
            version,
            model=model,
        )
        results = await self._jobs.stream_variations(
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

    def _described(self, version: PromptVersion, job: Job, outcome: str) -> bool:
        """End a describe job: the version takes its first whole prompt as its text; one
        without any is removed again. Whether it was kept."""
        first = next(
            (item for item in version.variations if item.text.strip() and item.state is State.DONE),
            None,
        ) or next(
            (
                item
                for item in version.variations
                if item.text.strip() and item.state is not State.ERROR
            ),
            None,
        )
        kept = first is not None
        if first is not None:
            version.text = first.text.strip()
            version.state = first.state
            version.usage = sum(item.usage or 0 for item in version.variations) or None
        else:
            self.history.remove(version)
        job.kept = kept
        self._jobs.end(job, outcome)
        self.listener(VersionsChanged())
        return kept

    def stop(self) -> int:
        """Stop every running job (what arrived is kept); how many were stopped."""
        return self._jobs.stop()

    # Versions: the history's rules, while nothing streams into it ----------------------------

    def promote(self, index: int) -> PromptVersion:
        """Make variation `index` (from 0) of the current version the newest version.

        Raises:
            NothingToDo: there is no such variation, or it is still being written or empty.
            WorkshopBusy: a prompt is being written.
        """
        self._jobs.check_free(PROMPT)
        return self.history.promote(index)

    def edit(self, text: str) -> PromptVersion | None:
        """The person changed the shown prompt to `text` (see `VersionHistory.edit`); nothing
        changes while an answer streams into the pane."""
        if self._jobs.streaming is not None:
            return None
        return self.history.edit(text, fallback_target=self.target().name, idea=self.idea)

    def compared_with(self) -> int | None:
        """The index of the version the shown one is best compared with."""
        return self.history.compared_with()

    def step(self, delta: int) -> bool:
        """Show an older (-1) or newer (+1) version; False when there is none that way, or
        while an answer streams in (the version it will follow is the one shown)."""
        if self._jobs.streaming is not None:
            return False
        return self.history.step(delta)

    def apply_styles(self, styles: Sequence[Style]) -> tuple[PromptVersion, tuple[str, ...]]:
        """Apply style templates, in order, to the version shown: a new version (`styled`)
        that names them; the one it came from stays as it was.

        Returns:
            The new version, and notes for the person (negative terms the target cannot read).

        Raises:
            NothingToDo: there is no prompt yet, or no style was given.
            WorkshopBusy: a prompt is being written.
        """
        from artisan.refinement.styles import apply_styles

        current = self.version
        if current is None or not current.text.strip():
            raise NothingToDo("There is no prompt to style yet: ctrl+j writes one.")
        if not styles:
            raise NothingToDo("No style was chosen.")
        self._jobs.check_free(PROMPT)
        target = self.target(current.target)
        styled = apply_styles(current.text.strip(), styles, target.format, target.label)
        version = PromptVersion(
            text=styled.text,
            origin=Origin.STYLED,
            engine=current.engine,
            model=current.model,
            target=target.name,
            idea=current.idea,
            state=current.state,
            parent=self.current,
            styles=list(styled.names),
        )
        self.history.append(version)
        return version, styled.notes

    def read_back(self, name: str, text: str, *, model: str = "", note: str = "") -> PromptVersion:
        """A picture's own prompt, read from its metadata, as a described version: the prompt
        is its one variation, and nothing was asked of any model.

        Raises:
            WorkshopBusy: a prompt or variations are being written.
        """
        self._jobs.check_free(PROMPT)
        self._jobs.check_free(VARIATIONS)
        version = PromptVersion(
            text=text,
            origin=Origin.DESCRIBED,
            model=model,
            target=self.target().name,
            idea=f"described from {name}",
            instruction=name,
            note=note,
            variations=[Variation(text=text, state=State.DONE, model=model, note=note)],
        )
        self.history.append(version)
        self.listener(VariationsChanged(version, None))
        return version

    def load_entry(self, entry: PromptEntry) -> PromptVersion:
        """Carry on from a saved prompt: its idea and target, and its prompt as a new version.

        Raises:
            WorkshopBusy: a prompt is being written.
        """
        self._jobs.check_free(PROMPT)
        return self.history.load_entry(entry, known_target=entry.target in self.catalog)

    def start_over(self, keep: Callable[[Draft], object] | None = None) -> None:
        """An empty draft: no idea, no versions, the same target.

        Args:
            keep: Given the old draft first, to keep it (in the history); when it raises,
                nothing changes.

        Raises:
            WorkshopBusy: something is being written.
        """
        self._jobs.check_free(PROMPT)
        self._jobs.check_free(VARIATIONS)
        if keep is not None:
            keep(self.draft)
        self.history.draft = Draft(target=self.draft.target)
        self.listener(VersionsChanged())
        self._changed()

    # Saving ----------------------------------------------------------------------------------

    def save_plan(self, variation: int | None = None) -> SavePlan:
        """What saving would keep: the current version, or its variation `variation` (from 0).

        Raises:
            NothingToDo: there is nothing to save.
        """
        return self.history.save_plan(
            variation,
            idea=self.idea,
            target=self.target().name,
            model_of=lambda engine: (
                EngineName.COMPOSER if engine == EngineName.COMPOSER else self.settings.model
            ),
        )

    def linked(self, plan: SavePlan, entry: PromptEntry) -> None:
        """The plan was saved as `entry`: its version now belongs to that entry."""
        self.history.linked(plan, entry)

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
            state=State.STREAMING,
            instruction=instruction,
            parent=parent,
        )

    def _tell(self, event: Event) -> None:
        # Through the attribute, so a listener set after construction is the one told.
        self.listener(event)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def _ignore(event: Event) -> None:
    """The listener of a workshop nobody watches."""
