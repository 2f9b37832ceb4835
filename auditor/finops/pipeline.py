"""Load what a FinOps report needs: the policy (from the first repository, or --policy) and billing
(FOCUS as given, provider exports converted), the same way `tagaudit inventory` does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.errors import TagauditError

if TYPE_CHECKING:
    from auditor.billing.records import BillingData
    from auditor.policy import Policy


@dataclass(frozen=True)
class ReportInputs:
    repos: list[Path]
    billing: list[Path]
    policy: Path | None
    currency: str | None
    account: str | None
    cache_dir: Path | None
    no_cache: bool


@contextmanager
def loaded_billing(inputs: ReportInputs, note: Callable[[str], None]) -> Iterator[tuple[BillingData, Policy]]:
    """Billing loaded into DuckDB and the policy; converted files live until the block ends."""
    from auditor.billing import load_billing
    from auditor.inventory.build import prepare_billing, temp_workdir
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    if not inputs.billing:
        raise TagauditError("no billing data given", hint="pass --billing FILE (FOCUS or provider exports)")
    repos = inputs.repos or [Path(".")]
    for repo in repos:
        if not repo.is_dir():
            raise TagauditError("not a directory", where=str(repo), hint="pass repository directories")
    policy = discover_policy(repos[0], inputs.policy,
                             cache_dir=cache_dir_for(repos[0], inputs.cache_dir, inputs.no_cache))
    with temp_workdir() as work:
        prepared = prepare_billing(inputs.billing, Path(work), inputs.account)
        for text in prepared.notes:
            note(text)
        data = load_billing(prepared.paths, currency=inputs.currency, notes=prepared.skipped, labels=prepared.labels)
        try:
            yield data, policy
        finally:
            data.con.close()
