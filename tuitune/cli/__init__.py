"""The ``tuitune`` command.

Why it is built like this: argparse from the standard library keeps start-up fast (``tuitune
status`` is a glance, not a wait), and each verb lives in a small module that registers its own
sub-parser. Every error meant for a person (:class:`~tuitune.domain.TuituneError`) is printed as
one or more plain lines on stderr with exit status 1; usage errors exit 2 (argparse's
convention); nothing ever prints a traceback at a user. Heavy modules (numpy, scipy, the store,
Textual) are imported inside the verbs that need them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from collections.abc import Sequence

from tuitune import __version__
from tuitune.cli import demo, files, review, rounds, runs, studies
from tuitune.domain.errors import TuituneError

VERB_MODULES = (files, rounds, studies, runs, review, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuitune",
        description="The Deep Learning Tuning Playbook's incremental tuning loop, in the terminal.",
        epilog="Without a command, tuitune opens the TUI on the project of the current folder. "
               "New here? `tuitune demo` opens a sample project with a ready round.",
    )
    parser.add_argument("--version", action="version", version=f"tuitune {__version__}")
    parser.add_argument("-C", "--project", metavar="DIR", default=".",
                        help="the project folder, or any folder below it (default: the current one)")
    parser.add_argument("--low-bandwidth", action="store_true",
                        help="for slow SSH links: refresh every 2 s, no animations")
    parser.add_argument("--marker", choices=["braille", "hd", "dot", "ascii"], default=None,
                        help="plot marker; hd, dot or ascii for fonts without braille (default: $TUITUNE_MARKER "
                             "or braille)")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for module in VERB_MODULES:
        module.register(verbs)
    return parser


def open_tui(args: argparse.Namespace) -> int:
    """A bare ``tuitune``: the TUI on the project of the current folder."""
    from tuitune import config, tui

    folder = config.find_project(Path(args.project))
    return tui.run(folder / config.PROJECT_FILE, low_bandwidth=args.low_bandwidth, marker=args.marker)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.verb is None:
            return open_tui(args)
        return int(args.func(args) or 0)
    except TuituneError as error:
        print(f"tuitune: {error}" if "\n" not in str(error) else f"tuitune:\n{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as error:  # the file system or a process refused (permissions, disk full): not a bug
        print(f"tuitune: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug: say so in one line, keep the traceback in a file
        report = _save_traceback()
        print(f"tuitune: internal error: {type(error).__name__}: {error}\n"
              f"the details are in {report}; please include them in a bug report", file=sys.stderr)
        return 70


def _save_traceback() -> str:
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="tuitune-error-", suffix=".txt", delete=False) as out:
        traceback.print_exc(file=out)
        return out.name
