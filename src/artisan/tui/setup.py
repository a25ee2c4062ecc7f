"""Setting artisan up from inside the app: the first start, servers found here, the settings.

On the very first start with nothing configured, the welcome says what works at once and where
a model is set up. When no key and no server are set, the app looks for OpenAI-compatible
servers on this machine after its first frame (never delaying it) and offers the first one it
finds; the answer is saved: "Never ask" turns the offer off, and "Not now" is remembered for that
server with those models (`declined-servers.json` in the data folder), so the offer comes back
only when something changed: another server, or other models on it. The settings screen (F2)
changes everything else. Whatever changes, the app carries on with the new settings at once: the
next request builds its engine from them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import config, locations
from artisan.clock import Clock, system_clock
from artisan.errors import ArtisanError
from artisan.state import EngineName

if TYPE_CHECKING:
    from textual.app import App

    from artisan.discovery import FoundServer, KnownServer
    from artisan.targets import TargetCatalog

WELCOMED = ".welcomed"
"""A file in the data folder: the welcome was shown once."""
DECLINED = "declined-servers.json"
"""A file in the data folder: the servers offered and declined ("Not now"), each with its
models."""

log = logging.getLogger("artisan")

SERVER_SEARCH_DELAY = 0.5
"""Seconds `artisan` waits after the first frame before looking for servers. The search loads
an HTTP client and opens sockets; begun at once, it put about 100 ms on the first paint of the
panes, while an offer half a second later is as useful."""


def is_first_start(settings: config.Settings, data_dir: Path | None = None) -> bool:
    """Nothing configured (no setting from a file or the environment) and no welcome shown."""
    folder = data_dir or locations.data_dir()
    return not settings.sources and not (folder / WELCOMED).exists()


def offer_key(server: FoundServer) -> str:
    """What an offer was about: the server's address and the models it has (sorted)."""
    return f"{server.base_url} {' '.join(sorted(server.models))}"


