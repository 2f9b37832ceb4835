"""The first violation of a JSON Schema, in document order, for the small subset our own schemas use.

Importing jsonschema costs ~40 ms (~90 ms on a busy runner), more than the rest of a warm pre-commit
scan's baseline handling; the baseline schema needs only types, required, additionalProperties, const,
items, pattern and minLength. A schema using anything else is handed to jsonschema, so the schema file
stays the one definition.
"""

from __future__ import annotations

import re
from typing import Any

_KNOWN = frozenset({"$schema", "$id", "title", "description", "format", "type", "additionalProperties", "required",
                    "properties", "const", "items", "pattern", "minLength"})
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "null": (type(None),), "object": (dict,), "array": (list,),
                                       "boolean": (bool,), "integer": (int,), "number": (int, float)}

Violation = tuple[list[str | int], str]


def first_violation(schema: dict[str, Any], data: object) -> Violation | None:
    """(path, message) of the first problem, or None when `data` conforms."""
    if not _simple(schema):
        return _with_jsonschema(schema, data)
    return _check(schema, data, [])


def _simple(schema: object) -> bool:
    if not isinstance(schema, dict) or not set(schema) <= _KNOWN:
        return False
    if schema.get("additionalProperties", True) not in (True, False):
        return False
    subs = [*schema.get("properties", {}).values(), *([schema["items"]] if "items" in schema else [])]
    return all(_simple(s) for s in subs)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(schema: dict[str, Any], data: object, path: list[str | int]) -> Violation | None:
    if "type" in schema:
        names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
        allowed = tuple(t for n in names for t in _TYPES[n])
        if type(data) not in allowed:  # exact: JSON true is not an integer, 1.0 is not a string
            return path, f"{_short(data)} is not of type {', '.join(repr(n) for n in names)}"
    if "const" in schema and (data != schema["const"] or type(data) is not type(schema["const"])):
        return path, f"{schema['const']!r} was expected"
    if isinstance(data, str):
        if len(data) < schema.get("minLength", 0):
            return path, f"{_short(data)} is too short"
        if "pattern" in schema and not re.search(schema["pattern"], data):
            return path, f"{_short(data)} does not match {schema['pattern']!r}"
    if isinstance(data, dict):
        return _check_object(schema, data, path)
    if isinstance(data, list) and "items" in schema:
        for i, item in enumerate(data):
            found = _check(schema["items"], item, [*path, i])
            if found is not None:
                return found
    return None


def _check_object(schema: dict[str, Any], data: dict[str, Any], path: list[str | int]) -> Violation | None:
    props: dict[str, Any] = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in data:
            return path, f"{key!r} is a required property"
    if schema.get("additionalProperties", True) is False:
        extra = [k for k in data if k not in props]
        if extra:
            return [*path, extra[0]], f"additional properties are not allowed ({_short(extra[0])} was unexpected)"
    for key, value in data.items():
        if key in props:
            found = _check(props[key], value, [*path, key])
            if found is not None:
                return found
    return None


def _with_jsonschema(schema: dict[str, Any], data: object) -> Violation | None:
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path])
    return (list(errors[0].absolute_path), errors[0].message) if errors else None
