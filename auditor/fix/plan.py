"""Decide each flagged call's fix from the catalog's carrier specs and the policy's tag values (no parsing)."""

from __future__ import annotations

import ast
import json
import re

from auditor.fix.records import Carrier, Proposal, Shape, Target
from auditor.owners.assign import OWNER_SOURCE
from auditor.policy import Policy, grade_ok
from auditor.records import AuditedCall, Finding
from scanners.catalog import CarrierSpec, Catalog
from scanners.records import GRADE_RANK, CallSite, Grade

FIXABLE = frozenset({"TAG001", "TAG004"})  # a missing key, or one only set below the minimum grade
FIXABLE_SITES = frozenset({"call", "construction"})  # a reference handed to a wrapper is fixed where it is made
_SHAPES: dict[str, Shape] = {"mapping": "mapping", "tag_list": "tag_list", "json_mapping": "json_mapping",
                             "headers": "headers"}
_PROXY_ARGS = frozenset({"extra_body", "model_extras", "additional_kwargs"})  # reach only a LiteLLM proxy
RUNS_ON_NOTE = ("its requests run on the model it is handed or configured with (`lm=`): tag that model's "
                "construction, which `tagaudit fix` edits where it is a site of its own")
UNSEEN_CLIENT = ("the call's only tag carrier is its client's constructor, which this file does not show (built in "
                 "another module, handed in, or the SDK's module-level default client): add the argument there, or "
                 "build a client with it")
_VERTEX = "google_vertex"  # the provider whose `labels` reach Cloud Billing
_LABEL = re.compile(r"^[a-z0-9_-]{0,63}$")  # Vertex label values (keys are policy keys: already fine)


