"""Every action of the app that has a key, in one table, without Textual.

The table drives the bindings of the app and its panes, the key bar at the bottom, the help
screen (F1) and the command palette (see `artisan.tui.keymap`), so they cannot disagree. Every
entry has an id; the `[keys]` table of config.toml maps ids to other keys
(`generate = "ctrl+g,f8"`), and the settings check those ids here, without starting the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

APP = "app"
IDEA = "idea"
LIBRARY = "library"
VARIATIONS = "variations"
PROMPT = "prompt"
GALLERY = "gallery"

SCOPE_TITLES = {
    APP: "Everywhere",
    IDEA: "Idea pane",
    PROMPT: "Prompt pane",
    VARIATIONS: "Variations pane",
    LIBRARY: "Library list",
    GALLERY: "Gallery",
}


@dataclass(frozen=True)
class KeyAction:
    """One action the user can trigger from the keyboard."""

    id: str
    """The binding id, used in `[keys]` of config.toml."""
    keys: str
    """Default keys, comma-separated; empty for an action only the palette and F1 offer."""
    action: str
    """The Textual action it runs."""
    label: str
    """Short label for the key bar."""
    help: str
    """One line for the help screen and the command palette."""
    scope: str = APP
    show: bool = True
    """Whether the key bar shows it."""
    priority: bool = False
    """Checked before the focused widget's own keys (needed where an editor has focus)."""
    palette: bool = True
    """Whether the command palette offers it."""
    words: str = ""
    """Other words a person may look for it by in the palette ("keys", "shortcuts")."""


