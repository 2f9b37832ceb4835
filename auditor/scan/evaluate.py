"""Grade a call site's evidence against the policy: one TagStatus per required key."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from auditor.policy import Policy, ScopeEntry, Settings, grade_ok
from auditor.records import AuditedCall, CallStatus, TagStatus
from auditor.regex import full_match
from scanners import wildcard
from scanners.python.carriers import CREDENTIAL_SCOPES
from scanners.records import GRADE_RANK, CallSite, Evidence, Grade

_TRUTHY = frozenset({"1", "true", "yes", "on"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})


@dataclass(frozen=True, slots=True)
class _Candidate:
    state: Literal["present", "dynamic", "unverifiable"]
    grade: Grade
    via: str
    value: str | None = None


def fingerprint(*parts: object) -> str:
    """A line-independent identity: no line numbers, only names and an occurrence index."""
    # surrogateescape: a file name that is not UTF-8 (decoded from git or the OS with surrogateescape)
    # hashes as its raw bytes instead of aborting the run; every UTF-8 name hashes as before.
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def call_fingerprint(site: CallSite) -> str:
    return fingerprint("call", site.path, site.scope, site.operation, site.occurrence)


def _scope_matches(entry: ScopeEntry, ev: Evidence, resolved_id: str | None) -> bool:
    if entry.kind != ev.scope_kind:
        return False
    if entry.env is not None:
        return ev.env == entry.env
    if resolved_id is None or entry.id is None:
        return False
    left, right = resolved_id.rstrip("/").lower(), entry.id.rstrip("/").lower()
    if entry.kind in ("azure_endpoint", "endpoint"):
        left, right = _host(left), _host(right)
    return left == right or wildcard.matches(left, right)


def _host(url: str) -> str:
    return re.sub(r"^[a-z]+://", "", url).split("/")[0]


def _mode_applies(ev: Evidence, site: CallSite, policy: Policy) -> bool | None:
    """True: counts; False: the client is in another mode; None: mode unknown (env undeclared)."""
    if ev.mode is None or site.mode == ev.mode:
        return True
    if site.mode and site.mode.startswith("unknown"):
        env = site.mode.partition(":")[2]
        if env and env in policy.assume_env:
            return policy.assume_env[env].strip().lower() in _TRUTHY
        return None
    return False


def _candidates(site: CallSite, policy: Policy) -> tuple[dict[str, list[_Candidate]], list[_Candidate]]:
    """Per policy key: what might set it. Plus candidates that could set any key (unverifiable)."""
    per_key: dict[str, list[_Candidate]] = {}
    any_key: list[_Candidate] = []
    for ev in site.evidence:
        applies = _mode_applies(ev, site, policy)
        if applies is False:
            continue
        if applies is None:
            any_key.append(_Candidate("unverifiable", ev.grade,
                                       f"{ev.via} (counts only in {ev.mode} mode; declare {site.mode.partition(':')[2]} "
                                       "in assume_env or set the mode on the client)" if site.mode else ev.via))
            continue
        if ev.state == "unverifiable" and ev.scope_kind is None:
            any_key.append(_Candidate("unverifiable", ev.grade, ev.via))
        elif ev.key is not None and ev.state != "implicit":  # implicit evidence is a scope, never a key
            key = policy.canonical(ev.key)
            if key is not None:
                per_key.setdefault(key, []).append(_Candidate(ev.state, ev.grade, ev.via, ev.value))
        elif ev.scope_kind is not None:
            _scope_candidates(ev, policy, per_key, any_key)
    return per_key, any_key


def _scope_candidates(ev: Evidence, policy: Policy, per_key: dict[str, list[_Candidate]],
                      any_key: list[_Candidate]) -> None:
    if ev.state == "unverifiable":
        # A scope computed at run time (api_key=settings.key): unknown, so it matters only where scopes
        # of its kind can carry tags: always for a project or workspace, for a credential only if mapped.
        if ev.scope_kind not in CREDENTIAL_SCOPES or any(e.kind == ev.scope_kind for e in policy.scope_map):
            any_key.append(_Candidate("unverifiable", ev.grade, ev.via))
        return
    implicit = ev.state == "implicit"
    resolved = ev.scope_id
    if resolved is None and ev.env is not None:
        resolved = policy.assume_env.get(ev.env)
    matched = False
    for entry in policy.scope_map:
        if _scope_matches(entry, ev, resolved):
            matched = True
            ident = entry.id or f"${entry.env}"
            for key, value in entry.tags:
                per_key.setdefault(key, []).append(
                    _Candidate("present", ev.grade, f"scope map: {ev.scope_kind} {ident}", value))
    if matched or implicit:
        return
    if ev.scope_kind in CREDENTIAL_SCOPES:
        # A key read from an undeclared variable may still be one the scope map names by id.
        if resolved is None and ev.env is not None and any(
                e.kind == ev.scope_kind and e.id is not None for e in policy.scope_map):
            any_key.append(_Candidate("unverifiable", ev.grade,
                                      f"{ev.via} (declare {ev.env} in the policy's assume_env or map it in scope_map)"))
        return
    if resolved is None and ev.env is not None:
        any_key.append(_Candidate("unverifiable", ev.grade,
                                   f"{ev.via} (declare {ev.env} in the policy's assume_env or scope_map)"))
    elif ev.scope_kind == "inference_profile":
        any_key.append(_Candidate("unverifiable", ev.grade,
                                   f"{ev.via} (its AWS cost-allocation tags are not visible in code; "
                                   "map the ARN in scope_map)"))


def _best(cands: list[_Candidate]) -> _Candidate | None:
    tagged = [c for c in cands if c.state in ("present", "dynamic")]
    if not tagged:
        return None
    return max(tagged, key=lambda c: (GRADE_RANK[c.grade], c.state == "present"))


def _check_value(policy: Policy, key: str, value: str) -> str | None:
    rule = policy.key(key)
    if rule.allowed is not None and value not in rule.allowed:
        return f"allowed: {', '.join(rule.allowed)}"
    if rule.pattern is not None and not full_match(rule.pattern, value):
        return f"must match {rule.pattern}"
    return None


def _tag_status(key: str, cands: list[_Candidate], any_key: list[_Candidate], policy: Policy,
                settings: Settings) -> TagStatus:
    minimum = policy.key(key).min_grade or settings.min_grade
    best = _best(cands)
    if best is not None and grade_ok(best.grade, minimum):
        problem = _check_value(policy, key, best.value) if best.state == "present" and best.value is not None else None
        return TagStatus(key, best.state, best.grade, best.value, best.via,
                         "not_allowed" if problem else None, problem)
    unverifiable = [c for c in cands + any_key if c.state == "unverifiable" and grade_ok(c.grade, minimum)]
    if unverifiable:
        top = max(unverifiable, key=lambda c: GRADE_RANK[c.grade])
        return TagStatus(key, "unverifiable", top.grade, None, top.via)
    if best is not None and best.grade != "TRACE":
        return TagStatus(key, best.state, best.grade, best.value, best.via, "too_weak",
                         f"the policy needs {minimum} or better")
    return TagStatus(key, "missing")


def is_exempt(site: CallSite, policy: Policy) -> bool:
    host = site.endpoint
    if not host or host.startswith("$"):
        return False
    if policy.exempt_local and (host.lower() in LOCAL_HOSTS or host.lower().endswith(".localhost")):
        return True
    return any(wildcard.matches(host, pat) for pat in policy.exempt_endpoints)


def evaluate_call(site: CallSite, policy: Policy, settings: Settings) -> AuditedCall:
    fp = call_fingerprint(site)
    if is_exempt(site, policy):
        return AuditedCall(site, "exempt", (), fp)
    per_key, any_key = _candidates(site, policy)
    tags = tuple(_tag_status(key, per_key.get(key, []), any_key, policy, settings) for key in settings.required)
    status: CallStatus
    if any(t.state == "missing" or t.problem == "too_weak" for t in tags):
        status = "untagged"
    elif any(t.state == "unverifiable" for t in tags):
        status = "unverifiable"
    else:
        status = "tagged"
    return AuditedCall(site, status, tags, fp)
