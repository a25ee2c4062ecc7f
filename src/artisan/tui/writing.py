"""Writing prompts in the app: generate, refine, variations, stop, and the versions kept.

A part of `ArtisanApp` (a mixin): the app composes the panes and owns the settings, the draft
and the library; this module holds what happens between a key such as ctrl+j and the text on
screen. Generation runs in async workers; the openai SDK is imported on the first request.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.reactive import reactive

from artisan.config import Settings
from artisan.draft import Draft, PromptVersion
from artisan.errors import ArtisanError
from artisan.targets import Target, TargetCatalog
from artisan.tui.screens.ask import AskScreen
from artisan.tui.widgets.idea import IdeaPane
from artisan.tui.widgets.prompt import PromptPane
from artisan.tui.widgets.variations import VariationsPane

if TYPE_CHECKING:
    from artisan.engine import Engine, RetryNotice


class PromptWriting(App[None]):
    """Generating, refining and varying prompts, and stepping through their versions."""

    generating_prompt: reactive[bool] = reactive(False, bindings=True)
    generating_variations: reactive[bool] = reactive(False, bindings=True)

    # Provided by the app.
    settings: Settings
    catalog: TargetCatalog
    draft: Draft
    engine: Engine | None
    idea_pane: IdeaPane
    prompt_pane: PromptPane
    variations_pane: VariationsPane
    _streaming_version: PromptVersion | None

    if TYPE_CHECKING:  # provided by DraftKeeping and ArtisanApp

        def _save_draft_soon(self) -> None: ...

        def _report_unexpected(self, error: BaseException) -> None: ...

    def _target(self) -> Target:
        name = self.idea_pane.target
        return self.catalog.targets.get(name) or self.catalog.get("dalle")

    def _get_engine(self) -> Engine:
        if self.engine is None:
            from artisan.engine import Engine

            self.engine = Engine(self.settings, on_retry=self._retrying)
        return self.engine

    def _retrying(self, notice: RetryNotice) -> None:
        self.notify(
            f"{notice.reason} Retrying in {notice.delay:.0f}s ({notice.attempt} of {notice.of}).",
            severity="warning",
            timeout=6,
        )

    def action_generate(self) -> None:
        # ctrl+j is handled by the app as soon as it arrives, but keys typed (or pasted) just
        # before it may still wait in the editor's queue: read the idea after them.
        self.idea_pane.editor.call_later(self._generate_from_idea)

    def _generate_from_idea(self) -> None:
        from artisan.engine.answer import InputTooLong, check_input

        try:
            idea = check_input(self.idea_pane.idea, "idea")
        except InputTooLong as error:
            self.notify(str(error), severity="error", timeout=10)
            return
        except ArtisanError:
            self.notify("Describe the image in the Idea pane first.", severity="warning")
            self.idea_pane.editor.focus()
            return
        if self.generating_prompt:
            self.notify("A prompt is already being written; Esc stops it.")
            return
        self._write_prompt(idea, "", "")

    def action_refine(self) -> None:
        prompt = self.prompt_pane.text.strip()
        if not prompt:
            self.notify("There is no prompt to refine yet: ctrl+j writes one.", severity="warning")
            return
        if self.generating_prompt:
            self.notify("A prompt is already being written; Esc stops it.")
            return

        def refine(instruction: str | None) -> None:
            from artisan.engine.answer import check_input

            if not instruction or not instruction.strip():
                return
            try:
                self._write_prompt(
                    "", check_input(prompt, "prompt"), check_input(instruction, "instruction")
                )
            except ArtisanError as error:
                self.notify(str(error), severity="error", timeout=10)

        self.push_screen(
            AskScreen(
                "Refine",
                "How should the prompt change? Enter refines, Esc cancels",
                placeholder="moodier, shot on 35mm",
            ),
            refine,
        )

    @work(group="prompt")
    async def _write_prompt(self, idea: str, prompt: str, instruction: str) -> None:
        target = self._target()
        pane = self.prompt_pane
        version = PromptVersion(
            text="",
            model=self.settings.model,
            target=target.name,
            state="streaming",
            instruction=instruction,
        )
        self._streaming_version = version
        self.generating_prompt = True
        pane.begin(self._caption(version))
        try:
            engine = self._get_engine()
            if instruction:
                result = await engine.refine(prompt, instruction, target, pane.feed)
            else:
                result = await engine.generate(idea, target, pane.feed)
            version.state = result.finish.value
            version.model = result.model
            version.usage = result.usage.total_tokens if result.usage else None
            self._report_finish(version.state)
        except asyncio.CancelledError:
            version.state = "cancelled"
            raise
        except ArtisanError as error:
            version.state = "error"
            self.notify(str(error), title="Prompt", severity="error", timeout=12)
        except Exception as error:
            version.state = "error"
            self._report_unexpected(error)
        finally:
            pane.end(self._caption(version))
            version.text = pane.text
            self._streaming_version = None
            self.generating_prompt = False
            if version.text.strip():
                # The pane already shows this text: only the caption changes.
                self._add_version(version, show=False)
                pane.border_subtitle = self._caption(version)
            elif self.draft.version is not None:
                self._show_current()  # nothing arrived: the previous version stays
            else:
                pane.border_subtitle = self._caption(version)
            self._save_draft_soon()

    def action_variations(self) -> None:
        prompt = self.prompt_pane.text.strip()
        if not prompt:
            self.notify("There is no prompt to vary yet: ctrl+j writes one.", severity="warning")
            return
        if self.generating_variations:
            self.notify("Variations are already being written; Esc stops them.")
            return
        self._write_variations(prompt)

    @work(group="variations")
    async def _write_variations(self, prompt: str) -> None:
        from artisan.engine import ApiError, Completion

        pane = self.variations_pane
        count = self.settings.variations
        pane.begin(count)
        self.generating_variations = True
        try:
            results = await self._get_engine().variations(prompt, self._target(), count, pane.feed)
            errors: list[str] = []
            for index, result in enumerate(results):
                if isinstance(result, Completion):
                    pane.finish(index, result.finish.value, result.text.strip())
                elif isinstance(result, ApiError):
                    pane.finish(index, "error", result.partial, str(result))
                    errors.append(str(result))
            for message in dict.fromkeys(errors):
                self.notify(message, title="Variations", severity="error", timeout=12)
        except asyncio.CancelledError:
            for index, item in enumerate(pane.items):
                if item.state == "streaming":
                    pane.finish(index, "cancelled")
            raise
        except ArtisanError as error:
            for index, item in enumerate(pane.items):
                if item.state == "streaming":
                    pane.finish(index, "error", error=str(error))
            self.notify(str(error), title="Variations", severity="error", timeout=12)
        except Exception as error:
            self._report_unexpected(error)
        finally:
            self.generating_variations = False
            self._save_draft_soon()

    def action_stop(self) -> None:
        stopped = 0
        for worker in self.workers:
            if worker.group in ("prompt", "variations") and worker.is_running:
                worker.cancel()
                stopped += 1
        if stopped:
            self.notify("Stopped; the text so far is kept.")

    def _report_finish(self, state: str) -> None:
        messages = {
            "truncated": "The model stopped at its length limit; the prompt may be cut short.",
            "filtered": "The model's content filter stopped the answer.",
            "interrupted": "The connection dropped before the answer finished; what arrived "
            "is kept.",
        }
        if state in messages:
            self.notify(messages[state], title="Prompt", severity="warning", timeout=10)

    def _caption(self, version: PromptVersion | None) -> str:
        if version is None:
            return ""
        parts = [version.model or self.settings.model, version.target]
        if version.usage:
            parts.append(f"{version.usage:,} tokens")
        parts.append(version.state)
        if self.draft.versions and version in self.draft.versions:
            parts.append(f"v{self.draft.versions.index(version) + 1}/{len(self.draft.versions)}")
        return " · ".join(parts)

    # Prompt versions -------------------------------------------------------------------------

    def _add_version(self, version: PromptVersion, *, show: bool = True) -> None:
        self.draft.versions.append(version)
        self.draft.current = len(self.draft.versions) - 1
        if show:
            self._show_current()

    def _show_current(self) -> None:
        version = self.draft.version
        self.prompt_pane.show(version, self._caption(version))

    def action_history(self, step: int) -> None:
        if self.generating_prompt:
            return
        target = self.draft.current + step
        if 0 <= target < len(self.draft.versions):
            self.draft.current = target
            self._show_current()
            self._save_draft_soon()