KEYMAP: tuple[KeyAction, ...] = (
    KeyAction(
        "generate",
        "ctrl+j",
        "generate",
        "Generate",
        "Write a prompt from the idea",
        priority=True,
        words="write create make prompt",
    ),
    KeyAction(
        "stop", "escape", "stop", "Stop", "Stop the running generation; the text so far is kept"
    ),
    KeyAction(
        "variations",
        "ctrl+n",
        "variations",
        "Variations",
        "Write variations of the current prompt",
        priority=True,
        words="alternatives more ideas options",
    ),
    KeyAction(
        "refine",
        "ctrl+r",
        "refine",
        "Refine",
        "Rewrite the prompt with an instruction",
        priority=True,
        words="change rewrite improve edit",
    ),
    KeyAction(
        "save",
        "ctrl+s",
        "save",
        "Save",
        "Save the prompt shown in the Prompt pane to the library",
        priority=True,
        words="keep store library bookmark",
    ),
    KeyAction(
        "image",
        "ctrl+g",
        "image",
        "Image",
        "Render the prompt shown in the Prompt pane as an image",
        priority=True,
        words="render draw picture generate",
    ),
    KeyAction(
        "open-image",
        "ctrl+o",
        "open_image",
        "Open image",
        "Open (or preview) the last image again",
        show=False,
        priority=True,
        words="view show preview picture",
    ),
    KeyAction(
        "copy",
        "ctrl+y",
        "copy",
        "Copy",
        "Copy the prompt shown in the Prompt pane to the clipboard (OSC 52)",
        show=False,
        priority=True,
        words="clipboard yank",
    ),
    KeyAction(
        "search",
        "ctrl+l",
        "search",
        "Search",
        "Search the library",
        show=False,
        priority=True,
        words="find filter look up",
    ),
    KeyAction(
        "history-back",
        "alt+left",
        "history(-1)",
        "Older",
        "Show the previous version of the prompt",
        show=False,
        words="previous older version back",
    ),
    KeyAction(
        "history-forward",
        "alt+right",
        "history(1)",
        "Newer",
        "Show the next version of the prompt",
        show=False,
        words="next newer version forward",
    ),
    KeyAction(
        "command-palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "Open the command palette: every action, and the themes",
        priority=True,
        palette=False,
    ),
    KeyAction(
        "help",
        "f1",
        "help",
        "Help",
        "Show every key",
        priority=True,
        words="keys shortcuts keyboard bindings",
    ),
    KeyAction(
        "settings",
        "f2",
        "settings",
        "Settings",
        "Settings: who writes prompts (key, server, model), target, images, theme",
        show=False,
        priority=True,
        words="preferences options config api key server model",
    ),
    KeyAction(
        "quit",
        "ctrl+q",
        "quit",
        "Quit",
        "Quit (the draft is kept)",
        priority=True,
        words="exit close leave",
    ),
    KeyAction(
        "compare",
        "f3",
        "compare",
        "Compare",
        "Show what changed from the version this one came from (or the one before)",
        show=False,
        priority=True,
        words="diff difference changes what changed",
    ),
    KeyAction(
        "thinking",
        "f6",
        "thinking",
        "Thinking",
        "Read what the model thought before writing the prompt shown (in Variations: the "
        "highlighted one)",
        show=False,
        priority=True,
    ),
    KeyAction(
        "describe",
        "ctrl+t",
        "describe",
        "Describe",
        "Describe a picture (a file, or an image in the library): its prompts become variations",
        show=False,
        priority=True,
        words="image to prompt picture reverse",
    ),
    KeyAction(
        "phrases",
        "f4",
        "phrases",
        "Phrases",
        "Pick a phrase (lighting, lens, medium, negative terms...) and put it in at the cursor",
        show=False,
        priority=True,
    ),
    KeyAction(
        "styles",
        "f5",
        "styles",
        "Styles",
        "Apply style templates, stacked in order, to the prompt (or to the idea being typed)",
        show=False,
        priority=True,
    ),
    KeyAction(
        "gallery",
        "",
        "gallery",
        "Gallery",
        "Show the images of the last render, or of the prompt shown, as a gallery",
        show=False,
        words="images pictures thumbnails",
    ),
    KeyAction(
        "new-draft",
        "",
        "new_draft",
        "New draft",
        "Start over with an empty idea and prompt (the old draft is kept in the history)",
        show=False,
        words="clear reset start over",
    ),
    KeyAction(
        "clear-idea",
        "ctrl+u",
        "clear_idea",
        "Clear",
        "Clear the whole idea at once (ctrl+z brings it back)",
        scope=IDEA,
        words="erase empty reset delete",
    ),
    KeyAction(
        "promote",
        "enter",
        "variation('promote')",
        "Use",
        "Use the highlighted variation as the prompt (a new version)",
        scope=VARIATIONS,
        palette=False,
    ),
    KeyAction(
        "variation-save",
        "s",
        "variation('save')",
        "Save this",
        "Save the highlighted variation to the library",
        scope=VARIATIONS,
        palette=False,
    ),
    KeyAction(
        "variation-copy",
        "c",
        "variation('copy')",
        "Copy this",
        "Copy the highlighted variation to the clipboard",
        scope=VARIATIONS,
        palette=False,
    ),
    KeyAction(
        "variation-image",
        "g",
        "variation('image')",
        "Render",
        "Render the marked variations together, one request each (none marked: the highlighted)",
        scope=VARIATIONS,
        palette=False,
    ),
    KeyAction(
        "variation-mark",
        "space",
        "mark",
        "Mark",
        "Mark or unmark the highlighted variation for rendering together",
        scope=VARIATIONS,
        palette=False,
    ),
    KeyAction(
        "variation-mark-all",
        "a",
        "mark_all",
        "Mark all",
        "Mark every variation (when all are marked: unmark them)",
        scope=VARIATIONS,
        show=False,
        palette=False,
    ),
    KeyAction(
        "library-load",
        "enter",
        "entry('load')",
        "Load",
        "Load the entry into Idea and Prompt",
        scope=LIBRARY,
        palette=False,
    ),
    KeyAction(
        "library-preview",
        "p,space",
        "entry('preview')",
        "Preview",
        "Show the entry (prompt, tags, images) before loading it",
        scope=LIBRARY,
    ),
    KeyAction(
        "library-favorite",
        "f",
        "entry('favorite')",
        "Favourite",
        "Mark or unmark the entry as a favourite",
        scope=LIBRARY,
    ),
    KeyAction("library-tags", "t", "entry('tags')", "Tags", "Edit the entry's tags", scope=LIBRARY),
    KeyAction(
        "library-rename", "r", "entry('rename')", "Rename", "Rename the entry", scope=LIBRARY
    ),
    KeyAction(
        "library-edit",
        "e",
        "entry('edit')",
        "Edit",
        "Edit the entry's prompt in $EDITOR",
        scope=LIBRARY,
    ),
    KeyAction(
        "library-images",
        "i",
        "entry('images')",
        "Images",
        "Show the images made from the entry",
        scope=LIBRARY,
    ),
    KeyAction(
        "library-copy",
        "c",
        "entry('copy')",
        "Copy",
        "Copy the entry's prompt to the clipboard",
        scope=LIBRARY,
    ),
    KeyAction(
        "library-delete",
        "d,delete",
        "entry('delete')",
        "Delete",
        "Move the entry to the trash",
        scope=LIBRARY,
    ),
    KeyAction(
        "library-undo",
        "u",
        "entry('undo')",
        "Undo",
        "Bring back the last deleted entry",
        scope=LIBRARY,
    ),
    KeyAction(
        "gallery-show",
        "enter",
        "show",
        "Show",
        "Show the image large, with its whole prompt and the prompt the model drew",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-keep",
        "k",
        "keep",
        "Keep",
        "Keep the image (a favourite, and its prompt too); again: unkeep it",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-edit",
        "e",
        "edit",
        "Edit",
        "Edit the image with an instruction (GPT Image); the result joins the same entry",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-discard",
        "d",
        "discard",
        "Discard",
        "Move the image to the library's trash (u brings it back)",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-undo",
        "u",
        "undo",
        "Undo",
        "Bring back the last image discarded",
        scope=GALLERY,
        show=False,
        palette=False,
    ),
    KeyAction(
        "gallery-open",
        "o",
        "open",
        "Open",
        "Open the image in the system viewer",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-copy",
        "c",
        "copy_path",
        "Copy path",
        "Copy the image's path to the clipboard",
        scope=GALLERY,
        palette=False,
    ),
    KeyAction(
        "gallery-close",
        "escape",
        "close",
        "Close",
        "Close the gallery",
        scope=GALLERY,
        palette=False,
    ),
)

