"""Join scanned repositories with billing: integrations, pools with their likely code, tag gaps."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.billing.ingest.sources import MAX_FILES, too_many, walk_billing
from auditor.billing.records import Allocation, BillingData, Note
from auditor.inventory.match import billed_provider, link_pool
from auditor.inventory.records import CallRef, Integration, Inventory, PoolReport, Summary, TagGap
from auditor.policy import Policy
from auditor.records import AuditedCall, Report
from scanners.errors import TagauditError

BILLING_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson", ".json.gz")
_WHERE_TAGS_GO = {
    "GW": "a gateway header: the gateway's logs carry it, the provider's bill does not",
    "LOG": "request metadata: it reaches invocation logs, never the Cost and Usage Report",
    "OBJ": "metadata on stored objects, which cost exports never carry",
    "SCOPE": "declared for a scope (annotation or scope map), but this provider's billing rows never carry it",
    "BILL": "a billing label or profile tag that this export does not show (not activated, or another period)",
}


@dataclass(frozen=True)
class ScannedRepo:
    name: str
    root: Path
    report: Report
    policy: Policy | None = None  # the policy it was scanned under (path modes), when not the run's


def expand_billing(paths: list[Path]) -> tuple[list[Path], list[Note]]:
    """The billing files in `paths` (folders walked), and notes on what folders held that was skipped
    (FIFOs, sockets, devices: never opened)."""
    out: list[Path] = []
    skipped: list[Note] = []
    for path in paths:
        if path.is_dir():
            out += walk_billing(path, MAX_FILES - len(out), lambda p: p.name.lower().endswith(BILLING_SUFFIXES),
                                skipped=skipped)
        elif path.exists():
            out.append(path)
        else:
            raise TagauditError("billing file not found", where=str(path), hint="check the --billing path")
    if len(out) > MAX_FILES:
        raise too_many(", ".join(map(str, paths[:3])) + (" ..." if len(paths) > 3 else ""), len(out))
    if not out:
        raise TagauditError("no billing files found", where=", ".join(map(str, paths)),
                            hint="pass FOCUS CSV/Parquet files or provider exports")
    return out, skipped


@dataclass(frozen=True)
class PreparedBilling:
    """FOCUS files to load; `labels` names each temporary conversion by the user's files it came from."""

    paths: list[Path]
    notes: list[str]
    labels: dict[str, str]
    skipped: tuple[Note, ...]


def prepare_billing(paths: list[Path], workdir: Path, account: str | None = None) -> PreparedBilling:
    """FOCUS files as given; provider-native exports converted to FOCUS 1.2 Parquet in `workdir`."""
    from auditor.billing.convert import CONVERTERS, convert_files, sniff

    focus: list[Path] = []
    native: dict[str, list[Path]] = defaultdict(list)
    files, skipped = expand_billing(paths)
    for path in files:
        kind = sniff(path)
        if kind == "focus":
            focus.append(path)
        elif kind is None:
            raise TagauditError("not a FOCUS file or a known provider export", where=str(path),
                                hint="convert it with `tagaudit billing convert --from KIND`")
        else:
            native[CONVERTERS[kind]].append(path)
    notes = []
    labels = {}
    for family, inputs in sorted(native.items()):
        target = workdir / f"{family}.parquet"
        result = convert_files(inputs, "auto", target, account=account)
        focus.append(target)
        labels[str(target)] = f"{', '.join(map(str, inputs))} (converted to FOCUS)"
        notes.append(f"converted {', '.join(p.name for p in inputs)} to FOCUS 1.2 ({result.rows} rows)")
        notes += list(result.notes)
    return PreparedBilling(focus, notes, labels, tuple(skipped))


def call_ref(repo: str, call: AuditedCall, owner: str | None, policy: Policy) -> CallRef:
    s = call.site
    scopes = []
    for ev in s.evidence:
        if ev.scope_kind is None or ev.state == "unverifiable":
            continue
        ident = ev.scope_id or (policy.assume_env.get(ev.env) if ev.env else None)
        if ident:
            scopes.append((ev.scope_kind, ident))
    tags = tuple((t.key, t.value, t.grade or "") for t in call.tags if t.state == "present" and t.value is not None)
    return CallRef(repo, s.path, s.line, s.cell, s.provider, s.sdk, s.operation, s.model, call.status, owner,
                   tuple(sorted(set(scopes))), tags, call.fingerprint)


