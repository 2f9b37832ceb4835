"""Load what a FinOps report needs: the policy (from the first repository, or --policy) and billing
(FOCUS as given, provider exports converted), the same way `tagaudit inventory` does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
def billing_loaded(billing: list[Path], account: str | None, currency: str | None, note: Callable[[str], None]
                   ) -> Iterator[BillingData]:
    """Billing files (native exports converted on the way) loaded into DuckDB; converted files and the connection
    live until the block ends. The reports and the quarterly report load billing this one way."""
    from auditor.billing import engines, load_billing
    from auditor.inventory.build import prepare_billing, temp_workdir

    target = engines.parse_target(str(billing[0])) if len(billing) == 1 else None
    if target is not None:  # `--billing spark:catalog.db.table`: the aggregates run there (billing.engines)
        remote, _ = engines.load_remote(*target, currency=currency)
        try:
            yield remote
        finally:
            remote.con.close()
        return
    with temp_workdir() as work:
        prepared = prepare_billing(billing, Path(work), account)
        for text in prepared.notes:
            note(text)
        data = load_billing(prepared.paths, currency=currency, notes=prepared.skipped, labels=prepared.labels)
        try:
            yield data
        finally:
            data.con.close()


@contextmanager
def loaded_billing(inputs: ReportInputs, note: Callable[[str], None]) -> Iterator[tuple[BillingData, Policy]]:
    """Billing loaded into DuckDB and the policy; converted files live until the block ends."""
    from auditor.inventory.pipeline import checked_inputs

    _, policy = checked_inputs(inputs.repos, inputs.billing, inputs.policy, inputs.cache_dir, inputs.no_cache)
    with billing_loaded(inputs.billing, inputs.account, inputs.currency, note) as data:
        yield data, policy
