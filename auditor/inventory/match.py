"""Which call sites probably feed an untagged spend pool, with a confidence and the reason."""

from __future__ import annotations

import re

from auditor.billing.records import SpendPool
from auditor.inventory.records import CallRef, PoolLink

# Code providers -> the provider whose billing data carries their spend.
BILLED_AS = {"google_gemini": "google_vertex", "google": "google_vertex"}
_RANK = {"high": 3, "medium": 2, "low": 1}
_PREFIX = re.compile(r"^(openai|anthropic|bedrock|vertex_ai|vertex_ai_beta|gemini|azure|azure_ai|models)/")
_DATE = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{4})$")


def billed_provider(code_provider: str) -> str:
    return BILLED_AS.get(code_provider, code_provider)


def norm_model(model: str | None) -> str | None:
    """`gpt-4o-2024-08-06`, `openai/gpt-4o`, `gpt 4o 0513` and `GPT-4o` all become `gpt-4o`."""
    if not model:
        return None
    m = _PREFIX.sub("", model.strip().lower().replace(" ", "-"))
    m = re.sub(r"-v\d+:\d+$", "", m)
    return _DATE.sub("", m)


def _models_match(code: str | None, billed: str | None) -> bool:
    a, b = norm_model(code), norm_model(billed)
    if not a or not b:
        return False
    return a == b or b.startswith(a + "-") or a.startswith(b + "-") or a.split(".")[-1] == b.split(".")[-1]


def _azure_account(endpoint: str) -> str:
    host = re.sub(r"^[a-z]+://", "", endpoint.lower()).split("/")[0]
    return host.split(".")[0]


def _pool_scope(pool: SpendPool, kind: str) -> str | None:
    """The pool's identifier for a scope kind, in the form code would write it."""
    if kind in ("openai_project", "anthropic_workspace", "gcp_project"):
        return pool.sub_account_id
    if kind == "inference_profile":
        return pool.resource_id if pool.resource_id and "application-inference-profile" in pool.resource_id else None
    if kind == "azure_endpoint":
        name = pool.resource_name or (pool.resource_id or "").rstrip("/").split("/")[-1]
        return name.lower() or None
    return None


_KIND_FOR = {"openai": "openai_project", "anthropic": "anthropic_workspace", "aws_bedrock": "inference_profile",
             "azure_openai": "azure_endpoint", "google_vertex": "gcp_project"}


def _scope_verdict(call: CallRef, pool: SpendPool) -> tuple[str, str] | None:
    """('match'|'conflict', reason) when the call names a scope of the pool's kind, else None."""
    kind = _KIND_FOR.get(pool.provider)
    ids = [value for k, value in call.scopes if k == kind]
    if kind is None or not ids:
        return None
    pool_id = _pool_scope(pool, kind)
    for value in ids:
        mine = _azure_account(value) if kind == "azure_endpoint" else value
        if pool_id is not None and mine.lower() == pool_id.lower():
            return "match", f"{kind.replace('_', ' ')} {value} is this pool's"
    return "conflict", f"the call names another {kind.replace('_', ' ')}"


def _explain_tagged(call: CallRef, pool: SpendPool) -> str:
    """Why a call that is tagged in code still feeds an untagged pool: its tags land elsewhere."""
    if call.status != "tagged" or not call.tags:
        return ""
    billed = {(k, v.lower()) for k, v in pool.tags}
    grades = sorted({g for k, v, g in call.tags if (k, v.lower()) not in billed})
    if not grades:
        return ""
    where = {"GW": "the gateway's logs", "LOG": "request logs", "OBJ": "stored objects",
             "SCOPE": "a scope this billing data does not map", "BILL": "billing labels this export lacks"}
    return "; tagged in code, but the tags reach " + " and ".join(where.get(g, g) for g in grades) + \
        ", not this bill"


def link(call: CallRef, pool: SpendPool) -> PoolLink | None:
    if billed_provider(call.provider) != pool.provider or call.status == "exempt":
        return None
    verdict = _scope_verdict(call, pool)
    if verdict is not None and verdict[0] == "conflict":
        return None
    same_model = _models_match(call.model, pool.model)
    if verdict is not None:
        reason = verdict[1] + (f", same model {call.model}" if same_model else "")
        return PoolLink(call, "high", reason + _explain_tagged(call, pool))
    if same_model:
        return PoolLink(call, "medium", f"same provider and model {call.model}, no scope set in code"
                        + _explain_tagged(call, pool))
    if call.model is None or pool.model is None:
        return PoolLink(call, "low", "same provider; model not known statically" + _explain_tagged(call, pool))
    return None


_NOT_FROM_CODE = frozenset({"credit", "refund", "tax", "adjustment", "purchase"})


def link_pool(pool: SpendPool, calls: list[CallRef], limit: int = 12) -> tuple[PoolLink, ...]:
    if pool.cost_sources and all(src.split("/")[0] in _NOT_FROM_CODE for src, _ in pool.cost_sources):
        return ()  # credits and taxes are not produced by any call site
    links = [lk for c in calls if (lk := link(c, pool)) is not None]
    best = max((_RANK[lk.confidence] for lk in links), default=0)
    # Low-confidence guesses only help when nothing better exists.
    links = [lk for lk in links if _RANK[lk.confidence] == best or _RANK[lk.confidence] >= 2]
    links.sort(key=lambda lk: (-_RANK[lk.confidence], lk.call.status == "tagged", lk.call.where))
    return tuple(links[:limit])

