"""Load the SDK catalog (YAML data) and compile it into lookup tables for the front ends."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanners import wildcard, yamlload
from scanners.errors import TagauditError
from scanners.hosts import HOSTS_PATH
from scanners.records import Grade

CATALOG_DIR = Path(__file__).parent / "catalog"
SCHEMA_PATH = Path(__file__).parent / "catalog.schema.json"
GATEWAYS_PATH = Path(__file__).parent / "gateways.yaml"



_GENERIC = frozenset({"append", "start", "copy", "get", "list"})


@dataclass(frozen=True, slots=True)
class Select:
    index: int | None
    name: str | None
    equals: tuple[str | bool, ...]


@dataclass(frozen=True, slots=True)
class CarrierSpec:
    arg: str
    kind: str
    index: int | None = None
    path: tuple[str, ...] = ()
    grade: Grade | None = None
    scope: str | None = None
    env: str | None = None
    mode: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return ".".join((self.arg, *self.path))


@dataclass(frozen=True, slots=True)
class CallSpec:
    operation: str
    path: tuple[str, ...]
    model_args: tuple[str, ...]
    carriers: tuple[CarrierSpec, ...]
    checks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FactorySpec:
    path: tuple[str, ...]
    produces: str
    select: Select | None
    carriers: tuple[CarrierSpec, ...]
    model_args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CtorSpec:
    qualname: str
    type_id: str
    provider: str
    select: Select | None
    mode: str | None
    # A wrapper (instructor.from_openai(client)): the argument at this index or name holds the client it wraps,
    # whose provider, endpoint and client-level tags the wrapper keeps.
    wraps: Select | None = None
    # An abstract base (llama_index.core.llms.LLM): a parameter annotated with it is a model built elsewhere;
    # it is never constructed, and a project class deriving from it is not taken for the SDK's client.
    annotation_only: bool = False
    # The wrapper returns the very client it wraps (langsmith.wrappers.wrap_openai(client)): same type and calls.
    identity: bool = False


@dataclass(frozen=True, slots=True)
class RunsOn:
    """A program object (a DSPy predictor) whose requests run on a model it is handed at call time (`arg`), by
    an enclosing context manager (`contexts`) or globally (`configure`), rather than on a client it holds."""

    type_id: str
    arg: str
    contexts: frozenset[str]
    configure: frozenset[str]


@dataclass(frozen=True, slots=True)
class ModeRule:
    mode: str
    arg: str
    equals: str | bool | None
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    id: str
    family: str
    sdk: str
    provider: str
    provider_from_model: bool
    carriers: tuple[CarrierSpec, ...]
    common: tuple[CarrierSpec, ...]
    model_args: tuple[str, ...]
    modes: tuple[ModeRule, ...]
    mode_env: str | None
    derive: frozenset[str]
    derive_carriers: tuple[CarrierSpec, ...]
    transparent: frozenset[str]
    factories: tuple[FactorySpec, ...]
    calls: dict[tuple[str, ...], CallSpec]
    free: frozenset[tuple[str, ...]]
    report_construction: bool
    module_instance: tuple[str, ...]
    checks: tuple[str, ...]
    runs_on: RunsOn | None = None


@dataclass(frozen=True, slots=True)
class HeaderRule:
    kind: str
    grade: Grade
    name: str | None = None
    prefix: str | None = None
    scope: str | None = None
    gateway: str | None = None


@dataclass(frozen=True, slots=True)
class EndpointRule:
    host: str
    provider: str | None = None
    gateway: str | None = None
    local: bool = False


@dataclass
class Catalog:
    types: dict[str, TypeSpec] = field(default_factory=dict)
    constructors: dict[str, list[CtorSpec]] = field(default_factory=dict)
    module_instances: dict[str, list[str]] = field(default_factory=dict)
    tokens: tuple[bytes, ...] = ()
    names: frozenset[str] = frozenset()
    call_names: frozenset[str] = frozenset()
    # Last names of constructors whose object is itself the request (a type with the empty call path ""):
    # `self.qa(...)` is worth resolving when `self.qa` holds one of these.
    callable_ctors: frozenset[str] = frozenset()
    # Words that make a function body worth indexing eagerly (see scanners.python.index.relevant_lines).
    relevance: frozenset[str] = frozenset()
    headers: tuple[HeaderRule, ...] = ()
    endpoints: tuple[EndpointRule, ...] = ()
    model_prefixes: tuple[tuple[str, str], ...] = ()
    digest: str = ""
    families: dict[str, dict[str, Any]] = field(default_factory=dict)

    def header_rule(self, name: str) -> HeaderRule | None:
        low = name.lower()
        for rule in self.headers:
            if rule.name is not None and low == rule.name:
                return rule
            if rule.prefix is not None and low.startswith(rule.prefix) and len(low) > len(rule.prefix):
                return rule
        return None

    def model_provider(self, model: str | None) -> tuple[str, bool] | None:
        """The provider a model string names, and whether it says so explicitly ("openai:gpt-4o", "bedrock/...")
        rather than by a maker's naming habit ("gpt-4o")."""
        low = (model or "").lower()
        for prefix, provider in self.model_prefixes:
            if low.startswith(prefix):
                return provider, prefix[-1] in ":/"
        return None

    def endpoint_rule(self, host: str) -> EndpointRule | None:
        low = host.lower()
        for rule in self.endpoints:
            if wildcard.matches(low, rule.host):
                return rule
        return None


