"""Read YAML from untrusted files within fixed bounds: bytes, nodes after alias expansion, aliases, depth.

Policies and invoices come from the repository being audited, so a file can be hostile. PyYAML keeps
an alias as a shared node, but everything downstream (validation, the line index, the policy digest,
error messages) walks the expanded tree: nine anchors of nine aliases each ("billion laughs") become
a billion nodes. The composer here counts every node as it would be expanded and refuses before the
tree is built. Duplicate keys, which YAML resolves silently to the last one, are refused too: in a
policy they would drop a rule without a word.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import BaseConstructor, SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver, Resolver
from yaml.scanner import Scanner

from scanners.errors import TagauditError, clip


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one YAML file. Each is far above any real policy or invoice file (see the defaults)."""

    max_bytes: int = 1024 * 1024
    max_nodes: int = 100_000  # after expanding aliases: what validation and reporting will walk
    max_aliases: int = 100  # DRY anchors (`<<: *defaults`) need a handful, not thousands
    max_depth: int = 32
    max_entries: int = 10_000  # items in one mapping or sequence


POLICY = Limits()
INVOICES = Limits(max_bytes=16 * 1024 * 1024, max_nodes=1_000_000, max_entries=200_000)
DATA = Limits(max_bytes=8 * 1024 * 1024, max_nodes=500_000, max_entries=100_000)  # packaged data files


class Refused(yaml.YAMLError):
    """A file over one of the limits (a YAMLError so callers report it like any other YAML problem)."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        self.problem, self.problem_mark, self.hint = problem, mark, hint
        super().__init__(problem)


class _Bounded(Composer):
    """PyYAML's composer, counting the expanded size of every node and refusing past the limits."""

    limits: Limits
    peek_event: Any  # from the parser it is mixed with

    def _bounded_init(self, limits: Limits) -> None:
        self.limits = limits
        self._nodes = 0
        self._aliases = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> expanded node count, once composed

    def _count(self, n: int, mark: Any) -> None:
        self._nodes += n
        if self._nodes > self.limits.max_nodes:
            raise Refused(f"more than {self.limits.max_nodes:,} YAML nodes once aliases are expanded (the limit)",
                          mark, "write the values out plainly; a policy or invoice file is never this large")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise Refused(f"more than {self.limits.max_aliases} YAML aliases (the limit)", event.start_mark,
                              "write the values out instead of repeating anchors")
            anchor = self.anchors.get(str(event.anchor))
            if anchor is not None and id(anchor) not in self._sizes:
                raise Refused(f"alias *{clip(str(event.anchor), 40)} refers to the collection that contains it",
                              event.start_mark, "remove the recursive alias")
            if anchor is not None:
                self._count(self._sizes[id(anchor)], event.start_mark)
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            self._depth += 1
            if self._depth > self.limits.max_depth:
                raise Refused(f"YAML nested more than {self.limits.max_depth} levels deep (the limit)",
                              event.start_mark, "flatten the structure")
        elif isinstance(event, ScalarEvent) and len(event.value) > self.limits.max_bytes // 4:
            raise Refused(f"a {len(event.value):,}-character value (the limit is {self.limits.max_bytes // 4:,})",
                          event.start_mark, "shorten it")
        before = self._nodes
        node = super().compose_node(parent, index)
        if not isinstance(event, AliasEvent):
            self._count(1, event.start_mark)
            self._sizes[id(node)] = self._nodes - before
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                self._depth -= 1
        return node

    def compose_sequence_node(self, anchor: Any) -> SequenceNode:
        node: SequenceNode = super().compose_sequence_node(anchor)
        if len(node.value) > self.limits.max_entries:
            raise Refused(f"a list of {len(node.value):,} items (the limit is {self.limits.max_entries:,})",
                          node.start_mark, "split the file")
        return node

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        node: MappingNode = super().compose_mapping_node(anchor)
        if len(node.value) > self.limits.max_entries:
            raise Refused(f"a mapping of {len(node.value):,} keys (the limit is {self.limits.max_entries:,})",
                          node.start_mark, "split the file")
        seen: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.value == "<<":
                continue
            if key.value in seen:
                raise Refused(f"duplicate key {clip(key.value, 60)!r} (first at line {seen[key.value]})",
                              key.start_mark, "remove one; YAML would silently keep only the last")
            seen[key.value] = key.start_mark.line + 1
        return node


class _SafeLoader(Reader, Scanner, Parser, _Bounded, SafeConstructor, Resolver):
    def __init__(self, stream: str, limits: Limits) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._bounded_init(limits)


