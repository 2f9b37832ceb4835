"""What an expression is known to evaluate to, as far as static reading can tell."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from scanners.records import Evidence, Issue


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal constant (str, int, float, bool, None)."""

    value: object


@dataclass(frozen=True, slots=True)
class Dyn:
    """Computed at run time; `reason` says what it is (for messages)."""

    reason: str


@dataclass(frozen=True, slots=True)
class FStr:
    """An f-string: its literal prefix is known, the rest is computed."""

    prefix: str


@dataclass(frozen=True, slots=True)
class Env:
    """os.environ["X"] / os.getenv("X")."""

    name: str


@dataclass(frozen=True, slots=True)
class DictV:
    """A mapping whose entries are known; `unresolved` names `**x` parts that are not."""

    items: tuple[tuple[Value, Value], ...]
    unresolved: tuple[str, ...] = ()

    def get(self, key: str) -> Value | None:
        found: Value | None = None
        for k, v in self.items:
            if isinstance(k, Lit) and k.value == key:
                found = v
        return found

    def keys_literal(self) -> bool:
        return all(isinstance(k, Lit) for k, _ in self.items)


@dataclass(frozen=True, slots=True)
class ListV:
    items: tuple[Value, ...]
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JsonV:
    """json.dumps(inner)."""

    inner: Value


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """An imported module or a name inside one (a dotted qualified name)."""

    qualname: str


@dataclass(frozen=True, slots=True)
class Obj:
    """An SDK client (or a sub-resource of one: `path`), with the tags it carries for every call."""

    type_id: str
    provider: str
    path: tuple[str, ...] = ()
    carriers: tuple[Evidence, ...] = ()
    issues: tuple[Issue, ...] = ()
    mode: str | None = None
    model: str | None = None
    endpoint: str | None = None
    origin: tuple[int, int] = (0, 0)
    client_line: int | None = None
    # Other clients the same expression may hold (a helper whose `return` statements hand back different SDK
    # clients): a call whose path this client's type does not have is matched against these, in order.
    alts: tuple[Obj, ...] = ()


@dataclass(frozen=True, slots=True)
class FuncRef:
    """A function or method defined in the scanned module (a possible client factory)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: str | None = None  # class qualname for methods


@dataclass(frozen=True, slots=True)
class ClassRef:
    qualname: str


@dataclass(frozen=True, slots=True)
class Instance:
    """`self` / `cls` (or an instance) of a class defined in the scanned module."""

    qualname: str


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str


@dataclass(frozen=True, slots=True)
class Linked:
    """What another module of the repository exports (scanners/python/link.py): a function returning a client
    (`returns`), or a class or an instance of one whose attributes (and methods, as `func`) hold clients."""

    kind: str  # func | class | instance | passthrough (a function handing back its argument `index`/`name`)
    name: str
    returns: Value | None = None
    attrs: tuple[tuple[str, Value], ...] = ()

    def attr(self, name: str) -> Value | None:
        return next((v for k, v in self.attrs if k == name), None)


Value = Lit | Dyn | FStr | Env | DictV | ListV | JsonV | ModuleRef | Obj | FuncRef | ClassRef | Instance | Builtin | Linked


@dataclass(slots=True)
class Kwargs:
    """The keyword (and positional) arguments of one call, with `**x` expanded where possible."""

    named: dict[str, Value] = field(default_factory=dict)
    positional: list[Value] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    nodes: dict[str, ast.expr] = field(default_factory=dict)

    def arg(self, name: str, index: int | None = None) -> Value | None:
        if name in self.named:
            return self.named[name]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return None


def describe(value: Value) -> str:
    """A short human description of a dynamic value, for `via` and messages."""
    if isinstance(value, Dyn):
        return value.reason
    if isinstance(value, Env):
        return f"environment variable {value.name}"
    if isinstance(value, FStr):
        return f"f-string {value.prefix!r}..."
    return type(value).__name__
