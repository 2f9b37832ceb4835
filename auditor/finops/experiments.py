"""Experimental spend told apart by the code that makes it: the hybrid model's "by path mode in code".

    code_experiments(repos, policy) -> tuple[CodeExperiment, ...]

A call site under a path rule with `mode: showback` is experimental/R&D code. Billing does not know paths,
so the chargeback can only recognise its spend by the literal tag values that code writes: each experimental
call's literal values (of the policy's keys) become one rule, and billing groups whose tags equal all of them
are listed as showback, never charged. A rule is applied only when no production call site (any other mode)
could write the same values: one that writes the same literals, a computed value, a dynamic mapping, or a
scope the policy's scope map resolves. Otherwise experiment and production spend cannot be told apart in
billing, and the rule is reported as not applied with the production sites that block it (fail closed: never
take production spend off the chargeback). An experimental call with no literal value cannot be recognised
at all and is reported too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.inventory.build import ScannedRepo
    from auditor.policy import Policy
    from auditor.records import AuditedCall

ANY = "*"  # a key whose value is computed or could come from the scope map: it could be anything
_SHOWN = 3  # sites named per rule in the statement; the JSON and CSV keep the count


@dataclass(frozen=True, slots=True)
class CodeExperiment:
    """One set of literal tag values written by experimental code, and whether it identifies its spend."""

    tags: tuple[tuple[str, str], ...]  # (policy key, literal value), sorted; empty: cannot be recognised
    sites: tuple[str, ...]  # experimental call sites (repo:path:line) writing exactly these values
    blocked_by: tuple[str, ...] = ()  # production call sites that could write the same values

    @property
    def applied(self) -> bool:
        return bool(self.tags) and not self.blocked_by

    def describe(self) -> str:
        where = _sites(self.sites)
        if not self.tags:
            return f"writes no literal tag value, its spend cannot be recognised in billing: {where}"
        tags = ", ".join(f"{k}={v}" for k, v in self.tags)
        if self.applied:
            return f"{tags} (experimental code, path mode showback: {where})"
        return (f"{tags}: not applied, production code could write the same tags ({_sites(self.blocked_by)}); "
                f"experimental code: {where}")


def _sites(sites: tuple[str, ...]) -> str:
    more = len(sites) - _SHOWN
    return ", ".join(sites[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _values(call: AuditedCall, policy: Policy, *, scopes: bool = True) -> dict[str, set[str]]:
    """Key -> the literal values this call writes, or {ANY} when a value could be anything. A computed or
    implicit scope (project, workspace, key) could be any entry of the scope map: with `scopes`, it makes
    the keys the scope map assigns ANY where the call writes no value of its own (billing tags beat the map)."""
    out: dict[str, set[str]] = defaultdict(set)
    keys = [k.name for k in policy.keys]
    open_scope = False
    for ev in call.site.evidence:
        if ev.scope_kind is not None:
            open_scope = open_scope or ev.state != "present"
            continue
        if ev.key is None:
            if ev.state in ("dynamic", "unverifiable"):  # a whole mapping computed at run time
                for key in keys:
                    out[key].add(ANY)
            continue
        canon = policy.canonical(ev.key)
        if canon is None:
            continue
        out[canon].add(ev.value.lower() if ev.state == "present" and ev.value is not None else ANY)
    for tag in call.tags:  # after aliases and the scope map
        if tag.state == "present" and tag.value is not None:
            out[tag.key].add(tag.value.lower())
        elif tag.state in ("dynamic", "unverifiable"):
            out[tag.key].add(ANY)
    if scopes and open_scope:
        for entry in policy.scope_map:
            for key, _ in entry.tags:
                if not out.get(key):
                    out[key].add(ANY)
    return out


def _literal(call: AuditedCall, policy: Policy) -> tuple[tuple[str, str], ...]:
    """The experimental call's literal values, one per key; a key with several or a computed value is left out."""
    values = _values(call, policy, scopes=False)
    known = {k.name for k in policy.keys}
    return tuple(sorted((key, next(iter(vals))) for key, vals in values.items()
                        if key in known and len(vals) == 1 and ANY not in vals))


def _could_write(values: dict[str, set[str]], tags: tuple[tuple[str, str], ...]) -> bool:
    return all(value in values.get(key, ()) or ANY in values.get(key, ()) for key, value in tags)


def _where(repo: ScannedRepo, call: AuditedCall) -> str:
    cell = f"cell {call.site.cell}:" if call.site.cell is not None else ""
    return f"{repo.name}:{call.site.path}:{cell}{call.site.line}"


def code_experiments(repos: list[ScannedRepo], policy: Policy) -> tuple[CodeExperiment, ...]:
    """The experimental tag sets of every repository, each checked against every production call site.
    `policy` is the run's; a repository scanned under its own policy uses that one for its path modes."""
    experimental: dict[tuple[tuple[str, str], ...], list[str]] = defaultdict(list)
    production: list[tuple[str, dict[str, set[str]]]] = []
    for repo in repos:
        pol = repo.policy or policy
        for call in repo.report.calls:
            if call.status == "exempt":  # a local endpoint: nothing billed
                continue
            if pol.settings_for(call.site.path).mode == "showback":
                experimental[_literal(call, pol)].append(_where(repo, call))
            else:
                production.append((_where(repo, call), _values(call, pol)))
    out = []
    for tags, sites in sorted(experimental.items()):
        blocked = tuple(where for where, values in production if tags and _could_write(values, tags))
        out.append(CodeExperiment(tags, tuple(sites), blocked))
    return tuple(out)
