"""The YAML half of scanners.yamlload: PyYAML's composer bounded against hostile input, and the parsers.

Kept apart so that a run that needs no YAML (the packed catalog, a policy known from the sealed cache) never
imports PyYAML: yamlload imports this module only when a file really has to be parsed.
"""

from __future__ import annotations

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

from scanners.errors import clip
from scanners.yamllimits import Limits


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



def parse(text: str, limits: Limits, *, as_text: bool = False) -> tuple[Any, Node | None]:
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


FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FAST_TEXT = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def load_trusted(text: str, *, as_text: bool = False) -> Any:
    """libyaml's loader for tagaudit's own packaged files (no counting composer: they are reviewed like code)."""
    return yaml.load(text, Loader=FAST_TEXT if as_text else FAST)
