"""Refining at the keyboard, for the app: completions while typing, phrases, styles.

`Refining` is the app's `completions` source (see `artisan.tui.widgets.completing`): it holds
the core `Completer`, whose vocabulary is built in a thread once the library has been read and
made searchable, and swapped in whole; until then completions offer the wildcard files and
Midjourney's parameters only. It also opens the phrase picker (F4) and the style picker (F5)
and puts what was chosen where the person was typing: the idea, or the prompt shown (a new
version, as any edit of the prompt).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import TextArea

from artisan.errors import ArtisanError
from artisan.refinement.completions import WILDCARD, Completer, Completion
from artisan.tui.widgets.completing import IDEA, PROMPT

if TYPE_CHECKING:
    from artisan.entry import PromptEntry
    from artisan.refinement.phrases import Phrase, PhraseBook
    from artisan.refinement.styles import Style
    from artisan.tui.app import ArtisanApp
    from artisan.tui.widgets.completion_menu import CompletionMenu


class Refining:
    """Completions, the phrase picker and the style picker of one app."""

    def __init__(self, app: ArtisanApp) -> None:
        self.app = app
        self.completer = Completer(None)
        self.ready = False
        """The vocabulary, library included, has been built."""
        self._book: PhraseBook | None = None
        self._open: set[CompletionMenu] = set()

    # Completions ---------------------------------------------------------------------------

    def complete(self, before: str, whole: str, where: str) -> list[Completion]:
        """Completions for an editor: wildcards in the idea, Midjourney's parameters in a
        Midjourney prompt, phrases everywhere."""
        shape = self.app.workshop.target().format if where == PROMPT else ""
        found = self.completer.complete(before, shape, whole)
        if where != IDEA:
            found = [item for item in found if item.kind != WILDCARD]
        return found

    def opened(self, menu: CompletionMenu) -> None:
        self._open.add(menu)

    def close_menus(self) -> None:
        """Close the lists of completions that are open (called for every action: nothing
        is looked up when none is)."""
        while self._open:
            self._open.pop().hide()

    def learn(self, entries: list[PromptEntry]) -> None:
        """Build the vocabulary from the composer's data, the phrase book and `entries`, in a
        thread; the one in use serves until it is ready."""
        self.app.run_worker(
            lambda: self._build(entries),
            thread=True,
            exclusive=True,
            group="completions",
            exit_on_error=False,
        )

    def _build(self, entries: list[PromptEntry]) -> None:
        from artisan.engine.presets import load_composer_data
        from artisan.refinement.phrases import load_phrase_book
        from artisan.refinement.vocabulary import build_vocabulary, composer_phrases
        from artisan.wildcards import wildcard_files

        phrases = composer_phrases(load_composer_data())
        book = load_phrase_book()
        phrases += [phrase.text for phrase in book.phrases()]
        vocabulary = build_vocabulary(phrases, entries, len(entries))
        self.completer = Completer(vocabulary, wildcard_files())
        self._book = book
        self.ready = True

    # Phrases -------------------------------------------------------------------------------

    def pick_phrase(self) -> None:
        """Open the phrase picker; the phrase goes where the person was typing."""
        from artisan.refinement.phrases import load_phrase_book
        from artisan.tui.screens.phrases import PhrasePicker

        where = self._where()
        if self._book is None or self._book.problems:
            self._book = load_phrase_book()
            for problem in self._book.problems:
                self.app.notify(problem, severity="warning", timeout=10)
        target = self.app.workshop.target()
        place = "the idea" if where == IDEA else f"the prompt ({target.label})"
        self.app.push_screen(
            PhrasePicker(self._book, place),
            lambda phrase: self._insert(phrase, where) if phrase is not None else None,
        )

    def _insert(self, phrase: Phrase, where: str) -> None:
        from artisan.refinement.placing import add_negative, insert_phrase

        target = self.app.workshop.target()
        if phrase.negative:
            editor = self._prompt_editor()
            if editor is None:
                return
            try:
                text = add_negative(editor.text, phrase.text, target.format, target=target.label)
            except ArtisanError as error:
                self.app.notify(str(error), severity="warning", timeout=10)
                return
            _replace_all(editor, text, len(text))
            return
        editor = self.app.idea_pane.editor if where == IDEA else self._prompt_editor()
        if editor is None:
            return
        row, column = editor.cursor_location
        offset = sum(len(line) + 1 for line in editor.document.lines[:row]) + column
        placed = insert_phrase(editor.text, offset, phrase.text, target.format)
        _replace_all(editor, placed.text, placed.cursor)

    # Styles --------------------------------------------------------------------------------

    def pick_styles(self) -> None:
        """Open the style picker; the styles apply to the idea when the person was typing it,
        otherwise to the prompt shown (a new version)."""
        from artisan.refinement.styles import load_style_book
        from artisan.tui.screens.styles import StylePicker

        where = self._where()
        book = load_style_book()
        for problem in book.problems:
            self.app.notify(problem, severity="warning", timeout=10)
        place = "the idea" if where == IDEA else "the prompt shown"
        self.app.push_screen(
            StylePicker(book, place),
            lambda styles: self._apply(styles, where) if styles else None,
        )

    def _apply(self, styles: list[Style], where: str) -> None:
        from artisan.refinement.styles import apply_styles

        names = " + ".join(style.name for style in styles)
        target = self.app.workshop.target()
        if where == IDEA:
            editor = self.app.idea_pane.editor
            styled = apply_styles(editor.text, styles, target.format, target.label)
            _replace_all(editor, styled.text, len(styled.text))
            notes = styled.notes
        else:
            try:
                _, notes = self.app.workshop.apply_styles(styles)
            except ArtisanError as error:
                self.app.notify(str(error), severity="warning")
                return
        for note in notes:
            self.app.notify(note, severity="warning", timeout=10)
        self.app.notify(f"Styled: {names}.")

    # Where the words go --------------------------------------------------------------------

    def _where(self) -> str:
        return IDEA if self.app.idea_pane.editor.has_focus else PROMPT

    def _prompt_editor(self) -> TextArea | None:
        pane = self.app.prompt_pane
        if pane.streaming:
            self.app.notify("A prompt is being written; Esc stops it first.", severity="warning")
            return None
        pane.use_editor()
        return pane.editor


def _replace_all(editor: TextArea, text: str, cursor: int) -> None:
    """Put `text` in the editor as one edit (ctrl+z undoes it) and the cursor at `cursor`."""
    editor.replace(text, (0, 0), editor.document.end, maintain_selection_offset=False)
    before = text[:cursor]
    editor.cursor_location = (before.count("\n"), len(before) - before.rfind("\n") - 1)
    editor.focus()