KEYMAP_BY_ID: dict[str, KeyAction] = {action.id: action for action in KEYMAP}


def unknown_actions(names: Iterable[str], source: str) -> list[str]:
    """Warnings for remapped action names that are not in the table."""
    known = ", ".join(sorted(KEYMAP_BY_ID))
    return [
        f"{source}: `keys.{name}` names no action; known actions: {known}."
        for name in names
        if name not in KEYMAP_BY_ID
    ]


def binding_keys(text: str) -> list[str]:
    """The keys of a binding ("ctrl+j, f5" gives ctrl+j and f5), empty parts left out."""
    return [key.strip() for key in text.split(",") if key.strip()]


def check_bindings(remap: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Split a remapping (`[keys]` of config.toml) into the bindings that can be used and the
    problems of the others, by action id.

    A binding is refused when it names no key (`",,,"`), or when one of its keys is already
    another action's where both can be pressed: in the same pane, or where either works
    everywhere (`generate = "ctrl+q"` would take Quit away). Keys the shipped table gives to
    two actions on purpose (Esc stops a generation and closes the gallery) stay allowed. A
    refused action keeps its own keys; that can clash in turn, so the check runs until
    nothing changes.
    """
    known = {name: text for name, text in remap.items() if name in KEYMAP_BY_ID}
    problems: dict[str, str] = {}
    for name, text in known.items():
        if not binding_keys(text):
            problems[name] = "it names no key."
    keys = {
        action.id: binding_keys(known[action.id])
        if action.id in known and action.id not in problems
        else binding_keys(action.keys)
        for action in KEYMAP
    }
    changed = True
    while changed:
        changed = False
        for name in known:
            if name in problems:
                continue
            clash = _clash(name, keys)
            if clash is not None:
                problems[name] = clash
                keys[name] = binding_keys(KEYMAP_BY_ID[name].keys)
                changed = True
    good = {name: ",".join(binding_keys(text)) for name, text in known.items()}
    return {name: text for name, text in good.items() if name not in problems}, problems


def _clash(name: str, keys: Mapping[str, list[str]]) -> str | None:
    """How `name`'s keys clash with another action's, or None."""
    mine = KEYMAP_BY_ID[name]
    for other in KEYMAP:
        if other.id == name or not _together(mine.scope, other.scope):
            continue
        for key in keys[name]:
            if key in keys[other.id] and key not in _SHARED_BY_DEFAULT.get(
                frozenset((name, other.id)), ()
            ):
                return (
                    f"{key} is already the key of “{other.label}” (`{other.id}`); choose "
                    f"another key, or give `{other.id}` another one first."
                )
    return None


def _together(first: str, second: str) -> bool:
    """Whether keys of these two scopes can be pressed at the same moment."""
    return first == second or APP in (first, second)


def _shared_by_default() -> dict[frozenset[str], set[str]]:
    shared: dict[frozenset[str], set[str]] = {}
    for first in KEYMAP:
        for second in KEYMAP:
            if first.id < second.id and _together(first.scope, second.scope):
                common = set(binding_keys(first.keys)) & set(binding_keys(second.keys))
                if common:
                    shared[frozenset((first.id, second.id))] = common
    return shared


_SHARED_BY_DEFAULT = _shared_by_default()
