"""The policy's `showback:` and `chargeback:` sections, compiled and checked (auditor.policy calls these).

Imports nothing of the application: auditor.policy imports this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

SplitMethod = Literal["proportional", "even", "fixed"]
SPLIT_METHODS: tuple[SplitMethod, ...] = get_args(SplitMethod)
# Environments whose spend is listed, never charged, when the policy does not say (`chargeback.showback_only`).
EXPERIMENT_ENVIRONMENTS = ("development", "dev", "experiment", "experimental", "research", "rnd", "r&d",
                           "sandbox", "prototype")


@dataclass(frozen=True, slots=True)
class TagRule:
    """Matches spend whose `key` resolves to one of `values` (case-insensitive)."""

    key: str
    values: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.key} in ({', '.join(self.values)})"


@dataclass(frozen=True, slots=True)
class ShowbackSettings:
    """Which keys the showback breaks spend down by; None means the default (see auditor.finops.showback)."""

    feature_key: str | None = None
    environment_key: str | None = None
    customer_key: str | None = None
    customer_aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargebackSettings:
    """Shared overhead rules and how overhead splits; `showback_only` None means the default rule
    (the environment key in EXPERIMENT_ENVIRONMENTS)."""

    shared: tuple[TagRule, ...] = ()
    split: SplitMethod = "proportional"
    percentages: tuple[tuple[str, Decimal], ...] = ()
    showback_only: tuple[TagRule, ...] | None = None


def _rules(raw: Any, canon: Callable[[str], str]) -> tuple[TagRule, ...]:
    return tuple(TagRule(canon(str(r["key"])), tuple(str(v) for v in r["values"])) for r in raw or ())


def compile_showback(raw: dict[str, Any] | None, canon: Callable[[str], str]) -> ShowbackSettings:
    raw = raw or {}

    def key(name: str) -> str | None:
        return canon(raw[name]) if raw.get(name) else None

    return ShowbackSettings(key("feature_key"), key("environment_key"),
                            str(raw["customer_key"]) if raw.get("customer_key") else None,
                            tuple(str(a) for a in raw.get("customer_aliases", ())))


def percent(value: Any) -> Decimal:
    """A percentage as written (YAML 33.3 is the text "33.3", not a binary float)."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def compile_chargeback(raw: dict[str, Any] | None, canon: Callable[[str], str]) -> ChargebackSettings:
    raw = raw or {}
    split = raw.get("split", "proportional")
    if split not in SPLIT_METHODS:
        raise ValueError(f"chargeback.split {split!r} is not one of {', '.join(SPLIT_METHODS)}")
    return ChargebackSettings(
        shared=_rules(raw.get("shared"), canon), split=split,
        percentages=tuple(sorted((str(t), percent(p)) for t, p in (raw.get("percentages") or {}).items())),
        showback_only=_rules(raw["showback_only"], canon) if "showback_only" in raw else None)


def finops_problems(data: dict[str, Any], where: Callable[[tuple[Any, ...]], str],
                    known: Callable[[str], bool]) -> list[str]:
    """Problems the schema cannot see: unknown keys in rules, percentages without `fixed` or not summing to 100."""
    problems: list[str] = []
    show = data.get("showback") or {}
    for name in ("feature_key", "environment_key"):
        if name in show and not known(str(show[name])):
            problems.append(f"{where(('showback', name))}: {show[name]!r} is not a policy key; name one of the "
                            "policy's keys (customer_key may be any billing tag)")
    charge = data.get("chargeback") or {}
    for section in ("shared", "showback_only"):
        for i, rule in enumerate(charge.get(section) or ()):
            if not known(str(rule.get("key", ""))):
                problems.append(f"{where(('chargeback', section, i, 'key'))}: {rule.get('key')!r} is not a policy "
                                "key; rules match resolved policy keys (team, use_case, environment, ...)")
    split, pcts = charge.get("split", "proportional"), charge.get("percentages")
    if split == "fixed" and not pcts:
        problems.append(f"{where(('chargeback', 'split'))}: split: fixed needs `percentages`; add team: percent "
                        "entries that sum to 100")
    if pcts and split != "fixed":
        problems.append(f"{where(('chargeback', 'percentages'))}: percentages are used only with split: fixed; "
                        "set split: fixed or remove them")
    if pcts:
        total = sum((percent(p) for p in pcts.values()), Decimal(0))
        if total != 100:
            problems.append(f"{where(('chargeback', 'percentages'))}: percentages sum to {total:f}, not 100; "
                            "adjust them so they sum to exactly 100")
    return problems
