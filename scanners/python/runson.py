"""The model a program object (a DSPy predictor) runs its requests on: handed to the call, set by an enclosing
context manager, or configured for the process; and whether that model is the library's or the project's own."""

from __future__ import annotations

import ast

from scanners.catalog import RunsOn
from scanners.python.index import ModuleIndex, Scope
from scanners.python.resolve import Resolver
from scanners.python.values import Kwargs, ModuleRef, Obj, Value
from scanners.records import Evidence

# The model is set nowhere this module shows (dspy.configure in another module, a caller's dspy.context).
UNSEEN_VIA = "runs on the model set by {} outside this module"


class RunsOnModels:
    """Per module: which model a call of a `runs_on` object uses, found as the interpreter would pick it."""

    def __init__(self, index: ModuleIndex, resolver: Resolver) -> None:
        self.index = index
        self.resolver = resolver
        self._withs: dict[int, list[ast.With | ast.AsyncWith]] = {}
        self._given: dict[tuple[RunsOn, frozenset[str]], list[Value]] = {}

    def bind(self, obj: Obj, runs_on: RunsOn, node: ast.Call, scope: Scope, kw: Kwargs) -> Obj | None:
        """`obj` graded by the model it runs on; None when that model is not the library's (a project class,
        a parameter we cannot trace): its own SDK call is the site, or nothing here shows one."""
        if runs_on.arg in kw.named:
            return self._on(obj, runs_on, kw.named[runs_on.arg])
        given = self._context_model(runs_on, node, scope)
        if given is not None:
            return self._on(obj, runs_on, given)
        configured = self._models_given(runs_on, runs_on.configure)
        if configured:
            models = [self._on(obj, runs_on, v) for v in configured]
            return models[0] if all(m is not None for m in models) else None
        if any(self._on(obj, runs_on, v) is None for v in self._models_given(runs_on, runs_on.contexts)):
            # The module runs its predictors on models handed in (a project LM class, a parameter): one called
            # outside those contexts is taken to follow the same convention, not to reach the library's LM.
            return None
        names = " or ".join(sorted(runs_on.configure | runs_on.contexts))
        ev = Evidence(via=UNSEEN_VIA.format(names), grade="GW", state="unverifiable", level="client")
        return Obj(obj.type_id, obj.provider, obj.path, obj.carriers + (ev,), obj.issues, obj.mode, obj.model,
                   obj.endpoint, obj.origin, obj.client_line)

    def _on(self, obj: Obj, runs_on: RunsOn, model: Value) -> Obj | None:
        if not isinstance(model, Obj) or model.type_id != runs_on.type_id or model.path \
                or model.origin in self.resolver.subclassed:
            return None
        # The predictor's own origin stays: the model's construction keeps its own site (an optimizer may use it).
        return Obj(obj.type_id, model.provider, obj.path, model.carriers + obj.carriers, model.issues + obj.issues,
                   model.mode, model.model, model.endpoint, obj.origin, obj.client_line)

    def _context_model(self, runs_on: RunsOn, node: ast.Call, scope: Scope) -> Value | None:
        """The `lm=` of the innermost enclosing `with dspy.context(lm=...)` in the call's own scope."""
        for with_node in reversed(self._scope_withs(scope)):
            body = with_node.body
            if not body or not (body[0].lineno <= node.lineno <= (body[-1].end_lineno or body[-1].lineno)):
                continue
            for item in with_node.items:
                ctx = item.context_expr
                if not isinstance(ctx, ast.Call):
                    continue
                func = self.resolver.eval(ctx.func, scope, ctx.lineno)
                if isinstance(func, ModuleRef) and func.qualname in runs_on.contexts:
                    kw = self.resolver.kwargs(ctx, scope, ctx.lineno)
                    if runs_on.arg in kw.named:
                        return kw.named[runs_on.arg]
        return None

    def _scope_withs(self, scope: Scope) -> list[ast.With | ast.AsyncWith]:
        found = self._withs.get(id(scope.node))
        if found is None:
            found = sorted((n for n in ast.walk(scope.node) if isinstance(n, (ast.With, ast.AsyncWith))),
                           key=lambda n: (n.lineno, n.col_offset))
            self._withs[id(scope.node)] = found
        return found

    def _models_given(self, runs_on: RunsOn, setters: frozenset[str]) -> list[Value]:
        """Every `lm=` this module hands to one of `setters` (`dspy.configure(...)`, `dspy.context(...)`)."""
        key = (runs_on, setters)
        found = self._given.get(key)
        if found is None:
            found = []
            last_names = {c.rsplit(".", 1)[-1] for c in setters}
            for ref in self.index.calls:
                func = ref.node.func
                if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) not in last_names:
                    continue
                value = self.resolver.eval(func, ref.scope, ref.node.lineno)
                if isinstance(value, ModuleRef) and value.qualname in setters:
                    kw = self.resolver.kwargs(ref.node, ref.scope, ref.node.lineno)
                    if runs_on.arg in kw.named:
                        found.append(kw.named[runs_on.arg])
            self._given[key] = found
        return found
