"""The workshop: one session of turning an idea into prompts, as plain Python.

The workshop holds the idea, the target, every version of the prompt (each knowing where it came
from), the variations written from each version and the jobs running now. It asks an engine for
text (the chat engine or the composer: anything that is a `PromptEngine`) and tells a listener
what changed, one event at a time. The app and the command line both drive a workshop, so every
rule about versions lives here and the two faces cannot drift apart:

- a version is history: an edit of an older version makes a new version at the end, it never
  overwrites the one it started from;
- variations belong to the version they were written from;
- an answer that is stopped, cut off or fails keeps every word that arrived;
- input is checked once, here, before any engine sees it.

The workshop (`session.py`) keeps its versions in a `VersionHistory` (`history.py`) and runs
its requests as jobs (`jobs.py`); saving to the library is `saving.py`.

Events are plain objects (`TextArrived`, `JobChanged`, `VersionsChanged`, `VariationsChanged`,
`Notice`); the listener is called on the event loop that runs the workshop's coroutines, so the
app turns them into Textual messages and the command line into output.
"""

from artisan.workshop.events import (
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
from artisan.workshop.history import NothingToDo, VersionHistory
from artisan.workshop.jobs import WorkshopBusy
from artisan.workshop.saving import SavePlan, save
from artisan.workshop.session import EngineFactory, Workshop, default_engine

__all__ = [
    "PROMPT",
    "VARIATIONS",
    "EngineFactory",
    "Event",
    "Job",
    "JobChanged",
    "Listener",
    "NothingToDo",
    "Notice",
    "SavePlan",
    "TextArrived",
    "VariationsChanged",
    "VersionHistory",
    "VersionsChanged",
    "Workshop",
    "WorkshopBusy",
    "default_engine",
    "save",
]
