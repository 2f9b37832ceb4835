"""One walk over a module: scopes, name bindings, class attributes and candidate calls."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
Arms = tuple[tuple[int, int], ...]


@dataclass(slots=True)
class Binding:
    line: int
    kind: str  # assign | import | def | class | with | param | dynamic
    node: ast.AST | None = None
    qualname: str | None = None
    scope: Scope | None = None  # where `node` is evaluated
    # The branch arms the binding lies in, from the module root: ((branch node id, arm index), ...).
    # Filled on first use from the index's arm spans (Resolver._arms), None until then.
    arms: Arms | None = None


@dataclass(slots=True)
class Mutation:
    """`name[key] = value` or `name.update(...)` on a dict bound to `name`."""

    line: int
    key: ast.expr | None
    value: ast.expr


@dataclass(eq=False, slots=True)
class Scope:
    kind: str  # module | function | class
    qualname: str
    parent: Scope | None
    node: ast.AST
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutations: dict[str, list[Mutation]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    owner: str | None = None  # for methods: the class qualname
    self_name: str | None = None
    returns: list[ast.expr] = field(default_factory=list)
    pending: list[ast.stmt] | None = None  # a body not indexed yet (see ModuleIndex.ensure)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(slots=True)
class ClassInfo:
    qualname: str
    scope: Scope
    bases: list[ast.expr] = field(default_factory=list)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    methods: dict[str, FuncNode] = field(default_factory=dict)
    method_scopes: dict[str, Scope] = field(default_factory=dict)


@dataclass(slots=True)
class CallRef:
    """A call worth resolving (its callee's last name is one the catalog knows)."""

    node: ast.Call
    scope: Scope
    stmt_line: int


@dataclass(slots=True)
class ArgRef:
    """A name or attribute handed as an argument to a call (maybe a method reference)."""

    node: ast.expr
    wrapper: ast.Call
    outer: ast.Call | None
    scope: Scope
    stmt_line: int


@dataclass(slots=True)
class ModuleIndex:
    module: Scope
    classes: dict[str, ClassInfo]
    calls: list[CallRef]
    args: list[ArgRef]
    attr_assigns: list[tuple[ast.Attribute, ast.expr, Scope, int]]
    scopes: dict[int, Scope]
    indexer: _Indexer | None = None

    def ensure(self, scope: Scope | None) -> None:
        """Index a function body that was skipped because it named nothing in the catalog."""
        if scope is None or scope.pending is None or self.indexer is None:
            return
        body, scope.pending = scope.pending, None
        self.indexer.index_body(scope, body, self.classes.get(scope.owner) if scope.owner else None)

    def ensure_class(self, qualname: str) -> None:
        info = self.classes.get(qualname)
        if info is not None:
            for method in list(info.method_scopes.values()):
                self.ensure(method)


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


_SKIP_FIELDS = frozenset({"ctx", "op", "type_comment", "kind"})
_LEAVES = (ast.Constant, ast.Name, ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
           ast.Pass, ast.Break, ast.Continue)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = tuple(f for f in cls._fields if f not in _SKIP_FIELDS)  # type: ignore[attr-defined]
        _CHILD_FIELDS[cls] = fields
    return fields


def _item(value: ast.expr, i: int) -> ast.Subscript:
    """`value[i]`, located at `value` (a tuple a call returns, unpacked)."""
    node = ast.Subscript(value=value, slice=ast.Constant(i), ctx=ast.Load())
    return ast.copy_location(node, value)


class _Indexer(ast.NodeVisitor):
    """A NodeVisitor with table dispatch: the index walk is the scanner's hottest loop."""

    def __init__(self, names: frozenset[str], call_names: frozenset[str],
                 relevant: Callable[[int, int], bool] | None = None) -> None:
        self.names = names
        self.call_names = call_names
        self.relevant = relevant
        self._dispatch: dict[type, object] = {}
        self.module = Scope("module", "<module>", None, ast.Module(body=[], type_ignores=[]))
        self.scope = self.module
        self.classes: dict[str, ClassInfo] = {}
        self.class_stack: list[ClassInfo] = []
        self.calls: list[CallRef] = []
        self.args: list[ArgRef] = []
        self.attr_assigns: list[tuple[ast.Attribute, ast.expr, Scope, int]] = []
        self.scopes: dict[int, Scope] = {}
        self.stmt_line = 1
        self.outer_of: dict[int, ast.Call] = {}
        # (first line, last line, branch node id, arm index) of every exclusive arm outside a loop.
        self.spans: list[tuple[int, int, int, int]] = []
        self.loops = 0  # loop bodies entered in the current function: an arm there may see a sibling's binding
        # Names bound to a method of a possible client (`create = self.client.messages.create`): handed to a
        # wrapper later (`self._call(create, ...)`), they are references too.
        self.method_aliases: set[str] = set()

    # -- traversal ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        cls = type(node)
        handler = self._dispatch.get(cls)
        if handler is None:
            handler = getattr(self, "visit_" + cls.__name__, None) or self.generic_visit
            self._dispatch[cls] = handler
        handler(node)  # type: ignore[operator]

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self.stmt_line = node.lineno
        visit = self.visit
        for name in _child_fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _LEAVES):
                        visit(item)
            elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                visit(value)

    # -- statements ---------------------------------------------------------------------

    def _target_scope(self, name: str) -> Scope:
        if name in self.scope.globals:
            return self.module
        return self.scope

    def _bind_target(self, target: ast.expr, value: ast.expr | None, line: int, kind: str = "assign") -> None:
        if isinstance(target, ast.Name):
            scope = self._target_scope(target.id)
            scope.bind(target.id, Binding(line, kind if value is not None else "dynamic", value, None, self.scope))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            for i, elt in enumerate(target.elts):
                sub = values[i] if values is not None and i < len(values) and not isinstance(elt, ast.Starred) else None
                if sub is None and isinstance(value, ast.Call) and not starred:
                    sub = _item(value, i)  # `client, model = self._client_and_model(...)`
                self._bind_target(elt, sub, line, kind)
        elif isinstance(target, ast.Attribute) and value is not None:
            self._bind_attribute(target, value, line)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and value is not None:
            key = target.slice if isinstance(target.slice, ast.expr) else None
            self._target_scope(target.value.id).mutations.setdefault(target.value.id, []).append(
                Mutation(line, key, value))
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, line)

    def _bind_attribute(self, target: ast.Attribute, value: ast.expr, line: int) -> None:
        base = target.value
        if (isinstance(base, ast.Name) and self.class_stack and self.scope.kind == "function"
                and self.scope.owner is not None and base.id == self.scope.self_name):
            info = self.classes[self.scope.owner]
            info.attrs.setdefault(target.attr, []).append(Binding(line, "assign", value, None, self.scope))
        else:
            self.attr_assigns.append((target, value, self.scope, line))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.stmt_line = node.lineno
        self.visit(node.value)
        if isinstance(node.value, ast.Attribute) and node.value.attr in self.call_names:
            self.method_aliases.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for target in node.targets:
            self._bind_target(target, node.value, node.lineno)
            if not isinstance(target, ast.Name):
                self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.stmt_line = node.lineno
        if node.value is not None:
            self.visit(node.value)
            self._bind_target(node.target, node.value, node.lineno)
        elif isinstance(node.target, ast.Name):
            self._target_scope(node.target.id).bind(
                node.target.id, Binding(node.lineno, "param", node.annotation, None, self.scope))
        elif isinstance(node.target, ast.Attribute):
            # `self.client: OpenAI` declared without a value: typed, built elsewhere.
            t = node.target
            if (isinstance(t.value, ast.Name) and self.scope.owner is not None
                    and t.value.id == self.scope.self_name):
                self.classes[self.scope.owner].attrs.setdefault(t.attr, []).append(
                    Binding(node.lineno, "param", node.annotation, None, self.scope))
        if self.scope.kind == "class" and isinstance(node.target, ast.Name) and node.value is None:
            info = self.class_stack[-1]
            info.attrs.setdefault(node.target.id, []).append(
                Binding(node.lineno, "param", node.annotation, None, self.scope))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.stmt_line = node.lineno
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and isinstance(node.op, ast.BitOr):
            self._target_scope(node.target.id).mutations.setdefault(node.target.id, []).append(
                Mutation(node.lineno, None, node.value))
        elif isinstance(node.target, ast.Name):
            self._target_scope(node.target.id).bind(node.target.id, Binding(node.lineno, "dynamic"))

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind_target(node.target, node.value, node.lineno)

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.scope.bind(alias.asname, Binding(node.lineno, "import", None, alias.name))
            else:
                root = alias.name.split(".")[0]
                self.scope.bind(root, Binding(node.lineno, "import", None, root))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            base = "." * node.level + (node.module or "")
        else:
            base = node.module
        for alias in node.names:
            if alias.name == "*":
                continue
            self.scope.bind(alias.asname or alias.name,
                            Binding(node.lineno, "import", None, f"{base}.{alias.name}"))

    def _visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        self.stmt_line = node.lineno
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, item.context_expr, node.lineno, "with")
        for stmt in node.body:
            self.visit(stmt)

    visit_With = _visit_with
    visit_AsyncWith = _visit_with

    def _visit_for(self, node: ast.For | ast.AsyncFor) -> None:
        self.stmt_line = node.lineno
        self.visit(node.iter)
        self._bind_target(node.target, None, node.lineno)
        self._visit_loop(node.body, node.orelse)

    visit_For = _visit_for
    visit_AsyncFor = _visit_for

    def visit_While(self, node: ast.While) -> None:
        self.stmt_line = node.lineno
        self.visit(node.test)
        self._visit_loop(node.body, node.orelse)

    def _visit_loop(self, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        self.loops += 1
        for stmt in body:
            self.visit(stmt)
        self.loops -= 1
        for stmt in orelse:
            self.visit(stmt)

    # -- exclusive arms: a binding in one is invisible in its siblings (Resolver.lookup) ----
    def _visit_arm(self, branch: ast.stmt, arm: int, body: list[ast.AST]) -> None:
        if body and not self.loops:
            first, last = body[0], body[-1]
            self.spans.append((getattr(first, "lineno", branch.lineno),
                               getattr(last, "end_lineno", None) or branch.lineno, id(branch), arm))
        for stmt in body:
            self.visit(stmt)

    def visit_If(self, node: ast.If) -> None:
        self.stmt_line = node.lineno
        self.visit(node.test)
        self._visit_arm(node, 0, list(node.body))
        self._visit_arm(node, 1, list(node.orelse))  # an elif is an If inside this arm

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        # The body may run partly before any handler, and finally after all: neither is exclusive.
        # The handlers exclude each other and the else arm (which runs only when nothing was raised).
        self.stmt_line = node.lineno
        for stmt in node.body:
            self.visit(stmt)
        self._visit_arm(node, 0, list(node.orelse))
        for i, handler in enumerate(node.handlers, 1):
            self._visit_arm(node, i, [handler])
        for stmt in node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try

    def visit_Match(self, node: ast.Match) -> None:
        self.stmt_line = node.lineno
        self.visit(node.subject)
        for i, case in enumerate(node.cases):
            self.visit(case.pattern)
            if case.guard is not None:
                self.visit(case.guard)
            self._visit_arm(node, i, list(case.body))

    def visit_Return(self, node: ast.Return) -> None:
        self.stmt_line = node.lineno
        if node.value is not None:
            self.scope.returns.append(node.value)
            self.visit(node.value)

    # -- scopes -------------------------------------------------------------------------
    def _child_name(self, name: str) -> str:
        if self.scope.kind == "module":
            return name
        if self.scope.kind == "class":
            return f"{self.scope.qualname}.{name}"
        return f"{self.scope.qualname}.<locals>.{name}"

    def _visit_function(self, node: FuncNode) -> None:
        self.stmt_line = node.lineno
        for deco in node.decorator_list:
            self.visit(deco)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        parent = self.scope
        parent.bind(node.name, Binding(node.lineno, "def", node, None, parent))
        scope = Scope("function", self._child_name(node.name), parent, node)
        self.scopes[id(node)] = scope
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if parent.kind == "class" and self.class_stack:
            info = self.class_stack[-1]
            info.methods[node.name] = node
            info.method_scopes[node.name] = scope
            is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
            if params and not is_static:
                scope.owner = info.qualname
                scope.self_name = params[0].arg
        elif parent.kind == "function" and parent.owner is not None:
            # Closures inside methods still see `self`.
            scope.owner = parent.owner
            scope.self_name = parent.self_name
        for arg in params + [a for a in (node.args.vararg, node.args.kwarg) if a is not None]:
            scope.bind(arg.arg, Binding(node.lineno, "param", arg.annotation, None, scope))
        if self.relevant is not None and not self.relevant(node.lineno, node.end_lineno or node.lineno):
            scope.pending = list(node.body)  # no catalog name inside: index only if the resolver asks
            return
        self.scope, loops, self.loops = scope, self.loops, 0
        for stmt in node.body:
            self.visit(stmt)
        self.scope, self.loops = parent, loops

    def index_body(self, scope: Scope, body: list[ast.stmt], owner: ClassInfo | None) -> None:
        saved = (self.scope, self.class_stack, self.relevant, self.loops)
        self.scope, self.class_stack, self.relevant = scope, [owner] if owner is not None else [], None
        self.loops = 0
        try:
            for stmt in body:
                self.visit(stmt)
        finally:
            self.scope, self.class_stack, self.relevant, self.loops = saved

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stmt_line = node.lineno
        for expr in node.decorator_list + node.bases:
            self.visit(expr)
        parent = self.scope
        parent.bind(node.name, Binding(node.lineno, "class", node, None, parent))
        scope = Scope("class", self._child_name(node.name), parent, node)
        self.scopes[id(node)] = scope
        info = ClassInfo(scope.qualname, scope, list(node.bases))
        self.classes[scope.qualname] = info
        self.class_stack.append(info)
        self.scope = scope
        for stmt in node.body:
            self.visit(stmt)
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        info.attrs.setdefault(target.id, []).append(
                            Binding(stmt.lineno, "assign", stmt.value, None, scope))
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
                info.attrs.setdefault(stmt.target.id, []).append(
                    Binding(stmt.lineno, "assign", stmt.value, None, scope))
        self.scope = parent
        self.class_stack.pop()

    # -- expressions --------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = _callee_name(node.func)
        if name is not None:
            self.calls.append(CallRef(node, self.scope, self.stmt_line))
            if name == "update" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                target = node.func.value.id
                for arg in node.args[:1]:
                    self._target_scope(target).mutations.setdefault(target, []).append(
                        Mutation(node.lineno, None, arg))
                if node.keywords:
                    self._target_scope(target).mutations.setdefault(target, []).append(
                        Mutation(node.lineno, None, ast.Call(ast.Name("dict", ast.Load()), [], node.keywords)))
        if isinstance(node.func, ast.Call):
            self.outer_of[id(node.func)] = node
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(arg, ast.Starred):
                arg = arg.value
            ref = _callee_name(arg) if isinstance(arg, (ast.Attribute, ast.Name)) else None
            if ref is not None and (ref in self.call_names or ref in self.method_aliases and isinstance(arg, ast.Name)):
                self.args.append(ArgRef(arg, node, self.outer_of.get(id(node)), self.scope, self.stmt_line))
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, None, node.target.lineno if hasattr(node.target, "lineno") else 0)
        for cond in node.ifs:
            self.visit(cond)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def relevant_lines(source: str, tree: ast.Module, names: frozenset[str], roots: frozenset[str]
                   ) -> Callable[[int, int], bool]:
    """Does a line range mention a catalog name, an SDK import alias or `global`? (Over-approximate.)"""
    words = set(names) | {"global"}
    for stmt in tree.body:
        for node in [stmt, *(getattr(stmt, "body", ()) or ()), *(getattr(stmt, "orelse", ()) or ())]:
            if isinstance(node, ast.Import):
                words |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in roots}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in roots:
                words |= {a.asname or a.name for a in node.names}
    present = set(_IDENT.findall(source)) & words
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", source)]
    lines: set[int] = set()
    for word in present:
        pos = source.find(word)
        while pos != -1:
            lines.add(bisect.bisect_right(starts, pos))
            pos = source.find(word, pos + len(word))
    ordered = sorted(lines)

    def relevant(first: int, last: int) -> bool:
        i = bisect.bisect_left(ordered, first)
        return i < len(ordered) and ordered[i] <= last
    return relevant


def index_module(tree: ast.Module, names: frozenset[str], call_names: frozenset[str] = frozenset(),
                 relevant: Callable[[int, int], bool] | None = None) -> ModuleIndex:
    indexer = _Indexer(names, call_names or names, relevant)
    indexer.module.node = tree
    indexer.scopes[id(tree)] = indexer.module
    for stmt in tree.body:
        indexer.visit(stmt)
    # Wrapper calls seen before their outer call was visited need their outer filled in.
    for ref in indexer.args:
        if ref.outer is None:
            ref.outer = indexer.outer_of.get(id(ref.wrapper))
    return ModuleIndex(indexer.module, indexer.classes, indexer.calls, indexer.args,
                       indexer.attr_assigns, indexer.scopes, indexer)