def _select(raw: dict[str, Any] | None) -> Select | None:
    if raw is None:
        return None
    return Select(raw.get("index"), raw.get("name"), tuple(raw.get("equals", ())))


def _carriers(raw: list[dict[str, Any]] | None) -> tuple[CarrierSpec, ...]:
    out = []
    for c in raw or ():
        out.append(
            CarrierSpec(
                arg=c["arg"], kind=c["kind"], index=c.get("index"), path=tuple(c.get("path", ())),
                grade=c.get("grade"), scope=c.get("scope"), env=c.get("env"), mode=c.get("mode"),
                note=c.get("note"),
            )
        )
    return tuple(out)


def _split(dotted: str) -> tuple[str, ...]:
    """`chat.completions.create` -> its attribute path; "" (calling the object itself) -> ()."""
    return tuple(dotted.split(".")) if dotted else ()


def _runs_on(raw: dict[str, Any] | None) -> RunsOn | None:
    if raw is None:
        return None
    return RunsOn(raw["type"], raw["arg"], frozenset(raw.get("contexts", ())), frozenset(raw.get("configure", ())))


def _compile_type(family: str, raw: dict[str, Any]) -> TypeSpec:
    common = _carriers(raw.get("common"))
    calls: dict[tuple[str, ...], CallSpec] = {}
    for call in raw.get("calls", ()):
        own = _carriers(call.get("carriers"))
        carriers = own + (common if call.get("common", True) else ())
        for p in call["paths"]:
            calls[_split(p)] = CallSpec(
                operation=p or "__call__", path=_split(p), model_args=tuple(call.get("model", ())),
                carriers=carriers, checks=tuple(call.get("checks", ())),
            )
    factories = tuple(
        FactorySpec(
            path=_split(f["path"]), produces=f["produces"], select=_select(f.get("select")),
            carriers=_carriers(f.get("carriers")), model_args=tuple(f.get("model", ())),
        )
        for f in raw.get("factories", ())
    )
    return TypeSpec(
        id=raw["id"], family=family, sdk=raw["sdk"], provider=raw["provider"],
        provider_from_model=bool(raw.get("provider_from_model", False)),
        carriers=_carriers(raw.get("carriers")), common=common,
        model_args=tuple(raw.get("model", ())),
        modes=tuple(ModeRule(m["mode"], m["arg"], m.get("equals"), m.get("provider")) for m in raw.get("modes", ())),
        mode_env=raw.get("mode_env"),
        derive=frozenset(raw.get("derive", ())),
        derive_carriers=_carriers(raw.get("derive_carriers")),
        transparent=frozenset(raw.get("transparent", ())),
        factories=factories, calls=calls,
        free=frozenset(_split(p) for p in raw.get("free", ())),
        report_construction=bool(raw.get("report_construction", False)),
        module_instance=tuple(raw.get("module_instance", ())),
        checks=tuple(raw.get("checks", ())),
        runs_on=_runs_on(raw.get("runs_on")),
    )


def _ctor_calls(raw: dict[str, Any]) -> list[str]:
    return [call for c in raw.get("constructors", ()) for call in (c["call"], *c.get("aliases", ()))]


def read_family_files(directory: Path = CATALOG_DIR) -> list[tuple[Path, dict[str, Any]]]:
    return [(path, yamlload.load_packaged(path)) for path in _listed(directory, ".yaml")]


def _listed(directory: Path, suffix: str) -> list[Path]:
    """The directory's files ending in `suffix`, sorted (os.listdir: pathlib's glob compiles a regex first)."""
    return [directory / name for name in sorted(os.listdir(directory)) if name.endswith(suffix)]


SCANNER_CODE_DIR = Path(__file__).parent / "python"


