"""The `artisan` command: the TUI with no arguments, headless subcommands otherwise.

Exit status: 0 success, 1 a runtime error (server, disk, bad data) reported on one line of
stderr, 2 a usage error, 130 interrupted with Ctrl-C (output written so far is kept).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from artisan import __version__
from artisan.clock import Clock, system_clock
from artisan.errors import ArtisanError, UsageError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]
"""A command: takes the parsed arguments, which carry the `clock` too, and returns the exit
status."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from artisan.cli.output import warn

        self.print_usage(sys.stderr)
        warn(message)  # it may quote what was typed
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from artisan.cli import (
        check,
        describe,
        doctor,
        generate,
        image,
        library,
        settings,
        spend,
        styles,
    )

    parser = _Parser(
        prog="artisan",
        description="Write image-generation prompts from the keyboard. With no command, "
        "starts the app.",
    )
    parser.add_argument("--version", action="version", version=f"artisan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    generate.register(commands)
    check.register(commands)
    image.register(commands)
    describe.register(commands)
    spend.register(commands)
    library.register(commands)
    settings.register(commands)
    styles.register(commands)
    doctor.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock = system_clock) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: The arguments (default: the process's own).
        clock: What time it is, for whatever is decided by the date: which month spending
            counts against, which image models are still served, how old a saved prompt is.
            Every command reads it as `args.clock`.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _run_app(clock)  # the common case: no parser to build, no subcommand to import
    from artisan.cli.output import warn

    parser = build_parser()
    args = parser.parse_args(args_list)
    args.clock = clock
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            if args.command is not None:
                # A command group such as `artisan library` with nothing after it.
                parser.parse_args([*args_list, "--help"])
            return _run_app(clock)
        return handler(args)
    except UsageError as error:
        warn(str(error))
        return EXIT_USAGE
    except ArtisanError as error:
        warn(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stdout.flush()
        warn("\ninterrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`artisan library list | head`); say nothing more, and keep
        # Python from complaining about the closed stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _run_app(clock: Clock) -> int:
    from artisan.tui import run

    return run(clock=clock)
