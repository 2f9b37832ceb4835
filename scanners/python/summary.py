"""Phase 1 of whole-repo resolution: what one module exports to the others, as a small JSON-able summary.

A summary names, for each module-level name worth knowing across modules, what static reading makes of it:
an SDK client (`Obj`, with the evidence of the constructor that built it), an SDK module or name re-exported
(`ModuleRef`, `from myapp.llm.shared import litellm`), a function returning a client, a class or an instance
whose attributes or methods hold clients (`Linked`). A name bound by importing another module of the
repository stays a `ModuleRef` alias; link.py resolves it. The summary also lists what the module imports.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanners.catalog import Catalog
from scanners.python.values import ClassRef, FuncRef, Instance, Linked, Lit, ModuleRef, Obj, Value
from scanners.records import Evidence, Issue

if TYPE_CHECKING:  # computing a summary needs the front end; reading one (a cache hit) must not load it
    from scanners.python.index import ModuleIndex
    from scanners.python.resolve import Resolver

_MAX_NESTING = 3  # a wrapper holding a wrapper holding a client; deeper is not followed
_MAX_EXPORTS = 400  # names per module (a generated module must not make summaries huge)


@dataclass(frozen=True, slots=True)
class Summary:
    exports: tuple[tuple[str, Value], ...] = ()  # Obj | ModuleRef | Linked
    imports: tuple[str, ...] = ()  # dotted names as bound by the module's imports (relative ones keep their dots)

    def get(self, name: str) -> Value | None:
        return next((v for k, v in self.exports if k == name), None)


# -- computing -------------------------------------------------------------------------------------------------

def summarise(index: ModuleIndex, resolver: Resolver, imports: tuple[str, ...]) -> Summary:
    """The exports of a module already indexed, evaluated with `resolver` (which may link other modules)."""
    scope = index.module
    out: list[tuple[str, Value]] = []
    for name in list(scope.bindings):
        if len(out) >= _MAX_EXPORTS:
            break
        if name.startswith("__") and name != "__all__":
            continue
        value = _export(resolver.eval_name(name, scope, 1 << 30), index, resolver, name, 0)
        if value is not None:
            out.append((name, value))
    out += _declared(index, resolver, {k for k, _ in out})
    return Summary(tuple(out), imports)


def _declared(index: ModuleIndex, r: Resolver, done: set[str]) -> list[tuple[str, Value]]:
    """`client: OpenAI = None` at module level: set elsewhere (`state.client = OpenAI(...)`), typed here."""
    out: list[tuple[str, Value]] = []
    for stmt in getattr(index.module.node, "body", ()):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id not in done \
                and (stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)):
            value = r._eval_annotation(stmt.annotation, index.module, stmt.lineno)
            if isinstance(value, Obj):
                out.append((stmt.target.id, value))
    return out


def _export(value: Value, index: ModuleIndex, r: Resolver, name: str, depth: int) -> Value | None:
    if isinstance(value, (Obj, Linked)):
        return value
    if isinstance(value, ModuleRef):
        return value if not value.qualname.startswith(("os.", "typing.")) else None
    if depth >= _MAX_NESTING:
        return None
    if isinstance(value, FuncRef):
        from scanners.python.resolve import passthrough

        made = _export(r._call_function(value), index, r, name, depth + 1)
        if isinstance(made, (Obj, Linked)):
            return Linked("func", name, made)
        through = passthrough(value.node, value.owner is not None)
        return Linked("passthrough", name, None, (("index", Lit(through[0])), ("name", Lit(through[1])))) \
            if through is not None else None
    if isinstance(value, Instance):
        proxied = r.delegate(value.qualname)
        if isinstance(proxied, (ModuleRef, Obj)):
            return proxied  # `litellm = LazyLiteLLM()`, whose __getattr__ hands out the real module's names
    if isinstance(value, (ClassRef, Instance)):
        attrs = class_facts(index, r, value.qualname, depth + 1)
        if not attrs:
            return None
        return Linked("class" if isinstance(value, ClassRef) else "instance", value.qualname, None, attrs)
    return None


def class_facts(index: ModuleIndex, r: Resolver, cls: str, depth: int) -> tuple[tuple[str, Value], ...]:
    """Attributes (set in any method) and methods of a class that hold or return clients."""
    from scanners.python.resolve import _is_property

    names: list[str] = []
    for owner in r.mro(cls):
        index.ensure_class(owner)
        info = index.classes.get(owner)
        if info is not None:
            names += [n for n in [*info.attrs, *info.methods] if n not in names]
    out: list[tuple[str, Value]] = []
    for attr in names:
        value = r._eval_member(cls, attr, 1 << 30)
        if isinstance(value, FuncRef) and not _is_property(value.node):
            made = _export(r._call_function(value), index, r, attr, depth)
            fact: Value | None = Linked("func", attr, made) if isinstance(made, (Obj, Linked)) else None
        else:
            fact = _export(value, index, r, attr, depth) if not isinstance(value, ModuleRef) else None
        if fact is not None:
            out.append((attr, fact))
    return tuple(out)


# Import statements found without parsing: a cheap pass over every file of the repository (str.find, no regex
# scan over the whole text: that would cost as much as reading the tree again).
_STMT = re.compile(rb"[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([\w.]+))")
_NAME = re.compile(r"[\w.]+|\*")
_AS_BYTES: dict[int, tuple[frozenset[str], frozenset[bytes]]] = {}


def _encoded(names: frozenset[str]) -> frozenset[bytes]:
    got = _AS_BYTES.get(id(names))
    if got is None or got[0] is not names:
        got = _AS_BYTES[id(names)] = (names, frozenset(n.encode() for n in names))
    return got[1]


def scan_imports(data: bytes, skip: frozenset[str] = frozenset(), known: frozenset[str] | None = None,
                 ) -> tuple[str, ...]:
    """Dotted names the file's import statements bind, as the module index records them. `skip`: first names
    not worth listing (the standard library); `known`: if given, the only first names worth listing (besides
    relative imports). Over-approximate: an import statement inside a string counts."""
    out: list[str] = []
    find, match_at = data.find, _STMT.match
    skip_b, known_b = _encoded(skip), _encoded(known) if known is not None else None
    pos = find(b"import")
    while pos != -1:
        start = data.rfind(b"\n", 0, pos) + 1
        end = find(b"\n", pos)
        end = len(data) if end == -1 else end
        match = match_at(data, start, end)
        if match is not None:
            module, first = match.group(1), match.group(2)
            # The common case, decided on the bytes: `from os import path`, `import logging`.
            root = module.partition(b".")[0] if module is not None and module[:1] != b"." else \
                first.partition(b".")[0] if first is not None and b"," not in data[match.end():end] else None
            body = match.end() if first is None else match.start(2)
            # A parenthesised list runs on to its `)`. Decided on the statement's own code (not a `(` in a comment
            # or after a `;`), and before `known` is looked at: then which statements are listed never moves the
            # scan, and filtering the unfiltered list by `known` gives exactly the filtered one (the repo's
            # phase-1 facts are stored unfiltered, as the set of module names changes between runs).
            code = data[body:end].split(b"#", 1)[0].split(b";", 1)[0]
            if b"(" in code and b")" not in code:
                close = find(b")", end)
                end = len(data) if close == -1 else close
            if root and (root in skip_b or (known_b is not None and root not in known_b)):
                pos = find(b"import", end)
                continue
            text = data[body:end].split(b"#", 1)[0].split(b";", 1)[0].decode("utf-8", "replace")
            out += _bound(module, text, skip, known)
        pos = find(b"import", end)
    return tuple(dict.fromkeys(out))


def only_known(imports: tuple[str, ...], known: frozenset[str] | None) -> tuple[str, ...]:
    """`scan_imports(data, skip, None)` filtered as `scan_imports(data, skip, known)` filters (the same tuple)."""
    if known is None:
        return imports
    return tuple(d for d in imports if (root := d.split(".", 1)[0]) in known or not root)


def _bound(module: bytes | None, text: str, skip: frozenset[str], known: frozenset[str] | None) -> list[str]:
    out = []
    for item in text.replace("\\\n", " ").replace("(", " ").replace(")", " ").split(","):
        words = item.split()
        if not words or not _NAME.fullmatch(words[0]):
            continue
        name = words[0]
        dotted = name if module is None else f"{module.decode('ascii', 'replace')}.{name}"
        root = dotted.split(".", 1)[0]
        if root not in skip and (known is None or root in known or not root):
            out.append(dotted)
    return out


def names_of(stmts: list[ast.stmt]) -> list[str]:
    out: list[str] = []
    for node in stmts:
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "") if node.level or not node.module else node.module
            out += [f"{base}.{a.name}" if a.name != "*" else base + ".*" for a in node.names]
    return out


# -- JSON (the cache and the repo index store summaries; a stored one is checked field by field) --------------

_EVIDENCE = tuple(Evidence.__dataclass_fields__)


def to_json(summary: Summary) -> dict[str, Any]:
    return {"exports": [[k, value_json(v)] for k, v in summary.exports], "imports": list(summary.imports)}


def value_json(value: Value) -> list[Any]:
    if isinstance(value, Lit) and type(value.value) in (str, int):
        return ["v", value.value]
    if isinstance(value, ModuleRef):
        return ["m", value.qualname]
    if isinstance(value, Linked):
        return ["l", value.kind, value.name, value_json(value.returns) if value.returns is not None else None,
                [[k, value_json(v)] for k, v in value.attrs]]
    if isinstance(value, Obj):
        return ["o", value.type_id, value.provider, list(value.path),
                [[getattr(e, k) for k in _EVIDENCE] for e in value.carriers],
                [[i.check, i.message] for i in value.issues], value.mode, value.model, value.endpoint,
                list(value.origin), value.client_line]
    raise TypeError(type(value).__name__)


class BadSummary(ValueError):
    """A stored summary whose shape is not exactly what this version writes."""


def _str(raw: object, optional: bool = False) -> Any:
    if type(raw) is str or (optional and raw is None):
        return raw
    raise BadSummary("string")


def from_json(raw: object) -> Summary:
    if type(raw) is not dict or set(raw) != {"exports", "imports"} or type(raw["exports"]) is not list \
            or type(raw["imports"]) is not list:
        raise BadSummary("summary")
    return Summary(tuple(_pair(p) for p in raw["exports"]), tuple(_str(i) for i in raw["imports"]))


def _pair(raw: object) -> tuple[str, Value]:
    if type(raw) is not list or len(raw) != 2:
        raise BadSummary("pair")
    return _str(raw[0]), value_from_json(raw[1])


def value_from_json(raw: object, depth: int = 0) -> Value:
    if type(raw) is not list or not raw or depth > 2 * _MAX_NESTING + 2:
        raise BadSummary("value")
    tag = raw[0]
    if tag == "v" and len(raw) == 2 and type(raw[1]) in (str, int):
        return Lit(raw[1])
    if tag == "m" and len(raw) == 2:
        return ModuleRef(_str(raw[1]))
    if tag == "l" and len(raw) == 5 and raw[1] in ("func", "class", "instance", "passthrough") and type(raw[4]) is list:
        returns = value_from_json(raw[3], depth + 1) if raw[3] is not None else None
        attrs = []
        for pair in raw[4]:
            if type(pair) is not list or len(pair) != 2:
                raise BadSummary("attr")
            attrs.append((_str(pair[0]), value_from_json(pair[1], depth + 1)))
        return Linked(raw[1], _str(raw[2]), returns, tuple(attrs))
    if tag == "o" and len(raw) == 11:
        return _obj(raw)
    raise BadSummary("value")


def _obj(raw: list[Any]) -> Obj:
    if type(raw[3]) is not list or type(raw[4]) is not list or type(raw[5]) is not list \
            or type(raw[9]) is not list or len(raw[9]) != 2 or not all(type(x) is int for x in raw[9]) \
            or not (raw[10] is None or type(raw[10]) is int):
        raise BadSummary("client")
    carriers = []
    for ev in raw[4]:
        if type(ev) is not list or len(ev) != len(_EVIDENCE) or not all(
                type(x) in (str, type(None)) for x in ev):
            raise BadSummary("evidence")
        carriers.append(Evidence(*ev))
    issues = []
    for issue in raw[5]:
        if type(issue) is not list or len(issue) != 2:
            raise BadSummary("issue")
        issues.append(Issue(_str(issue[0]), _str(issue[1])))
    return Obj(_str(raw[1]), _str(raw[2]), tuple(_str(p) for p in raw[3]), tuple(carriers), tuple(issues),
               _str(raw[6], True), _str(raw[7], True), _str(raw[8], True), (raw[9][0], raw[9][1]), raw[10])


def catalog_roots(catalog: Catalog) -> frozenset[str]:
    return frozenset(q.split(".")[0] for q in catalog.constructors) | frozenset(
        m.split(".")[0] for m in catalog.module_instances)
