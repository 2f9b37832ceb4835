"""Every git process tagaudit starts, hardened so the scanned repository's own config runs no code."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

# The scanned repository is untrusted: its .git/config and .gitattributes could run programs (fsmonitor
# hooks, clean/process filters, textconv, external diffs, gpg, pagers) or reshape the output we parse
# (prefixes, colour, hunk merging, ignored blame revisions). Command-line config outranks the repo's.
_OVERRIDES = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.quotePath", "true"),
    ("core.hooksPath", os.devnull),
    ("diff.external", ""),
    ("diff.noprefix", "false"),
    ("diff.mnemonicPrefix", "false"),
    ("diff.relative", "false"),
    ("diff.interHunkContext", "0"),
    ("color.ui", "false"),
    ("color.diff", "false"),
    ("log.showSignature", "false"),
    ("gpg.program", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
_FILTER_KEYS = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))
_DROP_ENV = ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_DIFF_OPTS", "GIT_TRACE", "GIT_ASKPASS", "SSH_ASKPASS")


@functools.lru_cache(maxsize=64)
def _filter_drivers(cwd: str) -> tuple[str, ...]:
    """Names of the clean/smudge filter drivers configured for the repository at `cwd`."""
    try:
        proc = subprocess.run(["git", "-c", "core.fsmonitor=false", "config", "-z", "--list"], cwd=cwd,
                              env=_base_env(), capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    names = set()
    for item in proc.stdout.split(b"\0"):
        key = item.partition(b"\n")[0].decode("utf-8", "surrogateescape")
        section, _, rest = key.partition(".")
        name, _, var = rest.rpartition(".")
        if section.lower() == "filter" and name and var.lower() in {k for k, _ in _FILTER_KEYS}:
            names.add(name)
    return tuple(sorted(names))


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_LITERAL_PATHSPECS="1", GIT_NO_REPLACE_OBJECTS="1",
               GIT_PAGER="cat", LC_ALL="C")
    return env


def git_env(cwd: Path) -> dict[str, str]:
    """The environment for a git process in `cwd`: the overrides as GIT_CONFIG_* (after any the caller set),
    pathspecs read literally, no prompts, no optional index writes."""
    env = _base_env()
    pairs = [*_OVERRIDES, *((f"filter.{name}.{key}", value) for name in _filter_drivers(str(cwd))
                            for key, value in _FILTER_KEYS)]
    try:
        start = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        start = 0
    for i, (key, value) in enumerate(pairs, start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    return env


def run(args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, timeout: float = 300
        ) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of the hardened `git ARGS` in `cwd`; (127, b"", why) when git cannot run."""
    try:
        proc = subprocess.run(["git", "--no-pager", *args], cwd=cwd, env=git_env(cwd), input=stdin,
                              capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, b"", str(exc).encode()
    return proc.returncode, proc.stdout, proc.stderr


def decode_path(raw: bytes) -> str:
    """A path from git output as the str the rest of tagaudit uses (undecodable bytes survive a round trip)."""
    return raw.decode("utf-8", "surrogateescape")


_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13,
            ord('"'): 34, ord("\\"): 92}


def unquote_c(raw: bytes) -> bytes:
    """git's C-style quoted name (`"caf\\303\\251 \\"x\\".py"`) as raw bytes; unquoted input is returned as is."""
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw
    out = bytearray()
    body, i = raw[1:-1], 0
    while i < len(body):
        c = body[i]
        if c != 0x5C or i + 1 == len(body):
            out.append(c)
            i += 1
        elif body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif len(digits := body[i + 1:i + 4]) == 3 and all(0x30 <= d <= 0x37 for d in digits):
            out.append(int(digits, 8) & 0xFF)
            i += 4
        else:
            out.append(c)
            i += 1
    return bytes(out)
