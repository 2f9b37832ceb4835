"""`main`: the one boundary that turns errors into messages and exit codes, around either way of reading argv.

`tagaudit scan` with plain arguments (what the pre-commit hook runs) is read by cli/scanrun.py without building
the typer application; everything else, and anything that parser declines, goes to typer (cli/app.py).
"""

from __future__ import annotations

import sys

from auditor.cli.streams import OutputClosed
from scanners.errors import EXIT_USAGE, TagauditError

EXIT_INTERRUPTED = 130


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["scan"]:
        from auditor.cli.scanrun import parse_scan_argv, run_scan
        from auditor.report.registry import REPORTERS

        args = parse_scan_argv(argv[1:], tuple(REPORTERS))
        if args is not None:
            return run_scan(args)
    from auditor.cli.app import dispatch

    return dispatch(argv)


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it): nothing to protect
        pass


def main(argv: list[str] | None = None) -> int:
    """Run `tagaudit ARGV` and return its exit code; every error becomes a message on stderr, never a traceback."""
    from auditor.cli.streams import guard_stdout

    guard_stdout()  # a full or closed stdout is a one-line error and exit 2, not a traceback
    try:
        code = _dispatch(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # a reader that went away shows up here for output that fit the buffer
        return code
    except TagauditError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"tagaudit: error: {line}\n")
        return exc.exit_code
    except (OutputClosed, BrokenPipeError):
        _quiet_stdout()
        sys.stderr.write("tagaudit: error: standard output was closed before all output was written\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("tagaudit: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one boundary: a crash must fail the gate, not pass it
        import os
        import traceback

        if os.environ.get("TAGAUDIT_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"tagaudit: internal error: {type(exc).__name__}: {exc}\n"
                         "tagaudit: set TAGAUDIT_DEBUG=1 for the traceback, and please report it\n")
        return EXIT_USAGE
