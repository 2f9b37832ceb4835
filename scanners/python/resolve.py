"""Evaluate expressions to what static reading can know: literals, dicts, env vars, SDK clients."""

from __future__ import annotations

import ast
import bisect
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

from scanners.catalog import CarrierSpec, Catalog, CtorSpec, Select, TypeSpec
from scanners.hosts import vendor_for
from scanners.python.carriers import CREDENTIAL_SCOPES, carrier_evidence, endpoint_host, literal_text
from scanners.python.checks import run_checks
from scanners.python.index import Arms, Binding, CallRef, ModuleIndex, Scope
from scanners.python.values import (
    Builtin,
    ClassRef,
    DictV,
    Dyn,
    Env,
    FStr,
    FuncRef,
    Instance,
    JsonV,
    Kwargs,
    Linked,
    ListV,
    Lit,
    ModuleRef,
    Obj,
    Value,
    describe,
)
from scanners.records import Evidence, Grade, Issue, Level

_BUILTINS = frozenset({"dict", "list", "tuple", "str", "int", "bool", "partial", "__import__"})
_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__", "__import__"})
_MAX_DEPTH = 60  # links followed in one go (each costs a few Python frames)
# Past _MAX_DEPTH, resolution resumes from where it stopped (memoised), up to this many links in all;
# a call still unresolved then is reported as unverifiable, never dropped.
MAX_HOPS = 1000
BOUND_REASON = f"resolution bound of {MAX_HOPS} hops reached"
_FILE_ROUNDS = 400  # resumptions per file, so that a hostile file cannot make resolution quadratic
# Expression evaluations per file. Values computed while the depth bound is hit are not memoised, so a chain
# of names that each have several candidate bindings (branch arms, loops) can fan out exponentially; past this
# budget every further evaluation is cut short like the depth bound (the call is reported unverifiable).
_FILE_STEPS = 400_000
AnnotationLookup = Callable[[int, int], list[Evidence]]
# What another module of the repository exports under a dotted import name (link.py), or None.
LinkHook = Callable[[str], "Value | None"]
# `stack.enter_async_context(cm)` returns what entering `cm` gives: the client itself for SDK clients.
_CONTEXT_ENTERS = frozenset({"enter_context", "enter_async_context"})




_MAX_ALTS = 8  # alternative clients kept per value (Obj.alts)


def _with_alts(primary: Obj, others: Sequence[Value]) -> Obj:
    """`primary` with the other candidate clients of a different type (or provider) as its alternatives."""
    seen = {(primary.type_id, primary.provider)}
    alts: list[Obj] = list(primary.alts)
    for v in others:
        for o in ((v, *v.alts) if isinstance(v, Obj) else ()):
            if (o.type_id, o.provider) not in seen and len(alts) < _MAX_ALTS:
                seen.add((o.type_id, o.provider))
                alts.append(replace(o, alts=()))
    return replace(primary, alts=tuple(alts)) if alts != list(primary.alts) else primary


_ArmTree = tuple[list[int], list[tuple[int, int, int, int]], list[int]]


def _arm_tree(spans: list[tuple[int, int, int, int]]) -> _ArmTree:
    """Arm spans sorted by first line (outer first on a tie), each with the index of its enclosing span."""
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    parents: list[int] = []
    stack: list[int] = []
    for i, (first, last, _, _) in enumerate(ordered):
        while stack and ordered[stack[-1]][1] < first:
            stack.pop()
        parents.append(stack[-1] if stack and ordered[stack[-1]][1] >= last else -1)
        stack.append(i)
    return [s[0] for s in ordered], ordered, parents


def _exclusive(a: Arms, b: Arms) -> bool:
    """Can code in arms `a` never run in the same pass as code in arms `b`? (Both are paths from the root.)"""
    for x, y in zip(a, b):
        if x != y:
            return x[0] == y[0]  # another arm of the same branch; past a different statement nothing is shared
    return False