def _header_entries(gateway: str, values: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if gateway == "helicone":
        return tuple((f"Helicone-Property-{'-'.join(p.capitalize() for p in k.split('_'))}", v) for k, v in values)
    if gateway == "litellm":
        return (("x-litellm-tags", ",".join(f"{k}:{v}" for k, v in values)),)
    name = "x-portkey-metadata" if gateway == "portkey" else "cf-aig-metadata"
    return ((name, json.dumps(dict(values))),)


def _carrier(spec: CarrierSpec, level: str, values: list[tuple[str, str]], policy: Policy,
             site: CallSite) -> Carrier | None:
    """What writing these values into `spec` looks like, or None when the fixer must not write there."""
    shape = _SHAPES.get(spec.kind)
    grade: Grade = spec.grade or "GW"
    if shape is None or grade == "OBJ":  # scopes and ids are never invented; OBJ metadata needs store=True
        return None
    if spec.mode is not None and spec.mode != site.mode:
        return None
    if spec.mode is None and spec.arg == "labels" and site.mode != "vertex" and site.provider != _VERTEX:
        # A factory's pass-through `labels` (init_chat_model) means Vertex labels only: another provider's
        # client would send an argument its API rejects.
        return None
    proxy = spec.arg in _PROXY_ARGS or "extra_body" in spec.path
    if shape == "headers":
        if policy.gateway is None:
            return None
        entries = _header_entries(policy.gateway, values)
    elif proxy and policy.gateway != "litellm":
        return None
    else:
        entries = tuple(values)
    if "labels" in (spec.arg, *spec.path) and not all(_LABEL.match(v) for _, v in values):
        return None  # Vertex would reject the label (TAG103): hint instead
    return Carrier(spec.arg, spec.path, shape, grade, "call" if level == "call" else "client", entries)


def _specs(catalog: Catalog, sdk: str, operation: str
           ) -> tuple[str, list[CarrierSpec], list[CarrierSpec], bool]:
    """The family, the call-level and the client-level carrier specs of every type that makes this call, and
    whether such a type runs on a model it is handed (a DSPy predictor: that model's construction is tagged)."""
    op = () if operation == "__call__" else tuple(operation.split("."))
    family, calls, clients, runs_on = "", [], [], False
    for t in catalog.types.values():
        spec = t.calls.get(op) if t.sdk == sdk else None
        if spec is None:
            continue
        family = family or t.family
        calls += [c for c in spec.carriers if c not in calls]
        clients += [c for c in t.carriers if c.kind in _SHAPES and c not in clients]
        runs_on = runs_on or t.runs_on is not None
    return family, calls, clients, runs_on


def _construction_specs(catalog: Catalog, sdk: str, operation: str) -> tuple[str, list[CarrierSpec]]:
    """A construction site (`LM(...)`, the object is the request's client): its type's client-level carriers."""
    name = operation.removesuffix("(...)")
    for qual, ctors in catalog.constructors.items():
        for c in ctors:
            t = catalog.types.get(c.type_id)
            if t is not None and t.sdk == sdk and t.report_construction and qual.rsplit(".", 1)[-1] == name:
                return t.family, [s for s in t.carriers if s.kind in _SHAPES]
    return "", []


def _ranked(specs: list[CarrierSpec], level: str, valued: list[tuple[str, str]], policy: Policy,
            site: CallSite, minimum: Grade) -> list[Carrier]:
    """The carriers these specs give that meet `minimum`, strongest first (catalog order within a grade)."""
    out = []
    for spec in specs if valued else ():
        c = _carrier(spec, level, valued, policy, site)
        if c is not None and grade_ok(c.grade, minimum):
            out.append(c)
    return sorted(out, key=lambda c: -GRADE_RANK[c.grade])


def needed_keys(call: AuditedCall) -> tuple[str, ...]:
    """Keys the call lacks or carries only too weakly (a disallowed value is the author's to change)."""
    return tuple(t.key for t in call.tags if t.state == "missing" or t.problem == "too_weak")


def propose(call: AuditedCall, policy: Policy, catalog: Catalog, owners: tuple[str, ...] = ()) -> Proposal:
    site = call.site
    settings = policy.settings_for(site.path)
    family, call_specs, client_specs, runs_on = _specs(catalog, site.sdk, site.operation)
    values = policy.tag_values(site.path, owners)
    keys = needed_keys(call)
    valued = [(k, values[k]) for k in keys if k in values]
    unvalued = tuple(k for k in keys if k not in values)
    minimum = max((policy.key(k).min_grade or settings.min_grade for k, _ in valued),
                  key=lambda g: GRADE_RANK[g], default=settings.min_grade)
    target = Target(site.line, site.end_line, site.end_column)
    if site.kind == "construction":  # the site is the client's constructor itself: edit it in place
        family, specs = _construction_specs(catalog, site.sdk, site.operation)
        return Proposal(site.path, site.line, site.operation, family, target,
                        tuple(_ranked(specs, "client", valued, policy, site, minimum)),
                        tuple(k for k, _ in valued), unvalued)
    carriers = _ranked(call_specs, "call", valued, policy, site, minimum)
    client = client_carrier = None
    if (site.client_line or not carriers) and (not carriers or carriers[0].shape == "headers"):
        # Headers belong on the client when it takes them; a call with no carrier of its own has only the client
        # (which, built in another module or handed in, gets a hint: `client` stays None).
        headers = [s for s in client_specs if s.kind == "headers"] if carriers else client_specs
        ranked = _ranked(headers, "client", valued, policy, site, minimum)
        client_carrier = ranked[0] if ranked else None
        client = Target(site.client_line, 0, 0) if client_carrier is not None and site.client_line else None
    note = RUNS_ON_NOTE if runs_on and not carriers and client_carrier is None else None
    return Proposal(site.path, site.line, site.operation, family, target, tuple(carriers),
                    tuple(k for k, _ in valued), unvalued, client, client_carrier, note)


def codeowners_of(f: Finding) -> tuple[str, ...]:
    """The finding's CODEOWNERS owners (the policy's `owners` map keys on them), not a blamed author."""
    source = dict(f.extra).get(OWNER_SOURCE, "")
    return tuple((f.owner or "").split()) if source.startswith("codeowners") else ()


def client_names(catalog: Catalog) -> frozenset[str]:
    """Names of constructors whose client takes request headers (`OpenAI`, `Client`, ...)."""
    names = set()
    for qual, ctors in catalog.constructors.items():
        for c in ctors:
            t = catalog.types.get(c.type_id)
            if t is not None and not c.wraps and any(cs.kind == "headers" and not cs.path for cs in t.carriers):
                names.add(qual.rsplit(".", 1)[-1])
    return frozenset(names)


def value_text(carrier: Carrier, path: tuple[str, ...] | None = None) -> str:
    """The literal `tagaudit fix` writes where `path` below the argument does not exist yet (stdlib only)."""
    def dumps(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    if carrier.shape == "tag_list":
        text = dumps([f"{k}:{v}" for k, v in carrier.entries])
    elif carrier.shape == "json_mapping":
        text = repr(dumps(dict(carrier.entries)))
    else:
        text = "{" + ", ".join(f"{dumps(k)}: {dumps(v)}" for k, v in carrier.entries) + "}"
    for key in reversed(carrier.path if path is None else path):
        text = "{" + dumps(key) + ": " + text + "}"
    return text


def argument_text(carrier: Carrier) -> str:
    """The whole argument as a hint shows it: `config={"labels": {"team": "search"}}`."""
    return f"{carrier.arg}={value_text(carrier)}"


def request_clash(carrier: Carrier, node: ast.Call) -> str | None:
    """Why a new `request=` cannot join this call: a GAPIC method raises ValueError when given `request` beside
    flattened fields (`endpoint=`, `instances=`), so adding it would compile and then fail at run time."""
    if carrier.arg != "request" or any(k.arg == "request" for k in node.keywords):
        return None
    if node.args or node.keywords:
        return ("a GAPIC call takes either `request` or its flattened fields (`endpoint=`, ...), not both: "
                "move the fields into `request` by hand, with the labels")
    return None