def catalog_digest(directory: Path = CATALOG_DIR, code_dir: Path = SCANNER_CODE_DIR) -> str:
    """Changes whenever any catalog, gateway or host data, or the scanner's code, changes (part of the
    result-cache key): a release bumps the version, but an editable tree or a patched install does not, and a
    resolver change must not be answered from entries the old resolver wrote."""
    h = hashlib.blake2b(digest_size=12)
    for path in [*_listed(directory, ".yaml"), GATEWAYS_PATH, HOSTS_PATH, Path(__file__), *_listed(code_dir, ".py")]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def validate_families(files: list[tuple[Path, dict[str, Any]]]) -> list[str]:
    """Schema and cross-reference problems, one line each (empty when the catalog is sound)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[str] = []
    type_ids: set[str] = set()
    for path, data in files:
        for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            problems.append(f"{path.name}: {where}: {err.message}")
        for t in (data or {}).get("types", ()):
            if t.get("id") in type_ids:
                problems.append(f"{path.name}: type id {t.get('id')!r} is defined twice")
            type_ids.add(t.get("id"))
    for path, data in files:
        for t in (data or {}).get("types", ()):
            for f in t.get("factories", ()):
                if f.get("produces") not in type_ids:
                    problems.append(f"{path.name}: factory {f.get('path')} produces unknown type {f.get('produces')!r}")
            runs_on = t.get("runs_on")
            if runs_on is not None and runs_on.get("type") not in type_ids:
                problems.append(f"{path.name}: type {t.get('id')!r} runs on unknown type {runs_on.get('type')!r}")
    return problems


def compile_catalog(files: list[tuple[Path, dict[str, Any]]]) -> Catalog:
    cat = Catalog()
    tokens: set[str] = set()
    names: set[str] = set()
    call_names: set[str] = set()
    relevance: set[str] = set()
    callable_ctors: set[str] = set()
    for path, data in files:
        family = data["family"]
        cat.families[family] = data
        tokens.update(data["tokens"])
        for raw in data["types"]:
            spec = _compile_type(family, raw)
            cat.types[spec.id] = spec
            for ctor in raw.get("constructors", ()):
                # `aliases`: the same class under its canonical module path and other re-exports.
                for call in (ctor["call"], *ctor.get("aliases", ())):
                    cat.constructors.setdefault(call, []).append(
                        CtorSpec(call, spec.id, ctor.get("provider", spec.provider),
                                 _select(ctor.get("select")), ctor.get("mode"), _select(ctor.get("wraps")),
                                 bool(ctor.get("annotation_only", False)), bool(ctor.get("identity", False)))
                    )
                    names.add(call.rsplit(".", 1)[-1])
            for mod in spec.module_instance:
                cat.module_instances.setdefault(mod, []).append(spec.id)
            names.update(p[-1] for p in spec.calls if p)
            call_names.update(p[-1] for p in spec.calls if p)
            if () in spec.calls:
                callable_ctors.update(c.rsplit(".", 1)[-1] for c in _ctor_calls(raw))
            for p in filter(None, spec.calls):
                # A list's append() or a thread's start() would mark half of all functions relevant; the
                # segment before them (conversations.append) is rare enough to stand for them.
                relevance.add(p[-2] if p[-1] in _GENERIC and len(p) > 1 else p[-1])
            if spec.report_construction:
                relevance.update(c.rsplit(".", 1)[-1] for c in _ctor_calls(raw))
            names.update(f.path[-1] for f in spec.factories)
            names.update(spec.derive)
    gw = yamlload.load_packaged(GATEWAYS_PATH)
    cat.headers = tuple(
        HeaderRule(kind=h["kind"], grade=h["grade"], name=h.get("name"), prefix=h.get("prefix"),
                   scope=h.get("scope"), gateway=h.get("gateway"))
        for h in gw["headers"]
    )
    cat.endpoints = tuple(
        EndpointRule(host=str(e["host"]).lower(), provider=e.get("provider"), gateway=e.get("gateway"),
                     local=bool(e.get("local", False)))
        for e in gw["endpoints"]
    )
    # A family's own model-string prefixes (LangChain's "openai:gpt-4o") come before the shared LiteLLM ones.
    own = [(str(p), str(v)) for _, data in files for p, v in data.get("model_prefixes", ())]
    cat.model_prefixes = tuple(own + [(str(p), str(v)) for p, v in gw.get("model_prefixes", ())])
    cat.tokens = tuple(sorted(t.encode() for t in tokens))
    cat.names = frozenset(names)
    cat.call_names = frozenset(call_names)
    cat.callable_ctors = frozenset(callable_ctors)
    cat.relevance = frozenset(relevance)
    return cat


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalog. Its schema is enforced by the test suite.

    Compiled on every start (~11 ms with the C YAML loader) rather than loaded from a pickle: whoever can
    write a cache folder could otherwise run code in every scan.
    """
    try:
        cat = compile_catalog(read_family_files())
        cat.digest = catalog_digest()
        return cat
    except (OSError, TagauditError, KeyError, TypeError) as exc:
        raise TagauditError(f"the packaged SDK catalog is unreadable ({exc})", where=str(CATALOG_DIR),
                            hint="reinstall tagaudit") from exc
