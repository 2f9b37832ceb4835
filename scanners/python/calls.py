"""Find cost-incurring SDK calls (and references handed to wrappers) and gather their tag evidence."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from scanners.catalog import CallSpec, Catalog, CtorSpec, TypeSpec
from scanners.python.checks import run_checks
from scanners.python.comments import is_directive, parse_annotation
from scanners.python.index import ArgRef, CallRef, ModuleIndex, Scope, index_module, relevant_lines
from scanners.python.resolve import BOUND_REASON, LinkHook, Resolver
from scanners.python.runson import RunsOnModels
from scanners.python.summary import Summary, summarise
from scanners.python.values import Kwargs, ModuleRef, Obj, Value
from scanners.records import CallSite, Comment, Evidence, SiteKind

Locate = Callable[[int], tuple[int | None, int]]
LAZY_MIN_LINES = 150  # below this, indexing every body costs less than deciding which to skip
# Handing a method to these never calls it: mocks, casts, introspection, decorators that copy metadata.
_NOT_CALLERS = frozenset({"patch", "object", "setattr", "MagicMock", "Mock", "AsyncMock", "create_autospec",
                          "PropertyMock", "spy", "stub", "cast", "wraps", "update_wrapper", "signature",
                          "getfullargspec", "iscoroutinefunction", "isfunction", "ismethod", "getattr", "hasattr",
                          "callable", "isinstance", "id", "repr", "print", "type", "getdoc", "getsource"})


class _Annotations:
    """`# tagaudit: team=... ` comments by line, as evidence for calls and constructors."""

    def __init__(self, comments: list[Comment]) -> None:
        self.by_line: dict[int, list[tuple[str, str]]] = {}
        self.standalone: set[int] = set()
        for c in comments:
            if is_directive(c.text):
                continue
            pairs = parse_annotation(c.text)
            if pairs:
                self.by_line[c.line] = pairs
                if c.standalone:
                    self.standalone.add(c.line)

    def __call__(self, start: int, end: int) -> list[Evidence]:
        if not self.by_line:
            return []
        lines = list(range(start, end + 1))
        above = start - 1
        while above in self.standalone:
            lines.append(above)
            above -= 1
        out = []
        for line in lines:
            for key, value in self.by_line.get(line, ()):
                out.append(Evidence(via=f"annotation (line {line})", grade="SCOPE", key=key, value=value,
                                    level="annotation"))
        return out


class _Finder:
    def __init__(self, tree: ast.Module, source: str, path: str, catalog: Catalog,
                 comments: list[Comment], locate: Locate, link: LinkHook | None = None) -> None:
        self.catalog = catalog
        self.tree = tree
        self.lines = source.splitlines()
        self.source = source
        self.path = path
        self.locate = locate
        roots = frozenset(q.split(".")[0] for q in catalog.constructors) | frozenset(
            m.split(".")[0] for m in catalog.module_instances)
        # Small modules are cheap to index whole; in big ones, skip bodies that name nothing relevant.
        # A predictor kept on `self` is called from a method that may name nothing in the catalog: index all.
        lazy = len(self.lines) > LAZY_MIN_LINES and not any(name in source for name in catalog.callable_ctors)
        relevant = relevant_lines(source, tree, catalog.relevance, roots) if lazy else None
        self.index: ModuleIndex = index_module(tree, catalog.names, catalog.call_names, relevant)
        self.annotations = _Annotations(comments)
        self.resolver = Resolver(self.index, catalog, self.annotations, link)
        self.runs_on = RunsOnModels(self.index, self.resolver)
        self.module_objs: dict[tuple[str, str], Obj] = {}
        self.sites: list[CallSite] = []
        self.used_origins: set[tuple[int, int]] = set()
        self._roots: set[str] | None = None

    # -- classification -------------------------------------------------------------------
    def classify(self, value: Value) -> tuple[Obj, TypeSpec, CallSpec] | None:
        if isinstance(value, Obj):
            for obj in (value, *value.alts):  # alternatives: other clients the same helper may return
                spec = self.catalog.types[obj.type_id]
                call = spec.calls.get(obj.path)
                if call is not None:
                    return obj, spec, call
            return None
        if isinstance(value, ModuleRef):
            for module, type_ids in self.catalog.module_instances.items():
                if not value.qualname.startswith(module + "."):
                    continue
                rest = tuple(value.qualname[len(module) + 1:].split("."))
                for tid in type_ids:
                    spec = self.catalog.types[tid]
                    if rest in spec.calls:
                        return self._module_obj(module, spec), spec, spec.calls[rest]
        return None

    def _module_obj(self, module: str, spec: TypeSpec) -> Obj:
        key = (module, spec.id)
        if key not in self.module_objs:
            carriers, endpoint = self.resolver.module_carriers(module, spec)
            provider = self.resolver._provider_for(spec.provider, endpoint)
            self.module_objs[key] = Obj(spec.id, provider, (), carriers, (), None, None, endpoint)
        return self.module_objs[key]

    def _worth_resolving(self, ref: CallRef) -> bool:
        func = ref.node.func
        if isinstance(func, ast.Attribute):
            return func.attr in self.catalog.names or self._holds_sdk_function(func, ref.scope)
        if isinstance(func, ast.Name):
            if func.id in self.catalog.names:
                return True
            for b in self.resolver.lookup(func.id, ref.scope, ref.node.lineno):
                if b.kind == "assign" and self._builds_callable(b.node):
                    return True
                if b.kind == "import" and (b.qualname or "").rsplit(".", 1)[-1] in self.catalog.names:
                    return True
                if b.kind == "assign" and isinstance(b.node, ast.Attribute) and b.node.attr in self.catalog.names:
                    return True
        return False

    def _holds_sdk_function(self, func: ast.Attribute, scope: Scope) -> bool:
        """`self.embed(...)` where `self.embed = aembedding` (an SDK function kept on the instance)."""
        if not (isinstance(func.value, ast.Name) and func.value.id == scope.self_name and scope.owner):
            return False
        info = self.index.classes.get(scope.owner)
        for b in info.attrs.get(func.attr, ()) if info is not None else ():
            name = b.node.attr if isinstance(b.node, ast.Attribute) else getattr(b.node, "id", None)
            if name in self.catalog.names or self._builds_callable(b.node):
                return True
        return False

    def _builds_callable(self, node: ast.AST | None) -> bool:
        """`dspy.ChainOfThought(...)`: a constructor whose object is itself called to send a request."""
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in self.catalog.callable_ctors

    # -- positions ------------------------------------------------------------------------
    def _char_col(self, line: int, byte_col: int) -> int:
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")) + 1
        return byte_col + 1

    def _position(self, target: ast.expr, whole: ast.expr) -> tuple[int, int, int, int]:
        if isinstance(target, ast.Attribute) and target.end_lineno is not None and target.end_col_offset is not None:
            line, col = target.end_lineno, target.end_col_offset - len(target.attr)
        else:
            line, col = target.lineno, target.col_offset
        end_line = whole.end_lineno or line
        end_col = whole.end_col_offset if whole.end_col_offset is not None else col
        return line, self._char_col(line, col), end_line, self._char_col(end_line, end_col)

    # -- building call sites --------------------------------------------------------------
    def _site(self, obj: Obj, spec: TypeSpec, call: CallSpec, kw: Kwargs, *, target: ast.expr, whole: ast.expr,
              scope: Scope, stmt_line: int, kind: SiteKind) -> CallSite:
        r = self.resolver
        evidence = list(obj.carriers)
        evidence += r._carrier_list(call.carriers, kw, level="call", mode=obj.mode)
        evidence += self.annotations(min(stmt_line, whole.lineno), whole.end_lineno or whole.lineno)
        if kw.unresolved:
            evidence.append(Evidence(via=f"call passes {', '.join(kw.unresolved)}", grade="GW",
                                     state="unverifiable", level="call"))
        model = r._model(call.model_args, kw) or obj.model
        endpoint = r._endpoint(call.carriers, kw) or obj.endpoint
        provider = r._provider_for(obj.provider, endpoint)
        if spec.provider_from_model and provider == obj.provider:  # a known endpoint host outranks a model prefix
            provider = self._provider_from_model(model, provider)
        issues = obj.issues + tuple(run_checks(call.checks, kw, obj))
        line, col, end_line, end_col = self._position(target, whole)
        if obj.origin != (0, 0):
            self.used_origins.add(obj.origin)
        return CallSite(
            path=self.path, line=line, column=col, end_line=end_line, end_column=end_col,
            provider=provider, sdk=spec.sdk, operation=call.operation, model=model, scope=scope.qualname,
            occurrence=0, statement_line=stmt_line, evidence=tuple(evidence), issues=issues,
            endpoint=endpoint, mode=obj.mode, kind=kind, client_line=obj.client_line,
        )

    def _provider_from_model(self, model: str | None, default: str) -> str:
        if not model:
            return default
        low = model.lower()
        for prefix, provider in self.catalog.model_prefixes:
            if low.startswith(prefix):
                return provider
        return default

    def visit_calls(self) -> None:
        r = self.resolver
        for ref in self.index.calls:
            if not self._worth_resolving(ref):
                continue
            node = ref.node
            func, bounded = r.eval_deep(node.func, ref.scope, node.lineno)
            if isinstance(func, ModuleRef) and func.qualname in self.catalog.constructors:
                r.eval(node, ref.scope, node.lineno)  # registers framework-model constructions
                continue
            found = self.classify(func) or (self._unresolved(node.func) if bounded else None) or \
                self._passed_in(node.func, ref.scope, node.lineno)
            if found is None:
                continue
            obj, spec, call = found
            if call.path in spec.free:
                continue
            kw = r.kwargs(node, ref.scope, node.lineno)
            if spec.runs_on is not None:
                bound = self.runs_on.bind(obj, spec.runs_on, node, ref.scope, kw)
                if bound is None:
                    continue
                obj = bound
            self.sites.append(self._site(obj, spec, call, kw, target=node.func, whole=node, scope=ref.scope,
                                         stmt_line=ref.stmt_line, kind="call"))

    def _unresolved(self, func: ast.expr) -> tuple[Obj, TypeSpec, CallSpec] | None:
        """A call whose client resolution hit the bound: the SDK call its attribute path names, unverifiable.

        Several SDKs share a path (chat.completions.create): prefer one whose module the file imports.
        """
        attrs: list[str] = []
        while isinstance(func, ast.Attribute):
            attrs.insert(0, func.attr)
            func = func.value
        imported = self._imported_roots()
        best: tuple[int, bool, str] | None = None
        chosen: tuple[TypeSpec, CallSpec] | None = None
        for spec in self.catalog.types.values():
            for path, call in spec.calls.items():
                if not path or tuple(attrs[-len(path):]) != path or path in spec.free:
                    continue
                roots = {c.split(".")[0] for c, specs in self.catalog.constructors.items()
                         if any(x.type_id == spec.id for x in specs)} | set(spec.module_instance)
                rank = (len(path), bool(roots & imported), spec.id)
                if best is None or rank[:2] > best[:2] or (rank[:2] == best[:2] and rank[2] < best[2]):
                    best, chosen = rank, (spec, call)
        if chosen is None:
            return None
        spec, call = chosen
        ev = Evidence(via=BOUND_REASON, grade="BILL", state="unverifiable", level="client")
        return Obj(spec.id, spec.provider, call.path, (ev,)), spec, call

    def _passed_in(self, func: ast.expr, scope: Scope, line: int) -> tuple[Obj, TypeSpec, CallSpec] | None:
        """`def ask(client, q): client.chat.completions.create(...)`: an untyped parameter (no caller in this
        module passes it a client) whose whole attribute path is a request of an SDK this module imports.

        Only paths of two or more names count (`chat.completions.create`, `models.generate_content`), and only
        SDKs whose module the file imports, so `client.messages.create` of an SMS library in a file that does
        not import anthropic stays silent. The client is built elsewhere, so its tags are unverifiable.
        """
        attrs: list[str] = []
        while isinstance(func, ast.Attribute):
            attrs.insert(0, func.attr)
            func = func.value
        if len(attrs) < 2 or not isinstance(func, ast.Name) or func.id == scope.self_name:
            return None
        bindings = self.resolver.lookup(func.id, scope, line)
        if not bindings or any(b.kind != "param" or b.node is not None or b.scope is None
                               or b.scope.kind != "function" for b in bindings):
            return None
        path = tuple(attrs)
        imported = self._imported_roots()
        best: tuple[tuple[bool, bool, str], CtorSpec, TypeSpec, CallSpec] | None = None
        for specs in self.catalog.constructors.values():
            for ctor in specs:
                root = ctor.qualname.split(".")[0]
                spec = self.catalog.types[ctor.type_id]
                call = spec.calls.get(path)
                if call is None or path in spec.free or root not in imported or ctor.annotation_only:
                    continue
                # The client this module names (`AsyncOpenAI(` in a factory beside it), then the SDK's own
                # provider over a cloud variant sharing the module (openai over azure_openai), then by name.
                rank = (ctor.qualname.rsplit(".", 1)[-1] not in self.source, ctor.provider != root, ctor.qualname)
                if best is None or rank < best[0]:
                    best = (rank, ctor, spec, call)
        if best is None:
            return None
        _, ctor, spec, call = best
        via = (f"client passed in as parameter {func.id!r} (constructed elsewhere; the SDK is inferred from the "
               f"request's path and this module's import of {ctor.qualname.split('.')[0]})")
        return self.resolver.passed_in(ctor, via, (0, 0)), spec, call

    def _imported_roots(self) -> set[str]:
        if self._roots is not None:
            return self._roots
        roots: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                roots.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
        self._roots = roots
        return roots

    def _is_not_caller(self, wrapper: ast.Call, scope: Scope) -> bool:
        func = wrapper.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in _NOT_CALLERS:
            return True
        value = self.resolver.eval(func, scope, wrapper.lineno)
        return isinstance(value, ModuleRef) and value.qualname.split(".")[0] in ("unittest", "mock", "pytest_mock")

    def visit_references(self) -> None:
        r = self.resolver
        for ref in self.index.args:
            value = r.eval(ref.node, ref.scope, ref.node.lineno)
            found = self.classify(value)
            if found is None or self._is_not_caller(ref.wrapper, ref.scope) or self._wrapped_by_sdk(ref):
                continue
            obj, spec, call = found
            kw = self._forwarded(ref)
            # A local alias of the method (`create = client.messages.create`) is reported where it is handed on.
            alias = isinstance(ref.node, ast.Name) and ref.node.id not in self.catalog.call_names
            target, whole = (ref.wrapper.func, ref.wrapper) if alias else (ref.node, ref.node)
            self.sites.append(self._site(obj, spec, call, kw, target=target, whole=whole, scope=ref.scope,
                                         stmt_line=ref.stmt_line, kind="reference"))

    def _wrapped_by_sdk(self, ref: ArgRef) -> bool:
        """The function an SDK wrapper keeps (instructor.from_litellm(litellm.completion)), when this file
        reports the wrapper's own requests instead (otherwise the reference stays the site)."""
        if (ref.wrapper.lineno, ref.wrapper.col_offset) not in self.used_origins:
            return False
        value = self.resolver.eval(ref.wrapper.func, ref.scope, ref.wrapper.lineno)
        specs = self.catalog.constructors.get(value.qualname, ()) if isinstance(value, ModuleRef) else ()
        for spec in specs:
            wraps = spec.wraps
            if wraps is None:
                continue
            if wraps.index is not None and wraps.index < len(ref.wrapper.args) and ref.wrapper.args[wraps.index] is ref.node:
                return True
            if any(kw.arg == wraps.name and kw.value is ref.node for kw in ref.wrapper.keywords):
                return True
        return False

    def _forwarded(self, ref: ArgRef) -> Kwargs:
        """Arguments the wrapper (partial, to_thread, run_in_executor, sync_to_async(...)(...)) passes on."""
        r = self.resolver
        kw = r.kwargs(ref.wrapper, ref.scope, ref.wrapper.lineno)
        kw.positional = []
        if ref.outer is not None:
            outer = r.kwargs(ref.outer, ref.scope, ref.outer.lineno)
            kw.named.update(outer.named)
            kw.unresolved += outer.unresolved
        return kw

    def visit_constructions(self) -> None:
        for origin, (obj, node, scope) in sorted(self.resolver.constructions.items()):
            if origin in self.used_origins:
                continue
            spec = self.catalog.types[obj.type_id]
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
            call = CallSpec(operation=f"{name}(...)", path=(), model_args=(), carriers=(), checks=())
            stmt = self._statement_line(node)
            self.sites.append(self._site(obj, spec, call, Kwargs(), target=node.func, whole=node, scope=scope,
                                         stmt_line=stmt, kind="construction"))

    def _statement_line(self, node: ast.Call) -> int:
        for ref in self.index.calls:
            if ref.node is node:
                return ref.stmt_line
        return node.lineno

    def finish(self) -> list[CallSite]:
        self.sites.sort(key=lambda s: (s.line, s.column, s.kind))
        counts: Counter[tuple[str, str]] = Counter()
        out = []
        for site in self.sites:
            key = (site.scope, site.operation)
            occurrence = counts[key]
            counts[key] += 1
            cell, line = self.locate(site.line)
            if cell is not None:
                _, end_line = self.locate(site.end_line)
                _, stmt = self.locate(site.statement_line)
                client = self.locate(site.client_line)[1] if site.client_line else None
                site = replace(site, line=line, end_line=end_line, statement_line=stmt, cell=cell,
                               client_line=client)
            out.append(replace(site, occurrence=occurrence))
        return out


def find_call_sites(tree: ast.Module, source: str, path: str, catalog: Catalog, comments: list[Comment],
                    locate: Locate) -> list[CallSite]:
    return analyse(tree, source, path, catalog, comments, locate).sites


class Analysis:
    """One module's call sites, and what whole-repo resolution needs from it."""

    def __init__(self, sites: list[CallSite], used: set[tuple[int, int]], summary: Summary | None) -> None:
        self.sites = sites
        self.used = used  # origins of clients other modules built (link.py marks them negative) used here
        self.summary = summary


def analyse(tree: ast.Module, source: str, path: str, catalog: Catalog, comments: list[Comment], locate: Locate,
            *, link: LinkHook | None = None, imports: tuple[str, ...] | None = None) -> Analysis:
    """Call sites found with `link` (facts of other modules) in view; with `imports`, the module's summary too."""
    finder = _Finder(tree, source, path, catalog, comments, locate, link)
    finder.visit_calls()
    finder.visit_references()
    used = {o for o in finder.used_origins if o[0] < 0}
    finder.visit_constructions()
    summary = summarise(finder.index, finder.resolver, imports) if imports is not None else None
    return Analysis(finder.finish(), used, summary)

