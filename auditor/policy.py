"""Find, validate and compile the tag policy. A policy that does not validate never scans."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from auditor.finops.settings import (
    ChargebackSettings,
    ShowbackSettings,
    compile_chargeback,
    compile_showback,
    finops_problems,
)
from auditor.globs import compile_globs, preload, translate
from auditor.regex import full_match, pattern_problem
from policies import DEFAULT_POLICY, SCHEMA_PATH
from scanners import yamlload
from scanners.errors import PolicyError, TagauditError, clip, one_of
from scanners.files import check_regular, read_regular
from scanners.records import GRADE_RANK, Grade

if TYPE_CHECKING:
    import yaml

POLICY_FILENAMES = ("tagaudit.yaml", "tagaudit.yml", ".tagaudit.yaml", ".tagaudit.yml")

# The values policy.schema.json's enums accept (tests/test_literals.py holds the two together).
PolicyGrade = Literal["BILL", "SCOPE", "GW", "LOG", "OBJ"]  # a minimum grade: TRACE never counts
PolicyMode = Literal["enforce", "showback", "exclude"]
Action = Literal["error", "warn", "ignore"]  # what an unverifiable tag does
SeverityOverride = Literal["error", "warning", "info", "off"]
Gateway = Literal["helicone", "portkey", "litellm", "cloudflare"]  # a gateway whose tag headers `fix` may write
POLICY_GRADES: tuple[PolicyGrade, ...] = get_args(PolicyGrade)
POLICY_MODES: tuple[PolicyMode, ...] = get_args(PolicyMode)
ACTIONS: tuple[Action, ...] = get_args(Action)
SEVERITY_OVERRIDES: tuple[SeverityOverride, ...] = get_args(SeverityOverride)
GATEWAYS: tuple[Gateway, ...] = get_args(Gateway)
_S = TypeVar("_S", bound=str)


def normalize_key(key: str) -> str:
    """Keys match case-insensitively with '-', '_' and spaces equivalent."""
    return re.sub(r"[\s_-]+", "_", key.strip().lower())


@dataclass(frozen=True, slots=True)
class KeyRule:
    name: str
    aliases: tuple[str, ...] = ()
    min_grade: PolicyGrade | None = None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class PathRule:
    patterns: tuple[str, ...]
    mode: PolicyMode | None = None
    required: tuple[str, ...] | None = None
    min_grade: PolicyGrade | None = None
    unverifiable: Action | None = None
    tags: tuple[tuple[str, str], ...] | None = None  # values `tagaudit fix` writes for files under it


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    kind: str
    tags: tuple[tuple[str, str], ...]
    id: str | None = None
    env: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """The policy as it applies to one path."""

    mode: PolicyMode
    required: tuple[str, ...]
    min_grade: PolicyGrade
    unverifiable: Action


@dataclass(frozen=True)
class Policy:
    source: str
    name: str
    mode: PolicyMode
    keys: tuple[KeyRule, ...]
    showback_keys: tuple[str, ...]
    min_grade: PolicyGrade
    unverifiable: Action
    severity: dict[str, SeverityOverride]
    paths: tuple[PathRule, ...]
    scope_map: tuple[ScopeEntry, ...]
    assume_env: dict[str, str]
    exempt_local: bool
    exempt_endpoints: tuple[str, ...]
    forbid_inline: frozenset[str]
    max_file_bytes: int
    tolerance: float
    digest: str
    aliases: dict[str, str] = field(default_factory=dict)
    showback: ShowbackSettings = field(default_factory=ShowbackSettings)
    chargeback: ChargebackSettings = field(default_factory=ChargebackSettings)
    # CODEOWNERS owner -> tag values `tagaudit fix` writes for the files that owner owns.
    owner_tags: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    gateway: Gateway | None = None  # the gateway the traffic goes through: `fix` may write its headers

    def canonical(self, key: str) -> str | None:
        """The policy key a tag key stands for (aliases, case, '-'/'_'), or None."""
        return self.aliases.get(normalize_key(key))

    def key(self, name: str) -> KeyRule:
        return next(k for k in self.keys if k.name == name)

    def settings_for(self, path: str) -> Settings:
        mode, required, min_grade, unverifiable = self.mode, None, self.min_grade, self.unverifiable
        for rule, matcher in zip(self.paths, self._matchers):
            if matcher(path):
                mode = rule.mode or mode
                required = rule.required
                min_grade = rule.min_grade or min_grade
                unverifiable = rule.unverifiable or unverifiable
                break
        if required is None:
            required = self.showback_keys if mode == "showback" else tuple(k.name for k in self.keys)
        return Settings(mode, required, min_grade, unverifiable)

    def tag_values(self, path: str, owners: tuple[str, ...] = ()) -> dict[str, str]:
        """Canonical key -> value that `tagaudit fix` may write at `path`: the first owner (in CODEOWNERS
        order) the `owners` map names, overlaid by the first matching path scope that gives `tags`."""
        values: dict[str, str] = {}
        by_owner = dict(self.owner_tags)
        for owner in owners:
            if owner in by_owner:
                values.update(by_owner[owner])
                break
        for rule, matcher in zip(self.paths, self._matchers):
            if rule.tags is not None and matcher(path):
                values.update(rule.tags)
                break
        return values

    @property
    def _matchers(self) -> list[Any]:
        cached = self.__dict__.get("_matcher_cache")
        if cached is None:
            cached = [compile_globs(rule.patterns) for rule in self.paths]
            self.__dict__["_matcher_cache"] = cached
        return cached


# -- reading --------------------------------------------------------------------------------
def _line_index(node: yaml.Node, path: tuple[Any, ...] = (), out: dict[tuple[Any, ...], int] | None = None
                ) -> dict[tuple[Any, ...], int]:
    """JSON path -> 1-based line of that node in the YAML text."""
    import yaml

    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, path + (key,), out)
            out[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), out)
    return out


def _toml_lines(text: str, section: str) -> dict[tuple[Any, ...], int]:
    """Approximate key lines inside a [tool.tagaudit] table (tomllib keeps no positions)."""
    out: dict[tuple[Any, ...], int] = {}
    current: tuple[str, ...] | None = None
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    assign = re.compile(r"^\s*([A-Za-z0-9_\"'.-]+)\s*=")
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            name = m.group(1).replace('"', "").replace("'", "")
            if name == section or name.startswith(section + "."):
                current = tuple(name[len(section) + 1:].split(".")) if name != section else ()
                out.setdefault(current, lineno)
            else:
                current = None
            continue
        m = assign.match(line)
        if current is not None and m:
            key = tuple(m.group(1).replace('"', "").split("."))
            out.setdefault(current + key, lineno)
    return out


def _read_yaml(path: Path, *, lines: bool = True) -> tuple[Any, dict[tuple[Any, ...], int]]:
    import yaml

    text = yamlload.read_text(path, yamlload.POLICY, "policy")
    try:
        data, node = yamlload.parse(text, yamlload.POLICY)
    except yaml.YAMLError as exc:
        raise PolicyError([yamlload.describe_error(exc, path, "(yaml): ")]) from exc
    if data is None:
        raise PolicyError([f"{path}:1: (top): the policy is empty; start from `tagaudit policy show` output"])
    return data, (_line_index(node) if lines and node is not None else {})


def _read_pyproject(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise TagauditError(f"cannot read ({exc})", where=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{path}: (toml): {exc}; fix the TOML syntax"]) from exc
    section = data.get("tool", {}).get("tagaudit")
    if section is None:
        return None
    return section, _toml_lines(text, "tool.tagaudit")


# -- validating -----------------------------------------------------------------------------
_HOW = {
    "additionalProperties": "remove it or check its spelling",
    "enum": "use one of the listed values",
    "const": "set it to the value shown",
    "required": "add the missing key",
    "type": "change the value's type",
    "pattern": "rename it to match the pattern",
    "propertyNames": "rename it",
    "minItems": "add at least one item",
    "minProperties": "add at least one entry",
    "uniqueItems": "remove the duplicate",
    "oneOf": "give exactly one of `id` or `env`",
    "minimum": "raise the value",
    "maximum": "lower the value",
}


def _where(path: Path | str, lines: dict[tuple[Any, ...], int], key_path: tuple[Any, ...]) -> str:
    probe = key_path
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe, 1)
    dotted = clip(".".join(str(p) for p in key_path), 120) or "(top)"
    return f"{path}:{line}: {dotted}"


def _schema_problems(data: Any, source: Path | str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        key_path = tuple(err.absolute_path)
        message = err.message
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            unknown = [k for k in err.instance if k not in allowed]
            import difflib
            for k in unknown:
                close = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "remove it or check its spelling"
                problems.append(f"{_where(source, lines, key_path + (k,))}: unknown key {k!r}; {hint}")
            continue
        if err.validator == "enum":
            message = f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
        problems.append(f"{_where(source, lines, key_path)}: {clip(message, 200)}; "
                        f"{_HOW.get(str(err.validator), 'see the schema')}")
    return problems


def _semantic_problems(data: dict[str, Any], source: Path | str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    from auditor.rules import RULES

    problems: list[str] = []
    keys: dict[str, Any] = data.get("keys", {})
    seen: dict[str, str] = {}
    for name, spec in keys.items():
        for alias in [name, *(spec or {}).get("aliases", [])]:
            norm = normalize_key(alias)
            if norm in seen and seen[norm] != name:
                problems.append(f"{_where(source, lines, ('keys', name, 'aliases'))}: alias {alias!r} also names "
                                f"key {seen[norm]!r}; give each alias to one key only")
            seen[norm] = name
        pattern = (spec or {}).get("pattern")
        reason = pattern_problem(pattern) if pattern is not None else None
        if reason is not None:
            problems.append(f"{_where(source, lines, ('keys', name, 'pattern'))}: invalid regular expression "
                            f"({reason}); fix the pattern (RE2 syntax: no backreferences or lookaround)")
    def known(key: str) -> bool:
        return normalize_key(key) in seen
    for i, key in enumerate(data.get("showback_keys", [])):
        if not known(key):
            problems.append(f"{_where(source, lines, ('showback_keys', i))}: {key!r} is not a policy key; "
                            f"use one of {', '.join(keys)}")
    for i, scope in enumerate(data.get("paths", [])):
        for j, key in enumerate(scope.get("required", [])):
            if not known(key):
                problems.append(f"{_where(source, lines, ('paths', i, 'required', j))}: {key!r} is not a policy key; "
                                f"use one of {', '.join(keys)}")
    problems += _tag_value_problems(data, source, lines, seen)
    for i, entry in enumerate(data.get("scope_map", [])):
        for key in entry.get("tags", {}):
            if not known(key):
                problems.append(f"{_where(source, lines, ('scope_map', i, 'tags', key))}: {key!r} is not a policy "
                                f"key or alias; use one of {', '.join(keys)}")
    for rule_id in data.get("severity", {}):
        if rule_id not in RULES:
            problems.append(f"{_where(source, lines, ('severity', rule_id))}: unknown rule {rule_id!r}; "
                            "`tagaudit rules` lists them")
    for i, rule_id in enumerate(data.get("suppressions", {}).get("forbid", [])):
        if rule_id not in RULES:
            problems.append(f"{_where(source, lines, ('suppressions', 'forbid', i))}: unknown rule {rule_id!r}; "
                            "`tagaudit rules` lists them")
    tolerance = data.get("tolerance")
    if isinstance(tolerance, float) and math.isnan(tolerance):  # .nan passes the schema's minimum/maximum
        problems.append(f"{_where(source, lines, ('tolerance',))}: .nan is not a number; "
                        "use a fraction between 0 and 1, e.g. 0.05")
    problems += finops_problems(data, lambda key_path: _where(source, lines, key_path), known)
    return problems


def _tag_value_problems(data: dict[str, Any], source: Path | str, lines: dict[tuple[Any, ...], int],
                        seen: dict[str, str]) -> list[str]:
    """`paths[].tags` and `owners` values: policy keys only, and values the policy itself would accept."""
    keys: dict[str, Any] = data.get("keys", {})
    places: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (("paths", i, "tags"), scope["tags"]) for i, scope in enumerate(data.get("paths", [])) if "tags" in scope]
    places += [(("owners", owner), tags) for owner, tags in data.get("owners", {}).items()]
    problems = []
    for where, tags in places:
        for key, value in tags.items():
            name = seen.get(normalize_key(key))
            if name is None:
                problems.append(f"{_where(source, lines, where + (key,))}: {key!r} is not a policy key or alias; "
                                f"use one of {', '.join(keys)}")
                continue
            spec = keys.get(name) or {}
            allowed, pattern = spec.get("allowed"), spec.get("pattern")
            if allowed is not None and value not in allowed:
                problems.append(f"{_where(source, lines, where + (key,))}: {value!r} is not an allowed {name}; "
                                f"use one of {', '.join(map(str, allowed))}")
            elif pattern is not None and pattern_problem(pattern) is None and not full_match(pattern, value):
                problems.append(f"{_where(source, lines, where + (key,))}: {value!r} does not match the "
                                f"{name} pattern {pattern}; write a value that does")
    return problems


# Far above any real policy (a handful of keys, tens of path scopes), far below what slows a scan.
LIMITS = {"keys": 100, "paths": 1_000, "scope_map": 10_000}
KEY_LIMITS = {"aliases": 50, "allowed": 1_000}
MAX_PATTERN = 500  # characters in one `pattern`
MAX_PROBLEMS = 50  # reported per file; the rest are counted


def _limit_problems(data: Any, source: Path | str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    if not isinstance(data, dict):
        return []
    problems = []
    for section, limit in LIMITS.items():
        value = data.get(section)
        if isinstance(value, (dict, list)) and len(value) > limit:
            problems.append(f"{_where(source, lines, (section,))}: {len(value):,} entries, over the limit of "
                            f"{limit:,}; a policy needs far fewer (split scopes across repositories)")
    keys = data.get("keys")
    for name, spec in (keys.items() if isinstance(keys, dict) and len(keys) <= LIMITS["keys"] else ()):
        for field_name, limit in KEY_LIMITS.items():
            value = spec.get(field_name) if isinstance(spec, dict) else None
            if isinstance(value, list) and len(value) > limit:
                problems.append(f"{_where(source, lines, ('keys', name, field_name))}: {len(value):,} entries, "
                                f"over the limit of {limit:,}; use a `pattern` instead of listing values")
        pattern = spec.get("pattern") if isinstance(spec, dict) else None
        if isinstance(pattern, str) and len(pattern) > MAX_PATTERN:
            problems.append(f"{_where(source, lines, ('keys', name, 'pattern'))}: a {len(pattern):,}-character "
                            f"pattern, over the limit of {MAX_PATTERN}; write a shorter pattern")
    return problems


def validate_policy_data(data: Any, source: Path | str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    """Every problem with the policy (at most MAX_PROBLEMS shown), each `<file>:<line>: <what>; <fix>`."""
    problems = _limit_problems(data, source, lines) or _schema_problems(data, source, lines)
    if not problems and isinstance(data, dict):
        problems = _semantic_problems(data, source, lines)
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"{source}:1: (top): {more:,} more problem(s) not shown; fix these first"]
    return problems


# -- compiling ------------------------------------------------------------------------------
def _opt(value: object, allowed: tuple[_S, ...], what: str, source: str) -> _S | None:
    """A typed enum value (the schema already checked it; a policy compiled unvalidated fails here)."""
    return None if value is None else one_of(value, allowed, what=what, where=source)


def compile_policy(data: dict[str, Any], source: str) -> Policy:
    keys = tuple(
        KeyRule(
            name=name, aliases=tuple(spec.get("aliases", ())),
            min_grade=_opt(spec.get("min_grade"), POLICY_GRADES, f"keys.{name}.min_grade", source),
            allowed=tuple(spec["allowed"]) if "allowed" in spec else None, pattern=spec.get("pattern"),
        )
        for name, spec in ((n, s or {}) for n, s in data["keys"].items())
    )
    aliases: dict[str, str] = {}
    for k in keys:
        for alias in (k.name, *k.aliases):
            aliases[normalize_key(alias)] = k.name

    def canon(key: str) -> str:
        return aliases.get(normalize_key(key), key)

    paths = tuple(
        PathRule(
            patterns=tuple([p["match"]] if isinstance(p["match"], str) else p["match"]),
            mode=_opt(p.get("mode"), POLICY_MODES, "paths.mode", source),
            required=tuple(canon(k) for k in p["required"]) if "required" in p else None,
            min_grade=_opt(p.get("min_grade"), POLICY_GRADES, "paths.min_grade", source),
            unverifiable=_opt(p.get("unverifiable"), ACTIONS, "paths.unverifiable", source),
            tags=_canon_tags(p["tags"], canon) if "tags" in p else None,
        )
        for p in data.get("paths", ())
    )
    scope_map = tuple(
        ScopeEntry(kind=e["kind"], tags=tuple(sorted((canon(k), str(v)) for k, v in e["tags"].items())),
                   id=e.get("id"), env=e.get("env"))
        for e in data.get("scope_map", ())
    )
    canonical_json = json.dumps(data, sort_keys=True, default=str)
    return Policy(
        source=source, name=data.get("name", Path(source).stem), keys=keys,
        mode=one_of(data.get("mode", "enforce"), POLICY_MODES, what="mode", where=source),
        showback_keys=tuple(canon(k) for k in data.get("showback_keys", [keys[0].name])),
        min_grade=one_of(data.get("min_grade", "GW"), POLICY_GRADES, what="min_grade", where=source),
        unverifiable=one_of(data.get("unverifiable", "warn"), ACTIONS, what="unverifiable", where=source),
        severity={rule: one_of(level, SEVERITY_OVERRIDES, what=f"severity.{rule}", where=source)
                  for rule, level in data.get("severity", {}).items()},
        paths=paths, scope_map=scope_map,
        assume_env={k: str(v) for k, v in data.get("assume_env", {}).items()},
        exempt_local=bool(data.get("exempt", {}).get("local_endpoints", True)),
        exempt_endpoints=tuple(data.get("exempt", {}).get("endpoints", ())),
        forbid_inline=frozenset(data.get("suppressions", {}).get("forbid", ())),
        max_file_bytes=int(data.get("limits", {}).get("max_file_bytes", 5 * 1024 * 1024)),
        tolerance=float(data.get("tolerance", 0.05)),
        digest=hashlib.sha256(canonical_json.encode()).hexdigest()[:16],
        aliases=aliases,
        showback=compile_showback(data.get("showback"), canon),
        chargeback=compile_chargeback(data.get("chargeback"), canon),
        owner_tags=tuple((owner, _canon_tags(tags, canon)) for owner, tags in data.get("owners", {}).items()),
        gateway=_opt(data.get("gateway"), GATEWAYS, "gateway", source),
    )


def _canon_tags(tags: dict[str, Any], canon: Any) -> tuple[tuple[str, str], ...]:
    return tuple((canon(k), str(v)) for k, v in tags.items())


def read_policy_file(path: Path, *, lines: bool = True) -> tuple[Any, dict[tuple[Any, ...], int], str]:
    """Raw data, line index and display name for a policy file (YAML, or pyproject's [tool.tagaudit])."""
    if path.name == "pyproject.toml":
        found = _read_pyproject(path)
        if found is None:
            raise TagauditError("no [tool.tagaudit] table", where=str(path),
                                hint="add one or point --policy at a YAML policy")
        return found[0], found[1], f"{path} [tool.tagaudit]"
    data, index = _read_yaml(path, lines=lines)
    return data, index, str(path)


def _validated_marker(path: Path, cache_dir: Path | None) -> str | None:
    """Digest of 'these exact policy bytes, this schema, this tagaudit and this pathspec', for a sealed marker that
    records they passed validation and holds what they parse to (sealed: the cache may come with the repo, so a
    bare file proves nothing; validating and parsing instead cost ~50 ms per run: jsonschema, PyYAML, pathspec)."""
    if cache_dir is None:
        return None
    from importlib.util import find_spec

    from auditor import __version__

    try:
        spec = find_spec("pathspec")
        glob_engine = os.stat(spec.origin) if spec is not None and spec.origin else None
        engine = f"{spec.origin if spec else None}:{glob_engine.st_size if glob_engine else 0}:" \
                 f"{glob_engine.st_mtime_ns if glob_engine else 0}"
        return hashlib.sha256(path.read_bytes() + SCHEMA_PATH.read_bytes() + __version__.encode()
                              + engine.encode()).hexdigest()
    except (OSError, ImportError, ValueError):
        return None


def _cached_body(data: Any, policy: Policy) -> bytes:
    """What the sealed marker keeps: the parsed data and each path rule's glob translation, when JSON holds the
    data exactly (a YAML date or an integer key does not round-trip: then only the marker, as before)."""
    try:
        text = json.dumps({"data": data, "globs": [[list(r.patterns), translate(r.patterns)] for r in policy.paths]},
                          allow_nan=False)  # never sort_keys: the order of `keys` is the policy's order
    except (TypeError, ValueError):
        return b""
    return text.encode() if json.loads(text)["data"] == data else b""


def _from_body(body: bytes) -> Any | None:
    """The parsed data a sealed marker holds (preloading its glob translations), or None for a bare marker."""
    if not body:
        return None
    try:
        blob = json.loads(body)
        preload({tuple(patterns): regex for patterns, regex in blob["globs"] if isinstance(regex, str)})
        return blob["data"]
    except (ValueError, KeyError, TypeError):
        return None


def _source_name(path: Path) -> str:
    return f"{path} [tool.tagaudit]" if path.name == "pyproject.toml" else str(path)


def load_policy(path: Path, *, trusted: bool = False, cache_dir: Path | None = None) -> Policy:
    """Validate (unless the packaged default, or already validated as these exact bytes) and compile."""
    from auditor.scan.cache import remember_valid, valid_body

    marker = _validated_marker(path, cache_dir)  # the packaged default too: trusted, yet still parsed
    body = valid_body(cache_dir, "policies", marker) if marker is not None else None
    cached = _from_body(body) if body is not None else None
    if cached is not None:
        return compile_policy(cached, _source_name(path))
    known_good = trusted or body is not None
    data, lines, source = read_policy_file(path, lines=not known_good)
    if not known_good:
        problems = validate_policy_data(data, path, lines)
        if problems:
            raise PolicyError(problems)
    policy = compile_policy(data, source)
    if marker is not None:
        remember_valid(cache_dir, "policies", marker, _cached_body(data, policy))
    return policy


def discover_policy(root: Path, explicit: Path | None = None, *, cache_dir: Path | None = None) -> Policy:
    """--policy FILE, else tagaudit.yaml or [tool.tagaudit] at the scan root, else the packaged default."""
    if explicit is not None:
        if not explicit.is_file():
            raise TagauditError("policy file not found", where=str(explicit), hint="check the --policy path")
        return load_policy(explicit, cache_dir=cache_dir)
    base = root if root.is_dir() else root.parent
    for name in POLICY_FILENAMES:
        candidate = base / name
        if os.path.lexists(candidate):  # a FIFO or a dangling link is a policy we cannot read: fail closed
            _check_repo_file(candidate, base, "policy")
            return load_policy(candidate, cache_dir=cache_dir)
    pyproject = base / "pyproject.toml"
    if os.path.lexists(pyproject):
        _check_repo_file(pyproject, base, "pyproject.toml")
        if b"[tool.tagaudit" in read_regular(pyproject, yamlload.POLICY.max_bytes):
            return load_policy(pyproject, cache_dir=cache_dir)
    return load_policy(DEFAULT_POLICY, trusted=True, cache_dir=cache_dir)


def _check_repo_file(path: Path, base: Path, what: str) -> None:
    """A file the scanned repository brings is its input: no link out of it, nothing but a regular file."""
    try:
        check_regular(path, base)
    except OSError as exc:
        raise TagauditError(f"cannot use the {what} file: {exc.strerror or exc}", where=str(path),
                            hint="replace it with a regular file inside the repository") from exc


def grade_ok(grade: Grade | None, minimum: Grade) -> bool:
    return grade is not None and GRADE_RANK[grade] >= GRADE_RANK[minimum]


def policy_file_problems(path: Path) -> list[str]:
    """Every problem in one policy file (`tagaudit policy check`); an unreadable file is one problem."""
    try:
        data, lines, _ = read_policy_file(path)
        return validate_policy_data(data, path, lines)
    except PolicyError as exc:
        return exc.problems
    except TagauditError as exc:
        return [str(exc)]
