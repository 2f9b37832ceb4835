"""SDK misuse that the provider rejects or silently ignores (sdk-tagging.md §9.3 hard errors)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable

from scanners.python.values import DictV, JsonV, Kwargs, Lit, Obj, Value
from scanners.records import Issue

# A detector returns what is wrong; run_checks labels each message with the detector's catalog name.
# Which rule a detector serves is the rule's business (auditor/rules/sdk.py), not the scanner's.
Check = Callable[[Kwargs, Obj | None], list[str]]
_BEDROCK_META_CHARS = re.compile(r"^[a-zA-Z0-9\s:_@$#=/+,.-]*$")


def _dict_arg(kwargs: Kwargs, *path: str) -> DictV | None:
    value: Value | None = kwargs.arg(path[0])
    for key in path[1:]:
        value = value.get(key) if isinstance(value, DictV) else None
    return value if isinstance(value, DictV) else None


def _literal_items(d: DictV) -> list[tuple[str, object]]:
    return [(k.value, v.value if isinstance(v, Lit) else None)
            for k, v in d.items if isinstance(k, Lit) and isinstance(k.value, str)]


def _passed(kwargs: Kwargs, name: str) -> bool:
    value = kwargs.arg(name)
    return value is not None and not (isinstance(value, Lit) and value.value is None)


def openai_metadata_requires_store(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    if not _passed(kwargs, "metadata"):
        return []
    store = kwargs.arg("store")
    if store is None or (isinstance(store, Lit) and store.value is not True):
        return [("`metadata` is passed without `store=True`; Chat Completions rejects the "
                 "request with HTTP 400")]
    return []


def openai_metadata_limits(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    meta = _dict_arg(kwargs, "metadata")
    if meta is None:
        return []
    items = _literal_items(meta)
    problems = []
    if len(meta.items) > 16:
        problems.append(f"{len(meta.items)} metadata keys (at most 16)")
    problems += [f"key {k!r} is longer than 64 characters" for k, _ in items if len(k) > 64]
    problems += [f"value of {k!r} is longer than 512 characters" for k, v in items
                 if isinstance(v, str) and len(v) > 512]
    return ["OpenAI metadata over its limits: " + "; ".join(problems)] if problems else []


def anthropic_metadata_user_id_only(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    meta = kwargs.arg("metadata")
    if not isinstance(meta, DictV):
        return []
    extra = sorted({k for k, _ in _literal_items(meta)} - {"user_id"})
    if extra:
        return [(f"Anthropic `metadata` accepts only `user_id`; {', '.join(extra)} "
                 "would be rejected and never reaches billing")]
    return []


def _label_char_ok(ch: str, first: bool) -> bool:
    if ch.islower() and ch.isascii():
        return True
    if ord(ch) > 127 and unicodedata.category(ch) in ("Lo", "Ll"):
        return True
    return not first and (ch.isdigit() and ch.isascii() or ch in "_-")


def _label_problems(labels: DictV, limit: int) -> list[str]:
    problems = []
    if len(labels.items) > limit:
        problems.append(f"{len(labels.items)} labels (at most {limit})")
    for key, value in _literal_items(labels):
        if not key or len(key) > 63 or not _label_char_ok(key[0], True) or not all(_label_char_ok(c, False) for c in key):
            problems.append(f"key {key!r} must be 1-63 lowercase letters, digits, '_' or '-', starting with a letter")
        if isinstance(value, str) and (len(value) > 63 or not all(_label_char_ok(c, False) for c in value)):
            problems.append(f"value {value!r} of {key!r} must be 0-63 lowercase letters, digits, '_' or '-'")
    return problems


def _labels_of(kwargs: Kwargs) -> list[tuple[str, DictV]]:
    found = []
    for path in (("labels",), ("config", "labels"), ("extra_body", "labels"), ("generation_config", "labels")):
        d = _dict_arg(kwargs, *path)
        if d is not None:
            found.append((".".join(path), d))
    return found


def vertex_label_format(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    limit = 32 if obj is not None and obj.type_id.startswith("anthropic") else 64
    out = []
    for where, labels in _labels_of(kwargs):
        problems = _label_problems(labels, limit)
        if problems:
            out.append(f"Vertex AI rejects `{where}`: " + "; ".join(problems))
    return out


def genai_labels_developer_mode(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    if obj is None or obj.mode != "developer":
        return []
    return [f"`{where}` is only supported on Vertex AI; in Gemini Developer API mode the SDK "
            "raises ValueError"
            for where, _ in _labels_of(kwargs)]


def bedrock_request_metadata_shape(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    value = kwargs.arg("requestMetadata")
    if value is None:
        return []
    if isinstance(value, JsonV):
        value = value.inner
    elif isinstance(value, Lit) and isinstance(value.value, str):
        try:
            parsed = json.loads(value.value)
        except ValueError:
            return ["`requestMetadata` is not valid JSON"]
        if not isinstance(parsed, dict):
            return ["`requestMetadata` must be a JSON object of string values"]
        value = DictV(tuple((Lit(k), Lit(v)) for k, v in parsed.items()))
    if not isinstance(value, DictV):
        return []
    problems = []
    if len(value.items) > 16:
        problems.append(f"{len(value.items)} entries (at most 16)")
    for key, val in _literal_items(value):
        if not 1 <= len(key) <= 256 or not _BEDROCK_META_CHARS.match(key):
            problems.append(f"key {key!r} has characters outside [a-zA-Z0-9 :_@$#=/+,.-] or is too long")
        if isinstance(val, str) and (len(val) > 256 or not _BEDROCK_META_CHARS.match(val)):
            problems.append(f"value of {key!r} has characters outside [a-zA-Z0-9 :_@$#=/+,.-] or is over 256")
    return ["Bedrock `requestMetadata` is malformed: " + "; ".join(problems)] if problems else []


def bedrock_request_metadata_json(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    """invoke_model takes requestMetadata as a JSON string (it becomes a header), not a dict."""
    value = kwargs.arg("requestMetadata")
    if isinstance(value, DictV):
        return [("`requestMetadata` on invoke_model must be a JSON string: "
                 "pass json.dumps({...}), not a dict")]
    return bedrock_request_metadata_shape(kwargs, obj)


def groq_metadata_unsupported(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    if _passed(kwargs, "metadata"):
        return ["Groq documents `metadata` as not supported; it carries no tags"]
    return []


def langchain_model_kwargs_metadata(kwargs: Kwargs, obj: Obj | None) -> list[str]:
    mk = _dict_arg(kwargs, "model_kwargs")
    if mk is not None and mk.get("metadata") is not None:
        return [("`model_kwargs={'metadata': ...}` collides with LangChain's own `metadata` "
                 "field ('Found metadata supplied twice'); use extra_body with store=True")]
    return []


CHECKS: dict[str, Check] = {
    "openai-metadata-requires-store": openai_metadata_requires_store,
    "openai-metadata-limits": openai_metadata_limits,
    "anthropic-metadata-user-id-only": anthropic_metadata_user_id_only,
    "vertex-label-format": vertex_label_format,
    "genai-labels-developer-mode": genai_labels_developer_mode,
    "bedrock-request-metadata-shape": bedrock_request_metadata_shape,
    "bedrock-request-metadata-json": bedrock_request_metadata_json,
    "groq-metadata-unsupported": groq_metadata_unsupported,
    "langchain-model-kwargs-metadata": langchain_model_kwargs_metadata,
}


def run_checks(names: tuple[str, ...], kwargs: Kwargs, obj: Obj | None) -> list[Issue]:
    return [Issue(name, message) for name in names for message in CHECKS[name](kwargs, obj)]