class Setup:
    """The app's setting-up: the welcome, the server offer and the settings screen.

    Args:
        app: The app, for its screens, notifications and workers.
        settings: Returns the settings in force.
        apply: Puts settings read anew from config.toml in force (engine, theme, status).
        catalog: The targets, for the settings screen.
        welcome: Open the welcome after the first frame (the very first start).
        servers: The ports to look at for a model server (none: do not look). `artisan`
            gives the well-known ones; tests give a loopback server's.
        search_delay: Seconds from the first frame to the search (see SERVER_SEARCH_DELAY).
        data_dir: Where the welcome leaves its mark.
    """

    def __init__(
        self,
        app: App[Any],
        settings: Callable[[], config.Settings],
        apply: Callable[[config.Settings], Awaitable[None]],
        catalog: TargetCatalog,
        *,
        welcome: bool = False,
        servers: Sequence[KnownServer] = (),
        search_delay: float = 0.0,
        data_dir: Path | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.app = app
        self.clock = clock
        self.settings = settings
        self.apply = apply
        self.catalog = catalog
        self.welcome = welcome
        self.servers = servers
        self.search_delay = search_delay
        self.data_dir = data_dir or locations.data_dir()
        self._welcome: Any = None

    # The first start and servers found -------------------------------------------------------

    def wants_servers(self) -> bool:
        """Whether to look for a model server here: no key, no server, and not refused."""
        settings = self.settings()
        return (
            bool(self.servers)
            and settings.local_servers == "ask"
            and settings.engine != EngineName.COMPOSER
            and not settings.api_key
            and not settings.base_url
        )

    def after_first_paint(self) -> None:
        """Open the welcome (on the first start) and start looking for servers."""
        from artisan.tui.screens.welcome import WelcomeScreen

        searching = self.wants_servers()
        if self.welcome:
            self.welcome = False
            self._welcome = WelcomeScreen(str(locations.library_dir()), searching)
            self.app.push_screen(self._welcome, self._welcomed)
        if searching and self.search_delay > 0:
            self.app.set_timer(self.search_delay, self._search)
        elif searching:
            self._search()

    def _search(self) -> None:
        self.app.run_worker(self._look, thread=True, group="servers", exclusive=True)

    def _look(self) -> None:
        """In a thread: the probes' imports and sockets stay off the event loop."""
        from artisan.discovery import find_local_servers

        found = asyncio.run(find_local_servers(self.servers))
        self.app.call_from_thread(self._found, found)

    def _found(self, found: list[FoundServer]) -> None:
        welcome = self._welcome
        if welcome is not None and welcome.is_attached:
            welcome.offer(found)
            return
        declined = self._declined()
        fresh = [server for server in found if offer_key(server) not in declined]
        if fresh:
            self._offer(fresh[0])

    def _declined(self) -> set[str]:
        """The offers declined before (see `offer_key`); none when the file is unreadable."""
        from artisan import files

        try:
            data = files.read_json(self.data_dir / DECLINED, files.DECLINED_SERVERS)
        except FileNotFoundError:
            return set()
        except (files.FileProblem, OSError) as problem:
            log.warning("The declined server offers cannot be read: %s", problem)
            return set()
        if not isinstance(data, list):
            return set()
        return {item for item in data if isinstance(item, str)}

    def _decline(self, server: FoundServer) -> None:
        """Remember that this offer was declined, so it is not made again as it is."""
        import json

        from artisan.atomic import write_atomic

        def write() -> None:
            declined = sorted(self._declined() | {offer_key(server)})
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(self.data_dir / DECLINED, json.dumps(declined, indent=1).encode())
            except OSError as error:
                # The offer then comes back at the next start: nothing is lost.
                log.warning("Could not note the declined server offer: %s", error)

        self.app.run_worker(write, thread=True, group="config-write")

    def _offer(self, server: FoundServer) -> None:
        from artisan.tui.screens.welcome import ServerOffer

        def answered(answer: str | None) -> None:
            self._answer_offer(answer, server)

        self.app.push_screen(ServerOffer(server), answered)

    def _welcomed(self, answer: str | None) -> None:
        from artisan.tui.screens.welcome import SETTINGS, USE

        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            (self.data_dir / WELCOMED).touch()
        except OSError as error:
            # Nothing else depends on the mark: the welcome shows again next time.
            log.warning("Could not note that the welcome was shown: %s", error)
        server = self._welcome.server if self._welcome is not None else None
        self._welcome = None
        if answer == SETTINGS:
            self.open_settings()
        elif server is not None:
            self._answer_offer(USE if answer == USE else None, server)

    def _answer_offer(self, answer: str | None, server: FoundServer) -> None:
        from artisan.tui.screens.welcome import NEVER, USE, offered_model

        if answer == USE:
            changes = {"base_url": server.base_url}
            model = offered_model(server)
            if model:
                changes["model"] = model
            self._save(changes, f"Prompts are now written by {model or server.name}.")
        elif answer == NEVER:
            self._save({"local_servers": "never"}, "artisan will not offer local servers again.")
        else:
            self._decline(server)

    def _save(self, changes: dict[str, str], done: str) -> None:
        async def save() -> None:
            import asyncio

            try:
                for key, value in changes.items():
                    await asyncio.to_thread(config.set_value, key, value)
                loaded = await asyncio.to_thread(config.load)
            except ArtisanError as error:
                self.app.notify(f"Not saved: {error}", severity="error", timeout=12)
                return
            await self.apply(loaded.settings)
            self.app.notify(done)
            self._held_back(loaded.settings)

        self.app.run_worker(save(), group="config-write")

    # The settings screen ---------------------------------------------------------------------

    def open_settings(self) -> None:
        from artisan.tui.screens.settings import SettingsScreen

        def closed(saved: bool | None) -> None:
            if saved:
                self.app.run_worker(self._reload(), group="config-write")

        screen = SettingsScreen(
            self.settings(), self.catalog, list(self.app.available_themes), clock=self.clock
        )
        self.app.push_screen(screen, closed)

    async def _reload(self) -> None:
        import asyncio

        try:
            loaded = await asyncio.to_thread(config.load)
        except ArtisanError as error:
            self.app.notify(str(error), severity="error", timeout=12)
            return
        for warning in loaded.warnings:
            self.app.notify(warning, severity="warning", timeout=10)
        await self.apply(loaded.settings)
        self.app.notify("Settings saved; they apply from now on.")
        self._held_back(loaded.settings)

    def _held_back(self, settings: config.Settings) -> None:
        """Say so when a key that is set is not sent to the server now in use."""
        if settings.key_note:
            self.app.notify(settings.key_note, severity="warning", timeout=15)
