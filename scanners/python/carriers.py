"""Turn the value passed in a tag carrier (headers, labels, metadata, scope ids) into Evidence."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from scanners.catalog import CarrierSpec, Catalog
from scanners.python.values import DictV, Dyn, Env, FStr, JsonV, Kwargs, ListV, Lit, Value, describe
from scanners.records import Evidence, Grade, Level

INFERENCE_PROFILE_ARN = re.compile(r"^arn:aws[-a-z]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/.+")
_SCOPE_GRADE: dict[str, Grade] = {"inference_profile": "BILL"}
# Every client needs a key or an organization: such a scope carries tags only when the policy's scope map
# names scopes of that kind (evaluate), and never makes a client a scope carrier on its own.
CREDENTIAL_SCOPES = frozenset({"api_key", "openai_organization"})


def literal_text(value: Value | None) -> str | None:
    if isinstance(value, Lit) and isinstance(value.value, (str, int, float)) and not isinstance(value.value, bool):
        return str(value.value)
    return None


def _tag(key: str, value: Value | None, *, via: str, grade: Grade, level: Level, mode: str | None) -> Evidence:
    if isinstance(value, Lit) and value.value is not None and not isinstance(value.value, (dict, list)):
        text = value.value if isinstance(value.value, str) else json.dumps(value.value)
        return Evidence(via=via, grade=grade, key=key, value=text, state="present", level=level, mode=mode)
    note = f" ({describe(value)})" if isinstance(value, (Env, Dyn, FStr)) else ""
    return Evidence(via=via + note, grade=grade, key=key, state="dynamic", level=level, mode=mode)


def _unverifiable(via: str, grade: Grade, level: Level, mode: str | None = None) -> Evidence:
    return Evidence(via=via, grade=grade, state="unverifiable", level=level, mode=mode)


def _mapping(value: Value, *, label: str, grade: Grade, level: Level, mode: str | None) -> list[Evidence]:
    if isinstance(value, JsonV):
        value = value.inner
    if isinstance(value, Lit) and isinstance(value.value, str):
        try:
            parsed = json.loads(value.value)
        except ValueError:
            return []
        if isinstance(parsed, dict):
            value = DictV(tuple((Lit(k), Lit(v if not isinstance(v, (dict, list)) else json.dumps(v)))
                                for k, v in parsed.items()))
    if not isinstance(value, DictV):
        if isinstance(value, Lit) and value.value is None:
            return []
        return [_unverifiable(f"{label} ({describe(value)})", grade, level, mode)]
    out: list[Evidence] = []
    for key, val in value.items:
        if isinstance(key, Lit) and isinstance(key.value, str):
            out.append(_tag(key.value, val, via=f"{label}.{key.value}", grade=grade, level=level, mode=mode))
        else:
            out.append(_unverifiable(f"{label} (computed key)", grade, level, mode))
    for part in value.unresolved:
        out.append(_unverifiable(f"{label} ({part})", grade, level, mode))
    return out


def _split_tag(text: str) -> tuple[str, str] | None:
    for sep in (":", "="):
        if sep in text:
            key, _, val = text.partition(sep)
            if key.strip():
                return key.strip(), val.strip()
    return None


def _tag_items(items: list[Value], *, label: str, grade: Grade, level: Level, mode: str | None) -> list[Evidence]:
    out: list[Evidence] = []
    for item in items:
        if isinstance(item, Lit) and isinstance(item.value, str):
            pair = _split_tag(item.value)
            if pair:
                out.append(Evidence(via=f"{label}: {item.value}", grade=grade, key=pair[0], value=pair[1],
                                    level=level, mode=mode))
        elif isinstance(item, FStr):
            pair = _split_tag(item.prefix)
            if pair:
                out.append(Evidence(via=f"{label}: {item.prefix}...", grade=grade, key=pair[0],
                                    state="dynamic", level=level, mode=mode))
            else:
                out.append(_unverifiable(f"{label} (computed tag)", grade, level, mode))
        else:
            out.append(_unverifiable(f"{label} ({describe(item)})", grade, level, mode))
    return out


def _tag_list(value: Value, *, label: str, grade: Grade, level: Level, mode: str | None) -> list[Evidence]:
    if isinstance(value, ListV):
        out = _tag_items(list(value.items), label=label, grade=grade, level=level, mode=mode)
        out += [_unverifiable(f"{label} ({u})", grade, level, mode) for u in value.unresolved]
        return out
    if isinstance(value, Lit) and isinstance(value.value, str):
        parts: list[Value] = [Lit(p.strip()) for p in value.value.split(",") if p.strip()]
        return _tag_items(parts, label=label, grade=grade, level=level, mode=mode)
    return [_unverifiable(f"{label} ({describe(value)})", grade, level, mode)]


def _kv_list(value: Value, *, label: str, grade: Grade, level: Level, mode: str | None) -> list[Evidence]:
    """AWS resource tags: [{"key": "team", "value": "x"}] (any capitalisation of key/value)."""
    if not isinstance(value, ListV):
        return [_unverifiable(f"{label} ({describe(value)})", grade, level, mode)]
    out: list[Evidence] = []
    for item in value.items:
        if not isinstance(item, DictV):
            out.append(_unverifiable(f"{label} ({describe(item)})", grade, level, mode))
            continue
        fields = {str(k.value).lower(): v for k, v in item.items if isinstance(k, Lit)}
        key = literal_text(fields.get("key"))
        if key is None:
            out.append(_unverifiable(f"{label} (computed tag key)", grade, level, mode))
        else:
            out.append(_tag(key, fields.get("value"), via=f"{label}: {key}", grade=grade, level=level, mode=mode))
    out += [_unverifiable(f"{label} ({u})", grade, level, mode) for u in value.unresolved]
    return out


def scope_evidence(kind: str, value: Value, *, label: str, level: Level, grade: Grade | None = None) -> list[Evidence]:
    grade = grade or _SCOPE_GRADE.get(kind, "SCOPE")
    text = literal_text(value)
    if text is not None:
        return [Evidence(via=f"{label}: {text}", grade=grade, scope_kind=kind, scope_id=text, level=level)]
    if isinstance(value, Env):
        return [Evidence(via=f"{label}: ${value.name}", grade=grade, scope_kind=kind, env=value.name, level=level)]
    if isinstance(value, Lit) and value.value is None:
        return []
    # Which scope is unknown, but it is a scope of this kind: the policy decides whether that kind carries tags.
    return [Evidence(via=f"{label} ({describe(value)})", grade=grade, state="unverifiable", scope_kind=kind,
                     level=level)]


def header_evidence(value: Value, catalog: Catalog, *, label: str, level: Level, mode: str | None = None) -> list[Evidence]:
    if isinstance(value, Lit) and value.value is None:
        return []
    if not isinstance(value, DictV):
        return [_unverifiable(f"{label} ({describe(value)})", "GW", level, mode)]
    out: list[Evidence] = []
    for key, val in value.items:
        if not (isinstance(key, Lit) and isinstance(key.value, str)):
            out.append(_unverifiable(f"{label} (computed header name)", "GW", level, mode))
            continue
        rule = catalog.header_rule(key.value)
        if rule is None:
            continue
        via = f"{label}: {key.value}"
        if rule.kind == "suffix_key":
            out.append(_tag(key.value[len(rule.prefix or ""):], val, via=via, grade=rule.grade, level=level, mode=mode))
        elif rule.kind == "json_mapping":
            out += _mapping(val, label=via, grade=rule.grade, level=level, mode=mode)
        elif rule.kind == "tag_csv":
            out += _tag_list(val, label=via, grade=rule.grade, level=level, mode=mode)
        elif rule.kind == "scope" and rule.scope:
            out += scope_evidence(rule.scope, val, label=via, level=level, grade=rule.grade)
    for part in value.unresolved:
        out.append(_unverifiable(f"{label} ({part})", "GW", level, mode))
    return out


def endpoint_host(value: Value | None) -> str | None:
    text = literal_text(value)
    if text is None:
        if isinstance(value, Env):
            return f"${value.name}"
        if isinstance(value, FStr) and "://" in value.prefix:
            text = value.prefix
        else:
            return None
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname
    except ValueError:
        return None
    return host


def _follow(value: Value, path: tuple[str, ...], label: str, grade: Grade, level: Level,
            mode: str | None) -> tuple[Value | None, list[Evidence]]:
    for i, key in enumerate(path):
        if not isinstance(value, DictV):
            if isinstance(value, Lit) and value.value is None:
                return None, []
            where = ".".join((label.split(".")[0], *path[:i]))
            return None, [_unverifiable(f"{where} ({describe(value)})", grade, level, mode)]
        nxt = value.get(key)
        if nxt is None:
            if value.unresolved:
                return None, [_unverifiable(f"{label} may come from {value.unresolved[0]}", grade, level, mode)]
            return None, []
        value = nxt
    return value, []


def carrier_evidence(spec: CarrierSpec, kwargs: Kwargs, catalog: Catalog, *, level: Level,
                     mode: str | None = None) -> list[Evidence]:
    """Evidence from one carrier of one call (or constructor)."""
    prefix = "client " if level == "client" else ""
    label = prefix + spec.label
    value = kwargs.arg(spec.arg, spec.index)
    grade = spec.grade or ("SCOPE" if spec.kind == "scope" else "GW")
    ev_mode = spec.mode
    if value is None:
        if spec.env and spec.kind == "scope" and level == "client":
            return [Evidence(via=f"${spec.env} ({spec.arg} not passed)", grade=_SCOPE_GRADE.get(spec.scope or "", "SCOPE"),
                             scope_kind=spec.scope, env=spec.env, level=level, state="implicit")]
        return []
    value, problems = _follow(value, spec.path, label, grade, level, ev_mode)
    if value is None:
        return problems
    if spec.kind == "headers":
        return header_evidence(value, catalog, label=label, level=level, mode=ev_mode)
    if spec.kind == "trace":
        # Never counts (LangChain config, Anthropic metadata.user_id): kept so messages can say why.
        if isinstance(value, ListV):
            return [e for e in _tag_list(value, label=label, grade="TRACE", level=level, mode=ev_mode)
                    if e.state != "unverifiable"]
        return [e for e in _mapping(value, label=label, grade="TRACE", level=level, mode=ev_mode)
                if e.state != "unverifiable"]
    if spec.kind == "mapping":
        return _mapping(value, label=label, grade=grade, level=level, mode=ev_mode)
    if spec.kind == "json_mapping":
        return _mapping(value, label=label, grade=grade, level=level, mode=ev_mode)
    if spec.kind == "tag_list":
        return _tag_list(value, label=label, grade=grade, level=level, mode=ev_mode)
    if spec.kind == "kv_list":
        return _kv_list(value, label=label, grade=grade, level=level, mode=ev_mode)
    if spec.kind == "scope" and spec.scope:
        return scope_evidence(spec.scope, value, label=label, level=level)
    if spec.kind == "model_id":
        text = literal_text(value)
        if text is not None and INFERENCE_PROFILE_ARN.match(text):
            return [Evidence(via=f"{label}: application inference profile", grade="BILL",
                             scope_kind="inference_profile", scope_id=text, level=level)]
        if isinstance(value, Env):
            return [Evidence(via=f"{label}: ${value.name}", grade="BILL", scope_kind="inference_profile",
                             env=value.name, level=level)]
    return []