class _TextLoader(Reader, Scanner, Parser, _Bounded, BaseConstructor, BaseResolver):
    """Every scalar as text (amounts stay exact)."""

    def __init__(self, stream: str, limits: Limits) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseConstructor.__init__(self)
        BaseResolver.__init__(self)
        self._bounded_init(limits)


def read_text(path: Path, limits: Limits, what: str) -> str:
    """The file's text, refusing before reading when it is over `max_bytes` (and never reading more)."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise TagauditError(f"the {what} file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit",
                                where=str(path), hint=f"a {what} file is a few kilobytes; check the path")
        with path.open("rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
        if len(raw) > limits.max_bytes:
            raise TagauditError(f"the {what} file is over the {limits.max_bytes:,}-byte limit", where=str(path),
                                hint=f"a {what} file is a few kilobytes; check the path")
        return raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TagauditError(f"cannot read the {what} file ({clip(str(exc), 120)})", where=str(path),
                            hint="check the path and that it is UTF-8") from exc


def parse(text: str, limits: Limits = POLICY, *, as_text: bool = False) -> tuple[Any, Node | None]:
    """Data and root node of one YAML document; raises yaml.YAMLError (Refused past a limit)."""
    if len(text) > limits.max_bytes:
        raise Refused(f"{len(text):,} characters of YAML (the limit is {limits.max_bytes:,})", None,
                      "check that this is the right file")
    loader = (_TextLoader if as_text else _SafeLoader)(text, limits)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def describe_error(exc: yaml.YAMLError, path: Path | str, label: str = "") -> str:
    """`<file>:<line>: <label><what>; <how to fix>`, short whatever the input held."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = exc.hint if isinstance(exc, Refused) else "fix the YAML syntax"
    return f"{path}{line}: {label}{clip(str(problem), 200)}; {hint}"


def load_file(path: Path, limits: Limits = POLICY, *, what: str = "YAML", as_text: bool = False
              ) -> tuple[Any, Node | None]:
    """Read and parse `path` within `limits`; every problem is a TagauditError naming file and line."""
    text = read_text(path, limits, what)
    try:
        return parse(text, limits, as_text=as_text)
    except yaml.YAMLError as exc:
        raise TagauditError(describe_error(exc, path)) from exc


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FAST_TEXT = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
PACKAGE_DIR = Path(__file__).parent
# The packaged YAML of this package as JSON, written into the wheel at build time (hatch_build.py), never kept in
# the source tree: JSON parses in a twentieth of libyaml's time (the catalog: ~1.5 ms against ~33 ms of a one-file
# hook run). An entry is used only while its file's text hashes to the digest beside it, so an edited or
# patched file is read from its YAML; a missing or unreadable pack just means YAML everywhere.
PACKED_PATH = PACKAGE_DIR / "packed.json"


def load_packaged(path: Path, *, as_text: bool = False) -> Any:
    """A data file shipped inside tagaudit (catalog, gateways, AI patterns, prices): only the byte limit.

    These are read on every start and are tagaudit's own, reviewed and tested like code, so they skip the
    counting composer; user-supplied files never come here.
    """
    text = read_text(path, DATA, "packaged data")
    if not as_text:
        key = _packed_key(path)
        packed = _packed().pop(key, None) if key is not None else None  # handed out once: never shared
        if packed is not None and packed[0] == _text_digest(text):
            return packed[1]
    try:
        return yaml.load(text, Loader=_FAST_TEXT if as_text else _FAST)
    except yaml.YAMLError as exc:
        raise TagauditError(describe_error(exc, path), hint="reinstall tagaudit") from exc


def pack_tree(package_dir: Path = PACKAGE_DIR) -> str:
    """The pack for `package_dir`'s YAML files (the wheel build calls this): key -> [digest, data]. A file whose
    data JSON cannot carry exactly (dates, non-string keys) is left out and read from YAML."""
    out: dict[str, tuple[str, Any]] = {}
    for path in sorted(package_dir.rglob("*.yaml")):
        text = read_text(path, DATA, "packaged data")
        data = yaml.load(text, Loader=_FAST)
        try:
            exact = json.loads(json.dumps(data)) == data
        except (TypeError, ValueError):  # a date, a set: nothing JSON holds
            exact = False
        if exact:
            out[path.relative_to(package_dir).as_posix()] = (_text_digest(text), data)
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=1)
def _packed() -> dict[str, tuple[str, Any]]:
    try:
        blob = json.loads(PACKED_PATH.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(blob, dict):
        return {}
    return {k: (v[0], v[1]) for k, v in blob.items() if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)}


def _packed_key(path: Path) -> str | None:
    """Where `path` sits in this package (paths built from the package's own `__file__`, as every caller does)."""
    try:
        return path.relative_to(PACKAGE_DIR).as_posix()
    except ValueError:
        return None


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