def _is_property(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in ("property", "cached_property"):
            return True
    return False


def _unwrap_optional(node: ast.expr) -> ast.expr:
    """`OpenAI | None`, `Optional[OpenAI]`, `"OpenAI"` -> the client class expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _unwrap_optional(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return node
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        for side in (node.left, node.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _unwrap_optional(side)
    if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)):
        name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
        if name == "Optional" and isinstance(node.slice, ast.expr):
            return _unwrap_optional(node.slice)
        if name == "Union" and isinstance(node.slice, ast.Tuple):
            for side in node.slice.elts:
                if not (isinstance(side, ast.Constant) and side.value is None):
                    return _unwrap_optional(side)
    return node


_UNSET = object()


def passthrough(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> tuple[int, str] | None:
    """The parameter (position, name) a function hands back as it got it: `return client`, or `yield client`
    in a context manager (`with bounded(client) as c:`). Positions count from the first argument a caller
    passes (a method's `self` is not counted)."""
    # Memoised on the node itself: a cache keyed by id() outlives the tree, and a later file's function at a
    # reused address got this one's answer (a cross-module test failed in CI, depending on memory layout).
    cached = getattr(fn, "_tagaudit_passthrough", _UNSET)
    if cached is _UNSET:
        cached = _passthrough(fn, method)
        setattr(fn, "_tagaudit_passthrough", cached)  # noqa: B010 (an attribute ast does not declare)
    return cast("tuple[int, str] | None", cached)


def _passthrough(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> tuple[int, str] | None:
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    if method and not static:
        params = params[1:]
    names = params + [a.arg for a in fn.args.kwonlyargs]
    for node in ast.walk(fn):
        if isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Name) \
                and node.value.id in names:
            name = node.value.id
            return (params.index(name) if name in params else -1, name)
    return None


def argument(call: ast.Call, param: tuple[int, str]) -> ast.expr | None:
    index, name = param
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
        return call.args[index]
    return None


class Resolver:
    def __init__(self, index: ModuleIndex, catalog: Catalog, annotations: AnnotationLookup,
                 link: LinkHook | None = None) -> None:
        self.index = index
        self.link = link
        self.catalog = catalog
        self.annotations = annotations
        # Keyed on the node and scope objects themselves (identity hash), never on id(): the key keeps them
        # alive, so a freed node's id cannot be reused by another node and hit a stale entry.
        self.memo: dict[tuple[ast.expr, Scope, str | None], Value] = {}
        self.active: set[tuple[ast.expr, Scope, str | None]] = set()
        # Set when the depth bound cut an evaluation: the value on the way up is not memoised anyway, so every
        # sibling candidate still pending is cut too and the resumption (eval_deep) goes on from the frontier.
        # Without this a chain of names with two candidate bindings each fans out 2**depth before the cut.
        self.cut = False
        # The class `self` really is while evaluating code inherited from a base class.
        self.self_cls: str | None = None
        self._mro_cache: dict[str, list[str]] = {}
        self.constructions: dict[tuple[int, int], tuple[Obj, ast.Call, Scope]] = {}
        # Origins of clients built from a project class deriving from an SDK class (class M(dspy.LM)).
        self.subclassed: set[tuple[int, int]] = set()
        self._module_attrs: dict[str, list[tuple[str, ast.expr, Scope, int]]] | None = None
        self.roots = frozenset(q.split(".")[0] for q in catalog.constructors) | frozenset(
            m.split(".")[0] for m in catalog.module_instances)
        self.hits = 0  # times _MAX_DEPTH was reached; a value computed meanwhile is not memoised
        self.frontier: tuple[ast.expr, Scope, int, str | None] | None = None
        self.rounds_left = _FILE_ROUNDS
        self.steps_left = _FILE_STEPS
        self._arm_memo: dict[int, Arms] = {}
        self._arm_spans = 0
        self._arm_tree: _ArmTree = ([], [], [])
        self._injected: dict[tuple[int, str], Obj | None] = {}
        self._callers: dict[str, list[CallRef]] | None = None

    # -- names ----------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope, line: int) -> list[Binding]:
        """Candidate bindings, most likely first (nearest preceding in the same scope)."""
        s: Scope | None = scope
        while s is not None:
            if s.kind == "class" and s is not scope:
                s = s.parent
                continue
            self.index.ensure(s)
            found = s.bindings.get(name)
            if found and len(found) > 1:
                found = self._visible(found, line)
            if found:
                if s is scope or scope.kind == "module" or s.kind != "module":
                    before = [b for b in found if b.line <= line]
                    rest = [b for b in found if b.line > line]
                    return sorted(before, key=lambda b: -b.line) + sorted(rest, key=lambda b: -b.line)
                # A function reading a module global runs after the module body: any binding may hold.
                return sorted(found, key=lambda b: -b.line)
            s = s.parent
        return []

    def _visible(self, found: list[Binding], line: int) -> list[Binding]:
        """Drop bindings in an arm exclusive with the use's (a sibling elif, another except); keep all if none is left."""
        here = self._arms(line)
        if not here:
            return found
        visible = []
        for b in found:
            if b.arms is None:
                b.arms = self._arms(b.line)
            if not _exclusive(here, b.arms):
                visible.append(b)
        return visible or found

    def _arms(self, line: int) -> Arms:
        """The exclusive arms (if/elif/else, except/else, case) a line lies in, outermost first."""
        spans = self.index.indexer.spans if self.index.indexer is not None else []
        if len(spans) != self._arm_spans:  # a function body indexed late brings its own arms
            self._arm_memo.clear()
            self._arm_spans = len(spans)
            self._arm_tree = _arm_tree(spans)
        arms = self._arm_memo.get(line)
        if arms is None:
            firsts, ordered, parents = self._arm_tree
            i = bisect.bisect_right(firsts, line) - 1
            while i >= 0 and ordered[i][1] < line:  # arms nest: what contains `line` encloses span i
                i = parents[i]
            chain: list[tuple[int, int]] = []
            while i >= 0:
                chain.append((ordered[i][2], ordered[i][3]))
                i = parents[i]
            arms = self._arm_memo[line] = tuple(reversed(chain))
        return arms

    def eval_name(self, name: str, scope: Scope, line: int) -> Value:
        if scope.self_name == name and scope.owner is not None:
            if self.self_cls is not None and scope.owner in self.mro(self.self_cls):
                return Instance(self.self_cls)
            return Instance(scope.owner)
        bindings = self.lookup(name, scope, line)
        if not bindings:
            return Builtin(name) if name in _BUILTINS else Dyn(f"name {name!r} is not bound in this module")
        first: Value | None = None
        for binding in bindings:
            value = self._eval_binding(binding, name)
            if isinstance(value, DictV) and binding.scope is not None:
                value = self._apply_mutations(value, name, binding, line)
            if first is None:
                first = value
            if isinstance(value, ModuleRef) and binding.kind != "import" and \
                    value.qualname.split(".")[0] not in self.roots:
                continue  # `c = state.client` (a module of the repository): a client bound in another arm wins
            if isinstance(value, Instance) and self._stand_in(value.qualname):
                continue  # `litellm = Placeholder()` in `except ImportError:`: the import in the try arm wins
            if isinstance(value, (Obj, ModuleRef, FuncRef, ClassRef, Instance)):
                return value
            if not isinstance(value, Dyn) and not (isinstance(value, Lit) and value.value is None):
                return value
        return first if first is not None else Dyn(name)

    def _eval_binding(self, b: Binding, name: str) -> Value:
        if b.kind == "import":
            linked = self.link(b.qualname) if self.link is not None and b.qualname else None
            return linked if linked is not None else ModuleRef(b.qualname or name)
        if b.kind in ("assign", "with") and isinstance(b.node, ast.expr) and b.scope is not None:
            return self.eval(b.node, b.scope, b.line)
        if b.kind == "def" and isinstance(b.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return FuncRef(b.node)
        if b.kind == "class" and isinstance(b.node, ast.ClassDef) and b.scope is not None:
            return ClassRef(self._class_qualname(b.scope, b.node.name))
        if b.kind == "param" and isinstance(b.node, ast.expr) and b.scope is not None:
            typed = self._eval_annotation(b.node, b.scope, b.line)
            if isinstance(typed, Obj):
                return typed
        if b.kind == "param" and b.scope is not None and b.scope.kind == "function":
            injected = self.injected(b.scope, name)
            if injected is not None:
                return injected
        return Dyn(f"{name} is a parameter or loop variable")

    def injected(self, fscope: Scope, param: str) -> Obj | None:
        """The client callers in this module pass for a parameter (`ask(client, q)`, `Agent(llm=ChatOpenAI())`)."""
        fn = fscope.node
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        key = (id(fn), param)
        if key in self._injected:
            return self._injected[key]
        self._injected[key] = None  # a recursive call passes nothing new
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        if fscope.owner is not None and params and params[0] == fscope.self_name:
            params = params[1:]
        if param not in params and param not in [a.arg for a in fn.args.kwonlyargs]:
            return None
        slot = (params.index(param) if param in params else -1, param)
        callee = fscope.owner.rsplit(".", 1)[-1] if fn.name == "__init__" and fscope.owner else fn.name
        found: Obj | None = None
        for ref in self._calls_named(callee):
            arg = argument(ref.node, slot)
            target = self.eval(ref.node.func, ref.scope, ref.node.lineno) if arg is not None else None
            if isinstance(target, FuncRef) and target.node is fn or (
                    isinstance(target, ClassRef) and target.qualname == fscope.owner):
                value = self.eval(arg, ref.scope, ref.node.lineno)  # type: ignore[arg-type]
                if isinstance(value, Obj):
                    found = value
                    break
        self._injected[key] = found
        return found

    def _calls_named(self, name: str) -> list[CallRef]:
        if self._callers is None:
            for scope in list(self.index.scopes.values()):
                self.index.ensure(scope)  # a caller may sit in a body that names no SDK
            self._callers = {}
            for ref in self.index.calls:
                func = ref.node.func
                callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if callee is not None:
                    self._callers.setdefault(callee, []).append(ref)
        return self._callers.get(name, [])

    @staticmethod
    def _class_qualname(scope: Scope, name: str) -> str:
        if scope.kind == "module":
            return name
        if scope.kind == "class":
            return f"{scope.qualname}.{name}"
        return f"{scope.qualname}.<locals>.{name}"

    def _apply_mutations(self, value: DictV, name: str, b: Binding, line: int) -> DictV:
        assert b.scope is not None
        here = self._arms(line)
        muts = [m for m in b.scope.mutations.get(name, ()) if b.line < m.line <= line
                and not _exclusive(here, self._arms(m.line))]
        if not muts and b.scope.kind != "module":
            return value
        items = list(value.items)
        unresolved = list(value.unresolved)
        for m in muts:
            new = self.eval(m.value, b.scope, m.line)
            if m.key is not None:
                items.append((self.eval(m.key, b.scope, m.line), new))
            elif isinstance(new, DictV):
                items += new.items
                unresolved += new.unresolved
            else:
                unresolved.append(f"update({describe(new)})")
        return DictV(tuple(items), tuple(unresolved))

    def _eval_annotation(self, node: ast.expr, scope: Scope, line: int) -> Value:
        target = self.eval(_unwrap_optional(node), scope, line)
        if isinstance(target, ModuleRef) and target.qualname in self.catalog.constructors:
            spec = self.catalog.constructors[target.qualname][0]
            return self.passed_in(spec, f"client passed in as {target.qualname.rsplit('.', 1)[-1]} (constructed elsewhere)",
                                  (node.lineno, node.col_offset))
        return Dyn("a parameter")

    def passed_in(self, spec: CtorSpec, via: str, origin: tuple[int, int]) -> Obj:
        """A client built by someone else: its scope carriers cannot be seen, so the grade is unverifiable."""
        tspec = self.catalog.types[spec.type_id]
        grade: Grade = "SCOPE" if any(c.kind == "scope" and c.scope not in CREDENTIAL_SCOPES
                                      for c in tspec.carriers) else "GW"
        ev = Evidence(via=via, grade=grade, state="unverifiable", level="client")
        return Obj(spec.type_id, spec.provider, carriers=(ev,), mode=spec.mode, origin=origin)

    # -- expressions ----------------------------------------------------------------------
    def eval(self, node: ast.expr, scope: Scope, line: int) -> Value:
        key = (node, scope, self.self_cls)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return Dyn("a recursive definition")
        if not self.active:
            self.cut = False  # a new top-level evaluation
        elif self.cut:
            self.hits += 1
            return Dyn(BOUND_REASON)
        if len(self.active) > _MAX_DEPTH:
            self.hits += 1
            self.cut = True
            self.frontier = (node, scope, line, self.self_cls)
            return Dyn(BOUND_REASON)
        self.steps_left -= 1
        if self.steps_left < 0:
            self.hits += 1
            self.frontier = None  # nothing to resume: the file's budget is spent
            return Dyn(BOUND_REASON)
        self.active.add(key)
        hits = self.hits
        try:
            value = self._eval(node, scope, line)
        finally:
            self.active.discard(key)
        if hits == self.hits or self.rounds_left <= 0:
            self.memo[key] = value
        return value

    def eval_deep(self, node: ast.expr, scope: Scope, line: int) -> tuple[Value, bool]:
        """`eval` past _MAX_DEPTH: resolve the deepest unfinished link on its own (memoised), then retry.

        Returns the value and whether it is still cut short by the bound (after MAX_HOPS links).
        """
        for _ in range(MAX_HOPS // _MAX_DEPTH):
            hits = self.hits
            value = self.eval(node, scope, line)
            if hits == self.hits:
                return value, False
            if self.frontier is None or not self._resume(self.frontier):
                break
        return value, True

    def _resume(self, start: tuple[ast.expr, Scope, int, str | None]) -> bool:
        """Evaluate from `start` down, deepest cut first, until it is memoised. False when out of budget."""
        pending = [start]
        while pending:
            if self.rounds_left <= 0 or len(pending) > MAX_HOPS // _MAX_DEPTH:
                return False
            self.rounds_left -= 1
            node, scope, line, cls = pending[-1]
            hits, self.frontier = self.hits, None
            saved, self.self_cls = self.self_cls, cls
            try:
                self.eval(node, scope, line)
            finally:
                self.self_cls = saved
            if hits == self.hits:
                pending.pop()
            elif self.frontier is not None:
                pending.append(self.frontier)
            else:
                return False
        return True

    def _eval(self, node: ast.expr, scope: Scope, line: int) -> Value:
        if isinstance(node, ast.Constant):
            return Lit(node.value) if not isinstance(node.value, bytes) else Dyn("bytes")
        if isinstance(node, ast.JoinedStr):
            return self._eval_fstring(node)
        if isinstance(node, ast.Dict):
            return self._eval_dict(node, scope, line)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Value] = []
            unresolved: list[str] = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    inner = self.eval(elt.value, scope, line)
                    if isinstance(inner, ListV):
                        items += inner.items
                    else:
                        unresolved.append(f"*{describe(inner)}")
                else:
                    items.append(self.eval(elt, scope, line))
            return ListV(tuple(items), tuple(unresolved))
        if isinstance(node, ast.Name):
            return self.eval_name(node.id, scope, line)
        if isinstance(node, ast.Attribute):
            return self._eval_attribute(node, scope, line)
        if isinstance(node, ast.Subscript):
            return self._eval_subscript(node, scope, line)
        if isinstance(node, ast.Call):
            return self.eval_call(node, scope, line)
        if isinstance(node, ast.Await):
            return self.eval(node.value, scope, line)
        if isinstance(node, ast.NamedExpr):
            return self.eval(node.value, scope, line)
        if isinstance(node, ast.BoolOp):
            values = [self.eval(v, scope, line) for v in node.values]
            for v in values:
                if isinstance(v, Obj):
                    return v
            env = next((v for v in values if isinstance(v, Env)), None)
            return env if env is not None else Dyn("a boolean expression")
        if isinstance(node, ast.IfExp):
            body, orelse = self.eval(node.body, scope, line), self.eval(node.orelse, scope, line)
            for v in (body, orelse):
                if isinstance(v, Obj):
                    return v
            return body if body == orelse else Dyn("a conditional expression")
        if isinstance(node, ast.BinOp):
            return self._eval_binop(node, scope, line)
        return Dyn(f"a computed {type(node).__name__.lower()}")

    def _eval_fstring(self, node: ast.JoinedStr) -> Value:
        prefix = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                prefix += part.value
            else:
                return FStr(prefix)
        return Lit(prefix)

    def _eval_dict(self, node: ast.Dict, scope: Scope, line: int) -> Value:
        items: list[tuple[Value, Value]] = []
        unresolved: list[str] = []
        for k, v in zip(node.keys, node.values):
            if k is None:
                inner = self.eval(v, scope, line)
                if isinstance(inner, DictV):
                    items += inner.items
                    unresolved += inner.unresolved
                else:
                    unresolved.append(f"**{ast.unparse(v)}")
            else:
                items.append((self.eval(k, scope, line), self.eval(v, scope, line)))
        return DictV(tuple(items), tuple(unresolved))

    def _eval_binop(self, node: ast.BinOp, scope: Scope, line: int) -> Value:
        left, right = self.eval(node.left, scope, line), self.eval(node.right, scope, line)
        if isinstance(node.op, ast.BitOr) and isinstance(left, DictV) and isinstance(right, DictV):
            return DictV(left.items + right.items, left.unresolved + right.unresolved)
        if isinstance(node.op, ast.BitOr):
            # An LCEL chain (`prompt | llm | parser`): invoking the chain invokes the model in it.
            for side in (right, left):
                if isinstance(side, Obj) and not side.path and ("invoke",) in self.catalog.types[side.type_id].calls:
                    return side
        if isinstance(node.op, ast.Add):
            if isinstance(left, Lit) and isinstance(right, Lit) and isinstance(left.value, str) \
                    and isinstance(right.value, str):
                return Lit(left.value + right.value)
            if isinstance(left, Lit) and isinstance(left.value, str):
                return FStr(left.value)
            if isinstance(left, ListV) and isinstance(right, ListV):
                return ListV(left.items + right.items, left.unresolved + right.unresolved)
        if isinstance(node.op, ast.Mod) and isinstance(left, Lit) and isinstance(left.value, str):
            return FStr(left.value.split("%", 1)[0])
        return Dyn("a computed expression")

    def _eval_attribute(self, node: ast.Attribute, scope: Scope, line: int) -> Value:
        base = self.eval(node.value, scope, line)
        attr = node.attr
        if isinstance(base, ModuleRef):
            dotted = f"{base.qualname}.{attr}"
            linked = self.link(dotted) if self.link is not None else None
            return linked if linked is not None else ModuleRef(dotted)
        if isinstance(base, Linked):
            found = base.attr(attr) if base.kind != "func" else None
            return found if found is not None else Dyn(f"attribute .{attr} of {base.name}")
        if isinstance(base, Obj):
            spec = self.catalog.types[base.type_id]
            if attr in spec.transparent or (attr == "aio" and not base.path):
                return base
            alts = tuple(a for a in (self._eval_attribute_of(alt, attr) for alt in base.alts) if a is not None)
            return Obj(base.type_id, base.provider, base.path + (attr,), base.carriers, base.issues, base.mode,
                       base.model, base.endpoint, base.origin, base.client_line, alts)
        if isinstance(base, (Instance, ClassRef)):
            return self._eval_member(base.qualname, attr, line)
        return Dyn(f"attribute .{attr} of {describe(base)}")

    def _eval_attribute_of(self, obj: Obj, attr: str) -> Obj | None:
        """`obj.attr` for an alternative client (no alternatives of its own)."""
        spec = self.catalog.types[obj.type_id]
        if attr in spec.transparent or (attr == "aio" and not obj.path):
            return obj
        return replace(obj, path=obj.path + (attr,))

    def mro(self, cls: str) -> list[str]:
        """The class and its bases defined in this module, nearest first (a simple linearisation)."""
        if cls in self._mro_cache:
            return self._mro_cache[cls]
        self._mro_cache[cls] = [cls]
        out = [cls]
        info = self.index.classes.get(cls)
        for base in info.bases if info is not None else ():
            ref = self.eval(base, info.scope.parent or info.scope, base.lineno) if info is not None else None
            if isinstance(ref, ClassRef):
                out += [c for c in self.mro(ref.qualname) if c not in out]
        self._mro_cache[cls] = out
        return out

    def _with_self(self, cls: str, thunk: Callable[[], Value]) -> Value:
        saved, self.self_cls = self.self_cls, cls
        try:
            return thunk()
        finally:
            self.self_cls = saved

    def _eval_member(self, cls: str, attr: str, line: int) -> Value:
        first: Value | None = None
        for owner in self.mro(cls):
            info = self.index.classes.get(owner)
            if info is None:
                continue
            self.index.ensure_class(owner)  # `self.x` may be bound in a method that names no SDK
            for b in sorted(info.attrs.get(attr, ()), key=lambda b: -b.line):
                value = self._with_self(cls, lambda b=b: self._eval_binding(b, attr))  # type: ignore[misc]
                if first is None:
                    first = value
                if isinstance(value, (Obj, DictV, Lit, Env, FStr)) and not (
                        isinstance(value, Lit) and value.value is None):
                    return value
            method = info.methods.get(attr)
            if method is not None:
                ref = FuncRef(method, cls)
                if _is_property(method):
                    return self._call_function(ref)
                return ref
        inherited = self._linked_member(cls, attr) if self.link is not None else None
        if inherited is not None:
            return inherited
        if first is None and attr != "__getattr__":
            proxied = self.delegate(cls)
            if isinstance(proxied, ModuleRef):
                return ModuleRef(f"{proxied.qualname}.{attr}")
            if isinstance(proxied, Obj):
                return replace(proxied, path=proxied.path + (attr,))
        if first is None:
            first = self._sdk_self(cls, attr)
        return first if first is not None else Dyn(f"attribute .{attr}")

    def _stand_in(self, cls: str) -> bool:
        """A class whose attribute reads all go to `__getattr__` and reach no SDK (an import placeholder)."""
        info = self.index.classes.get(cls)
        return info is not None and "__getattr__" in info.methods and self.delegate(cls) is None

    def delegate(self, cls: str) -> Value | None:
        """What a proxy class hands attribute reads on to: `def __getattr__(self, name): return getattr(X, name)`."""
        for owner in self.mro(cls):
            info = self.index.classes.get(owner)
            method = info.methods.get("__getattr__") if info is not None else None
            scope = info.method_scopes.get("__getattr__") if info is not None else None
            if method is None or scope is None or len(method.args.args) != 2:
                continue
            self.index.ensure(scope)
            param = method.args.args[1].arg
            for ret in scope.returns:
                if isinstance(ret, ast.Call) and isinstance(ret.func, ast.Name) and ret.func.id == "getattr" \
                        and len(ret.args) == 2 and isinstance(ret.args[1], ast.Name) and ret.args[1].id == param:
                    target = ret.args[0]
                    value = self._with_self(cls, lambda t=target, s=scope: self.eval(t, s, t.lineno))  # type: ignore[misc]
                    if isinstance(value, (ModuleRef, Obj)):
                        return value
        return None

    def _linked_member(self, cls: str, attr: str) -> Value | None:
        """`self.client` set by a base class defined in another module of the repository."""
        for owner in self.mro(cls):
            info = self.index.classes.get(owner)
            for base in info.bases if info is not None else ():
                ref = self.eval(base, info.scope.parent or info.scope, base.lineno) if info is not None else None
                found = ref.attr(attr) if isinstance(ref, Linked) and ref.kind == "class" else None
                if found is not None:
                    return found
        return None

    def _eval_subscript(self, node: ast.Subscript, scope: Scope, line: int) -> Value:
        base = self.eval(node.value, scope, line)
        key = self.eval(node.slice, scope, line) if isinstance(node.slice, ast.expr) else Dyn("slice")
        if isinstance(base, ModuleRef) and base.qualname == "os.environ" and isinstance(key, Lit):
            return Env(str(key.value))
        if isinstance(base, DictV) and isinstance(key, Lit) and isinstance(key.value, str):
            found = base.get(key.value)
            if found is not None:
                return found
        if isinstance(base, ListV) and isinstance(key, Lit) and type(key.value) is int \
                and -len(base.items) <= key.value < len(base.items) and not base.unresolved:
            return base.items[key.value]
        return Dyn(f"an item of {describe(base)}")

    # -- calls ----------------------------------------------------------------------------
    def kwargs(self, node: ast.Call, scope: Scope, line: int) -> Kwargs:
        out = Kwargs()
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                inner = self.eval(arg.value, scope, line)
                if isinstance(inner, ListV):
                    out.positional += inner.items
                else:
                    out.unresolved.append(f"*{ast.unparse(arg.value)}")
            else:
                out.positional.append(self.eval(arg, scope, line))
        for kw in node.keywords:
            if kw.arg is None:
                inner = self.eval(kw.value, scope, line)
                if isinstance(inner, DictV):
                    for k, v in inner.items:
                        if isinstance(k, Lit) and isinstance(k.value, str):
                            out.named[k.value] = v
                    out.unresolved += inner.unresolved
                else:
                    out.unresolved.append(f"**{ast.unparse(kw.value)}")
            else:
                out.named[kw.arg] = self.eval(kw.value, scope, line)
                out.nodes[kw.arg] = kw.value
        return out

    def eval_call(self, node: ast.Call, scope: Scope, line: int) -> Value:
        if isinstance(node.func, ast.Attribute) and node.func.attr in _CONTEXT_ENTERS and len(node.args) == 1:
            return self.eval(node.args[0], scope, line)
        func = self.eval(node.func, scope, line)
        if isinstance(func, ModuleRef):
            return self._call_module(func.qualname, node, scope, line)
        if isinstance(func, Builtin):
            if func.name == "dict":
                kw = self.kwargs(node, scope, line)
                items: list[tuple[Value, Value]] = []
                unresolved = list(kw.unresolved)
                for pos in kw.positional[:1]:
                    if isinstance(pos, DictV):
                        items += pos.items
                        unresolved += pos.unresolved
                    else:
                        unresolved.append(describe(pos))
                items += [(Lit(k), v) for k, v in kw.named.items()]
                return DictV(tuple(items), tuple(unresolved))
            if func.name == "__import__":
                return self._import_by_name("__import__", node, scope, line)
            if func.name == "str" and node.args:
                inner = self.eval(node.args[0], scope, line)
                return inner if isinstance(inner, Lit) else Dyn("str(...)")
            return Dyn(f"{func.name}(...)")
        if isinstance(func, Obj):
            return self._call_obj(func, node, scope, line)
        if isinstance(func, FuncRef):
            value = self._call_function(func)
            through = passthrough(func.node, func.owner is not None) if not isinstance(value, Obj) else None
            arg = argument(node, through) if through is not None else None
            return self.eval(arg, scope, line) if arg is not None else value
        if isinstance(func, ClassRef):
            sdk = self.sdk_base(func.qualname)
            if not sdk:
                return Instance(func.qualname)
            made = self.construct(sdk, node, scope, line)
            if isinstance(made, Obj):
                self.subclassed.add(made.origin)
            return made
        if isinstance(func, Linked):
            if func.kind == "class":
                return Linked("instance", func.name, None, func.attrs)
            if func.kind == "func" and func.returns is not None:
                return func.returns
            index, name = func.attr("index"), func.attr("name")
            if func.kind == "passthrough" and isinstance(index, Lit) and isinstance(name, Lit):
                arg = argument(node, (int(index.value), str(name.value)))  # type: ignore[call-overload]
                if arg is not None:
                    return self.eval(arg, scope, line)
        return Dyn(f"the result of {ast.unparse(node.func)}()")

    def _call_module(self, qualname: str, node: ast.Call, scope: Scope, line: int) -> Value:
        specs = self.catalog.constructors.get(qualname)
        if specs:
            return self.construct(specs, node, scope, line)
        if qualname in _IMPORTERS:
            return self._import_by_name(qualname, node, scope, line)
        if qualname in ("json.dumps", "simplejson.dumps", "orjson.dumps") and node.args:
            return JsonV(self.eval(node.args[0], scope, line))
        if qualname in ("os.getenv", "os.environ.get", "os.environ.setdefault") and node.args:
            key = self.eval(node.args[0], scope, line)
            return Env(str(key.value)) if isinstance(key, Lit) else Dyn("an environment variable")
        if qualname in ("typing.cast", "cast") and len(node.args) == 2:
            return self.eval(node.args[1], scope, line)
        if qualname in ("functools.partial",) and node.args:
            target = self.eval(node.args[0], scope, line)
            if isinstance(target, ModuleRef) and target.qualname in self.catalog.constructors:
                return self.construct(self.catalog.constructors[target.qualname], node, scope, line, skip=1)
            return Dyn("a partial")
        if qualname.split(".")[0] in self.roots:
            # A config object of an SDK (GenerateContentConfig, HttpOptions, ...): keep its fields.
            kw = self.kwargs(node, scope, line)
            return DictV(tuple((Lit(k), v) for k, v in kw.named.items()), tuple(kw.unresolved))
        return Dyn(f"the result of {qualname}()")

    def _import_by_name(self, importer: str, node: ast.Call, scope: Scope, line: int) -> Value:
        """`importlib.import_module("openai")` is the module; `__import__("a.b")` is `a` unless given a fromlist."""
        kw = self.kwargs(node, scope, line)
        name = kw.arg("name", 0)
        if not (isinstance(name, Lit) and isinstance(name.value, str)) or not name.value or name.value[0] == ".":
            return Dyn(f"a module imported by {importer}()")
        if importer == "importlib.import_module":
            return ModuleRef(name.value)
        fromlist = kw.arg("fromlist", 3)
        whole = fromlist is not None and not (isinstance(fromlist, (Lit, ListV)) and not (
            fromlist.value if isinstance(fromlist, Lit) else fromlist.items))
        return ModuleRef(name.value if whole else name.value.split(".")[0])

    def _call_function(self, func: FuncRef) -> Value:
        fscope = self.index.scopes.get(id(func.node))
        if fscope is None:
            return Dyn("a function result")
        self.index.ensure(fscope)

        def returns() -> Value:
            found = self._returned(fscope)
            if found is not None:
                return found
            if func.node.returns is not None:
                return self._eval_annotation(func.node.returns, fscope.parent or fscope, func.node.lineno)
            return Dyn(f"the result of {func.node.name}()")
        return self._with_self(func.owner, returns) if func.owner is not None else returns()

    def _returned(self, fscope: Scope) -> Value | None:
        """The client a function returns, with every other `return`'s client (of another type) as alternatives.

        The last `return` holding a client is the primary value (as before); the others, up to _MAX_ALTS, are
        kept in `Obj.alts`, so `client.chat.completions.create` on a helper whose last branch returns an Azure AI
        Inference client still matches the OpenAI clients its other branches return. Tuples
        (`return self.client, model`) get alternatives per position.
        """
        objs: list[Obj] = []
        tuples: list[ListV] = []
        for ret in reversed(fscope.returns):
            value = self.eval(ret, fscope, ret.lineno)
            if isinstance(value, Obj):
                objs.append(value)
            elif isinstance(value, ListV) and any(isinstance(v, Obj) for v in value.items):
                tuples.append(value)  # `return self.client, model`
        if objs:
            return _with_alts(objs[0], objs[1:])
        if not tuples:
            return None
        first = tuples[0]
        items = tuple(_with_alts(v, [t.items[i] for t in tuples[1:] if i < len(t.items)]) if isinstance(v, Obj)
                      else v for i, v in enumerate(first.items))
        return ListV(items, first.unresolved)

    def _call_obj(self, obj: Obj, node: ast.Call, scope: Scope, line: int) -> Value:
        spec = self.catalog.types[obj.type_id]
        if len(obj.path) == 1 and obj.path[0] in spec.derive:
            kw = self.kwargs(node, scope, line)
            extra = self._carrier_list(spec.derive_carriers, kw, level="client", mode=obj.mode)
            extra += self.annotations(node.lineno, node.end_lineno or node.lineno)
            endpoint = self._endpoint(spec.derive_carriers, kw) or obj.endpoint
            return Obj(obj.type_id, self._provider_for(obj.provider, endpoint), (), obj.carriers + tuple(extra),
                       obj.issues, obj.mode, obj.model, endpoint, obj.origin, obj.client_line)
        for factory in spec.factories:
            if factory.path == obj.path:
                kw = self.kwargs(node, scope, line)
                if factory.select is not None and not self._selected(factory.select, kw):
                    continue
                produced = self.catalog.types[factory.produces]
                extra = self._carrier_list(factory.carriers, kw, level="client", mode=obj.mode)
                extra += self.annotations(node.lineno, node.end_lineno or node.lineno)
                model = self._model(factory.model_args, kw) or obj.model
                provider = obj.provider if produced.provider == spec.provider else produced.provider
                made = Obj(produced.id, provider, (), obj.carriers + tuple(extra), obj.issues, obj.mode, model,
                           obj.endpoint, (node.lineno, node.col_offset), node.lineno)
                if produced.report_construction:
                    self.constructions.setdefault(made.origin, (made, node, scope))
                return made
        return Dyn("the response of an SDK call")

    # -- construction ---------------------------------------------------------------------
    def _selected(self, select: Select, kw: Kwargs) -> bool:
        value = kw.arg(select.name, select.index) if select.name else (
            kw.positional[select.index] if select.index is not None and select.index < len(kw.positional) else None)
        return isinstance(value, Lit) and value.value in select.equals

    def _model(self, names: tuple[str, ...], kw: Kwargs) -> str | None:
        for name in names:
            value = kw.arg(name, int(name) if name.isdigit() else None) if not name.isdigit() else (
                kw.positional[int(name)] if int(name) < len(kw.positional) else None)
            text = literal_text(value)
            if text is not None:
                return text
        return None

    def _carrier_list(self, specs: tuple[CarrierSpec, ...], kw: Kwargs, *, level: Level,
                      mode: str | None) -> list[Evidence]:
        out: list[Evidence] = []
        for spec in specs:
            if spec.kind != "endpoint":
                out += carrier_evidence(spec, kw, self.catalog, level=level, mode=mode)
        return out

    def _endpoint(self, specs: tuple[CarrierSpec, ...], kw: Kwargs) -> str | None:
        for spec in specs:
            if spec.kind == "endpoint":
                value = kw.arg(spec.arg, spec.index)
                if value is not None:
                    return endpoint_host(value)
        return None

    def _provider_for(self, provider: str, endpoint: str | None) -> str:
        """The vendor billed for requests to `endpoint`: a gateway's own rule first (one that only relays
        keeps the SDK's vendor), then the host table; unknown hosts keep the SDK's vendor."""
        if endpoint and not endpoint.startswith("$"):
            rule = self.catalog.endpoint_rule(endpoint)
            if rule is not None and (rule.provider or rule.gateway):
                return rule.provider or provider
            return vendor_for(endpoint) or provider
        return provider

    def _mode(self, spec: TypeSpec, ctor: CtorSpec, kw: Kwargs) -> tuple[str | None, str | None]:
        if ctor.mode:
            return ctor.mode, None
        for rule in spec.modes:
            value = kw.arg(rule.arg)
            if value is None or (isinstance(value, Lit) and value.value is None):
                continue
            if rule.equals is None or (isinstance(value, Lit) and value.value == rule.equals):
                return rule.mode, rule.provider
        if spec.modes:
            return (f"unknown:{spec.mode_env}" if spec.mode_env else "unknown"), None
        return None, None

    def construct(self, specs: list[CtorSpec], node: ast.Call, scope: Scope, line: int, skip: int = 0) -> Value:
        kw = self.kwargs(node, scope, line)
        if skip:
            kw.positional = kw.positional[skip:]
        ctor = next((s for s in specs if (s.select is None or self._selected(s.select, kw)) and not s.annotation_only),
                    None)
        if ctor is None:
            return Dyn("a client of another service")
        spec = self.catalog.types[ctor.type_id]
        mode, mode_provider = self._mode(spec, ctor, kw)
        evidence = self._carrier_list(spec.carriers, kw, level="client", mode=mode)
        evidence += self.annotations(node.lineno, node.end_lineno or node.lineno)
        if kw.unresolved:
            evidence.append(Evidence(via=f"client built with {', '.join(kw.unresolved)}", grade="GW",
                                     state="unverifiable", level="client"))
        endpoint = self._endpoint(spec.carriers, kw)
        provider = self._provider_for(mode_provider or ctor.provider, endpoint)
        issues: list[Issue] = run_checks(spec.checks, kw, None)
        obj = Obj(spec.id, provider, (), tuple(evidence), tuple(issues), mode, self._model(spec.model_args, kw),
                  endpoint, (node.lineno, node.col_offset), node.lineno)
        if ctor.wraps is not None:
            obj = self._wrapping(obj, ctor, kw)
        if spec.report_construction:
            self.constructions.setdefault(obj.origin, (obj, node, scope))
        return obj

    def _wrapping(self, obj: Obj, ctor: CtorSpec, kw: Kwargs) -> Obj:
        """A wrapper around a client (instructor.from_openai(client), create_agent(model)): it keeps what the
        client resolved to, or, given a model string ("openai:gpt-4o"), the provider that string names.

        Its origin becomes the client's, so a request through the wrapper counts as using that construction.
        """
        wraps = ctor.wraps
        assert wraps is not None
        inner = kw.arg(wraps.name, wraps.index) if wraps.name else (
            kw.positional[wraps.index] if wraps.index is not None and wraps.index < len(kw.positional) else None)
        if isinstance(inner, Obj) and ctor.identity:
            return inner
        if not isinstance(inner, Obj):
            named = self.catalog.model_provider(obj.model)
            if named is not None and (named[1] or obj.provider == ctor.provider):
                return Obj(obj.type_id, named[0], (), obj.carriers, obj.issues, obj.mode, obj.model, obj.endpoint,
                           obj.origin, obj.client_line)
            return obj
        return Obj(obj.type_id, inner.provider, (), inner.carriers + obj.carriers, inner.issues + obj.issues,
                   inner.mode, obj.model or inner.model, inner.endpoint, inner.origin, inner.client_line)

    def sdk_base(self, cls: str) -> list[CtorSpec] | None:
        """The SDK constructors of a project class that subclasses an SDK class (class M(genai.GenerativeModel))."""
        for owner in self.mro(cls):
            info = self.index.classes.get(owner)
            for base in info.bases if info is not None else ():
                ref = self.eval(base, info.scope.parent or info.scope, base.lineno) if info is not None else None
                specs = self.catalog.constructors.get(ref.qualname) if isinstance(ref, ModuleRef) else None
                if specs and not specs[0].annotation_only:
                    return specs
        return None

    def _sdk_self(self, cls: str, attr: str) -> Value | None:
        """`self.generate_content` inside (or on an instance of) an SDK subclass built elsewhere."""
        specs = self.sdk_base(cls)
        if not specs:
            return None
        spec = self.catalog.types[specs[0].type_id]
        carriers: tuple[Evidence, ...] = ()
        if any(c.kind not in ("scope", "endpoint") for c in spec.carriers):  # headers it may have been given
            carriers = (Evidence(via=f"client is a {cls} (an SDK subclass constructed elsewhere)", grade="GW",
                                 state="unverifiable", level="client"),)
        return Obj(spec.id, specs[0].provider, (attr,), carriers, mode=specs[0].mode)

    # -- module-level client configuration (openai.default_headers = {...}) ----------------
    def module_carriers(self, module: str, spec: TypeSpec) -> tuple[tuple[Evidence, ...], str | None]:
        if self._module_attrs is None:
            self._module_attrs = {}
            for target, value, scope, line in self.index.attr_assigns:
                base = self.eval(target.value, scope, line)
                if isinstance(base, ModuleRef):
                    self._module_attrs.setdefault(base.qualname, []).append((target.attr, value, scope, line))
        kw = Kwargs()
        for attr, value, scope, line in self._module_attrs.get(module, ()):
            kw.named[attr] = self.eval(value, scope, line)
        evidence = self._carrier_list(spec.carriers, kw, level="client", mode=None)
        return tuple(evidence), self._endpoint(spec.carriers, kw)