def _owners(report: Report) -> dict[tuple[str, int], str]:
    return {(f.path, f.line): f.owner for f in report.findings if f.owner}


def collect_calls(repos: list[ScannedRepo], policy: Policy) -> list[CallRef]:
    out = []
    for repo in repos:
        owners = _owners(repo.report)
        out += [call_ref(repo.name, c, owners.get((c.site.path, c.site.line)), policy) for c in repo.report.calls]
    return out


def integrations(calls: list[CallRef]) -> tuple[Integration, ...]:
    groups: dict[tuple[str, str, str], list[CallRef]] = defaultdict(list)
    for c in calls:
        groups[(c.repo, c.provider, c.sdk)].append(c)
    out = []
    for (repo, provider, sdk), members in sorted(groups.items()):
        status = [c.status for c in members]
        out.append(Integration(
            repo, provider, sdk, len(members), status.count("tagged"), status.count("untagged"),
            status.count("unverifiable"), status.count("exempt"),
            tuple(sorted({c.model for c in members if c.model})), tuple(sorted({c.owner for c in members if c.owner})),
            tuple(sorted(members, key=lambda c: (c.path, c.line)))))
    return tuple(out)


def tag_gaps(calls: list[CallRef], allocation: Allocation) -> tuple[TagGap, ...]:
    billed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pool in (*allocation.pools, *allocation.credits, *allocation.allocated):
        for key, value in pool.tags:
            billed[pool.provider][key].add(value.lower())
    for seen in allocation.seen:
        if seen.kind.startswith("tag:"):
            billed[seen.provider][seen.kind[4:]].add(seen.value.lower())
    gaps: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for c in calls:
        provider = billed_provider(c.provider)
        if provider not in billed and provider not in {p.provider for p in (*allocation.pools, *allocation.credits)}:
            continue  # no billing data for this provider: nothing to compare with
        for key, value, grade in c.tags:
            if value.lower() not in billed[provider].get(key, set()):
                gaps[(provider, key, value, grade)].append(c.where)
    return tuple(TagGap(p, k, v, g, tuple(sorted(w)), _WHERE_TAGS_GO.get(g, "does not reach billing"))
                 for (p, k, v, g), w in sorted(gaps.items()))


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


def billing_quality(data: BillingData) -> dict[str, Any]:
    return {
        "files": [{"path": f.path, "format": f.format, "focus_version": f.focus_version, "rows": f.rows,
                   "rejected_rows": f.rejected_rows} for f in data.files],
        "rows": data.rows, "valid_rows": data.valid_rows, "rejected_rows": data.rejected_rows,
        "rejected_cost": [{"currency": m.currency, "amount": m.amount, "rows": m.rows} for m in data.rejected_cost],
        "rejected": [str(r) for r in data.rejected[:50]],
        "excluded": [{"currency": m.currency, "amount": m.amount, "rows": m.rows} for m in data.excluded],
        "notes": [str(n) for n in data.notes],
    }


def build_inventory(repos: list[ScannedRepo], data: BillingData, allocation: Allocation, reconciliation: Any,
                    policy: Policy) -> Inventory:
    calls = collect_calls(repos, policy)
    billable = [c for c in calls if c.status != "exempt"]
    tagged = sum(1 for c in billable if c.status == "tagged")
    total = allocation.total_ai_cost
    period = (allocation.period[0].date().isoformat(), allocation.period[1].date().isoformat()) \
        if allocation.period else None
    summary = Summary(total, allocation.allocated_cost, allocation.untagged_cost,
                      _ratio(allocation.allocated_cost, total), _ratio(Decimal(tagged), Decimal(len(billable))),
                      allocation.currency, period, len(calls), tagged, len(repos),
                      sum(r.report.files_scanned for r in repos))
    pools = tuple(PoolReport(p, _ratio(p.cost, total) or Decimal(0), link_pool(p, calls)) for p in allocation.pools)
    return Inventory(summary, allocation, pools, integrations(calls), tag_gaps(calls, allocation), reconciliation,
                     billing_quality(data), policy.source)


def temp_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="tagaudit-billing-")
