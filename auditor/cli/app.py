"""The `tagaudit` command. The one boundary that turns errors into messages and exit codes."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from auditor import __version__
from auditor.cli import baseline, billing, fix, inventory, policy, report, scan
from scanners.errors import EXIT_CLEAN, EXIT_USAGE, TagauditError

EXIT_INTERRUPTED = 130


class _OutputClosed(Exception):
    """Standard output went away mid-run (`tagaudit ... | head`)."""


class _Dispatch(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        # Click would turn a closed pipe into a silent exit 1; main() reports it instead.
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _OutputClosed from exc


app = typer.Typer(
    name="tagaudit",
    help="Audit how well application code tags its AI spend.\n\n"
         "Exit codes: 0 clean, 1 blocking findings (including files that could not be parsed), "
         "2 usage, configuration or input error.",
    cls=_Dispatch,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tagaudit {__version__}\n")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


app.command()(scan.scan)
app.command()(scan.explain)
app.command()(scan.rules)
app.command()(fix.fix)
app.add_typer(policy.policy_app, name="policy")
app.add_typer(baseline.baseline_app, name="baseline")
app.add_typer(billing.billing_app, name="billing")  # typer only; DuckDB loads inside its commands
app.add_typer(report.report_app, name="report")  # likewise
app.command()(baseline.suppressions)
app.command()(inventory.inventory)
app.command()(inventory.score)


def _dispatch(argv: list[str] | None) -> int:
    """Run the command line; click prints usage errors and help itself and always ends in SystemExit."""
    try:
        app(args=argv)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else EXIT_CLEAN if code is None else EXIT_USAGE
    return EXIT_CLEAN


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
        code = _dispatch(argv)
        sys.stdout.flush()  # a reader that went away shows up here for output that fit the buffer
        return code
    except TagauditError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"tagaudit: error: {line}\n")
        return exc.exit_code
    except (_OutputClosed, BrokenPipeError):
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
