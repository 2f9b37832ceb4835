"""The `tagaudit` typer application: every command and its options (the error boundary is cli/boundary.py)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from auditor import __version__
from auditor.cli import baseline, billing, fix, inventory, policy, report, scan
from auditor.cli.streams import OutputClosed
from scanners.errors import EXIT_CLEAN, EXIT_USAGE


class _Dispatch(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        # Click would turn a closed pipe into a silent exit 1; main() reports it instead.
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputClosed from exc


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


def dispatch(argv: list[str] | None) -> int:
    """Run the command line; click prints usage errors and help itself and always ends in SystemExit."""
    try:
        app(args=argv)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else EXIT_CLEAN if code is None else EXIT_USAGE
    return EXIT_CLEAN
