"""The project's one error type and the exit codes it maps to at the CLI boundary."""

from __future__ import annotations

from typing import TypeVar

_S = TypeVar("_S", bound=str)

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class TagauditError(Exception):
    """Bad input or configuration: `<where>: <what>; <how to fix>`. The CLI maps it to exit code 2."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.where = where
        self.what = message
        self.hint = hint
        text = f"{where}: {message}" if where else message
        if hint:
            text = f"{text}; {hint}"
        super().__init__(text)


class PolicyError(TagauditError):
    """A policy file that does not validate. Carries every problem, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def clip(text: str, limit: int = 200) -> str:
    """Input echoed in a message, cut to `limit` characters: a hostile file must not make a 25 MB error."""
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text):,} characters)"


def one_of(value: object, allowed: tuple[_S, ...], *, what: str, where: str | None = None) -> _S:
    """`value` as one of the `allowed` strings (a Literal's `get_args`), for values read from files and JSON."""
    if type(value) is str:
        for option in allowed:
            if value == option:
                return option
    raise TagauditError(f"{what} {clip(repr(value))} is not one of {', '.join(allowed)}", where=where)
