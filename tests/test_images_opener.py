"""How a rendered image is shown: the choice for every environment, and the viewer call."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from artisan.images.opener import ViewChoice, ViewerError, choose_viewer, open_image, show_image

DESKTOP = {"DISPLAY": ":0"}
SSH = {"SSH_CONNECTION": "10.0.0.2 51000 10.0.0.1 22", "SSH_TTY": "/dev/pts/3"}


class Recorder:
    """Stands in for the viewer: records what would have been started."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], Path]] = []

    def __call__(self, command: Sequence[str], path: Path) -> None:
        self.calls.append((tuple(command), path))


@pytest.mark.parametrize(
    ("mode", "platform", "environ", "how", "command", "reason"),
    [
        ("auto", "darwin", {}, "system", ("open",), "local desktop"),
        ("auto", "win32", {}, "system", (), "local desktop"),
        ("auto", "linux", DESKTOP, "system", ("xdg-open",), "local desktop"),
        (
            "auto",
            "linux",
            {"WAYLAND_DISPLAY": "wayland-0"},
            "system",
            ("xdg-open",),
            "local desktop",
        ),
        ("auto", "freebsd14", DESKTOP, "system", ("xdg-open",), "local desktop"),
        ("auto", "linux", {}, "terminal", (), "no graphical display"),
        ("auto", "linux", {"DISPLAY": ""}, "terminal", (), "no graphical display"),
        ("auto", "linux", {**DESKTOP, **SSH}, "terminal", (), "over SSH"),
        (
            "auto",
            "linux",
            {"DISPLAY": "localhost:10.0", "SSH_TTY": "/dev/pts/1"},
            "terminal",
            (),
            "over SSH",
        ),
        (
            "auto",
            "darwin",
            {"SSH_CONNECTION": "10.0.0.2 1 10.0.0.1 22"},
            "terminal",
            (),
            "over SSH",
        ),
        ("auto", "win32", {"SSH_CLIENT": "10.0.0.2 1 22"}, "terminal", (), "over SSH"),
        ("system", "linux", SSH, "system", ("xdg-open",), "open = system"),
        ("terminal", "darwin", {}, "terminal", (), "open = terminal"),
        ("never", "linux", DESKTOP, "never", (), "open = never"),
    ],
)
def test_choice_for_each_environment(
    mode: str,
    platform: str,
    environ: dict[str, str],
    how: str,
    command: tuple[str, ...],
    reason: str,
) -> None:
    assert choose_viewer(mode, platform, environ) == ViewChoice(how, command, reason)


def test_unknown_mode_is_a_bug() -> None:
    with pytest.raises(ValueError, match="sometimes"):
        choose_viewer("sometimes", "linux", {})


def test_system_viewer_is_called_with_the_file(tmp_path: Path) -> None:
    image = tmp_path / "a cat; rm -rf ~.png"
    recorder = Recorder()
    choice = show_image(image, "auto", platform="linux", environ=DESKTOP, launch=recorder)
    assert choice.how == "system"
    assert recorder.calls == [(("xdg-open",), image)]


@pytest.mark.parametrize(
    ("mode", "environ"), [("auto", SSH), ("auto", {}), ("terminal", DESKTOP), ("never", DESKTOP)]
)
def test_no_viewer_outside_a_local_desktop(
    tmp_path: Path, mode: str, environ: dict[str, str]
) -> None:
    recorder = Recorder()
    choice = show_image(
        tmp_path / "x.png", mode, platform="linux", environ=environ, launch=recorder
    )
    assert choice.how != "system"
    assert recorder.calls == []


def test_windows_uses_the_file_association(tmp_path: Path) -> None:
    recorder = Recorder()
    show_image(tmp_path / "x.png", "auto", platform="win32", environ={}, launch=recorder)
    assert recorder.calls == [((), tmp_path / "x.png")]


def test_viewer_runs_from_an_argument_list_never_a_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[Any, dict[str, Any]]] = []

    def popen(args: Any, **options: Any) -> None:
        started.append((args, options))

    monkeypatch.setattr("artisan.images.opener.subprocess.Popen", popen)
    image = tmp_path / "$(touch pwned) `id`.png"
    assert open_image(image, ViewChoice("system", ("xdg-open",)))
    [(args, options)] = started
    assert args == ["xdg-open", str(image)]
    assert not options.get("shell")
    assert options["start_new_session"] is True
    assert options["stdin"] is subprocess.DEVNULL


def test_missing_viewer_is_a_clear_message(tmp_path: Path) -> None:
    image = tmp_path / "x.png"
    with pytest.raises(ViewerError) as caught:
        open_image(image, ViewChoice("system", ("artisan-test-no-such-viewer",)))
    message = str(caught.value)
    assert "`artisan-test-no-such-viewer` is not installed" in message
    assert "artisan config set open terminal" in message
    assert str(image) in message


def test_missing_xdg_open_suggests_installing_it(tmp_path: Path) -> None:
    def missing(command: Sequence[str], path: Path) -> None:
        raise FileNotFoundError(2, "No such file or directory", command[0])

    with pytest.raises(ViewerError, match=r"`xdg-open` is not installed \(install xdg-utils\)"):
        open_image(tmp_path / "x.png", ViewChoice("system", ("xdg-open",)), launch=missing)


def test_no_file_association_outside_windows(tmp_path: Path) -> None:
    with pytest.raises(ViewerError, match="no program is set to open image files"):
        open_image(tmp_path / "x.png", ViewChoice("system", ()))
