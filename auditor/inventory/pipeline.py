"""The two-week audit as one function: scan each repository, load and allocate billing, cross-reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.billing.records import BillingData
from auditor.inventory.records import Inventory
from auditor.policy import Policy
from scanners.errors import TagauditError

if TYPE_CHECKING:
    from auditor.inventory.build import ScannedRepo


@dataclass(frozen=True)
class AuditInputs:
    repos: list[Path]
    billing: list[Path]
    invoices: Path | None
    policy: Path | None
    currency: str | None
    account: str | None
    cache_dir: Path | None
    no_cache: bool


def checked_inputs(repos: list[Path], billing: list[Path], policy: Path | None, cache_dir: Path | None,
                   no_cache: bool) -> tuple[list[Path], Policy]:
    """The repositories (default: the current directory) and the policy of the first, after the checks every
    billing command makes: some billing given, every repository a directory."""
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    if not billing:
        raise TagauditError("no billing data given", hint="pass --billing FILE (FOCUS or provider exports)")
    repos = repos or [Path(".")]
    for repo in repos:
        if not repo.is_dir():
            raise TagauditError("not a directory", where=str(repo), hint="pass repository directories")
    return repos, discover_policy(repos[0], policy, cache_dir=cache_dir_for(repos[0], cache_dir, no_cache))


def _remote(inputs: AuditInputs) -> BillingData | None:
    """The billing data of one engine table (`spark:catalog.db.table`), or None for files."""
    from auditor.billing import engines

    target = engines.parse_target(str(inputs.billing[0])) if len(inputs.billing) == 1 else None
    if target is None:
        return None
    return engines.load_remote(*target, currency=inputs.currency)[0]


def scan_repos(repos: list[Path], policy: Policy, *, explicit: bool, cache_dir: Path | None, no_cache: bool
               ) -> list[ScannedRepo]:
    """Each repository scanned whole (no baseline: an audit counts every call), under `policy` when it was given
    explicitly, else under the policy each repository carries."""
    from auditor.gate.run import GateOptions, run_gate
    from auditor.inventory.build import ScannedRepo
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    scanned = []
    for repo in repos:
        cache = cache_dir_for(repo, cache_dir, no_cache)
        pol = policy if explicit else discover_policy(repo, None, cache_dir=cache)
        report = run_gate([repo], repo, pol, GateOptions(use_baseline=False, cache_dir=cache)).report
        scanned.append(ScannedRepo(repo.resolve().name, repo, report, pol))
    return scanned


def run_audit(inputs: AuditInputs, note: Callable[[str], None]) -> tuple[Inventory, Policy]:
    """Scan, convert and load billing, pool spend, reconcile, build the inventory; `note` hears conversions."""
    from auditor.billing import load_billing, load_invoices, pool_spend, reconcile
    from auditor.inventory.build import build_inventory, prepare_billing, temp_workdir

    repos, policy = checked_inputs(inputs.repos, inputs.billing, inputs.policy, inputs.cache_dir, inputs.no_cache)
    scanned = scan_repos(repos, policy, explicit=inputs.policy is not None, cache_dir=inputs.cache_dir,
                         no_cache=inputs.no_cache)
    remote = _remote(inputs)
    if remote is not None:  # `--billing spark:catalog.db.table`: the scan runs on the engine (billing.engines)
        rec = reconcile(remote, load_invoices(inputs.invoices), policy) if inputs.invoices else None
        return build_inventory(scanned, remote, pool_spend(remote, policy), rec, policy), policy
    with temp_workdir() as work:
        prepared = prepare_billing(inputs.billing, Path(work), inputs.account)
        for text in prepared.notes:
            note(text)
        data = load_billing(prepared.paths, currency=inputs.currency, notes=prepared.skipped, labels=prepared.labels)
        allocation = pool_spend(data, policy)
        rec = reconcile(data, load_invoices(inputs.invoices), policy) if inputs.invoices else None
        return build_inventory(scanned, data, allocation, rec, policy), policy
