"""Add tag entries to one call's source with libcst: nothing outside the edited argument changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

import libcst as cst

from auditor.fix.records import Carrier
from auditor.policy import normalize_key

_E = TypeVar("_E", cst.Arg, cst.BaseDictElement, cst.BaseElement)
_EMPTY = cst.SimpleWhitespace("")


class Refused(Exception):
    """This carrier cannot be edited safely here; the message says why (it becomes the finding's hint)."""


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString(json.dumps(text, ensure_ascii=False))


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def leaf_value(carrier: Carrier) -> cst.BaseExpression:
    """A fresh literal holding every entry of the carrier."""
    if carrier.shape == "tag_list":
        return cst.parse_expression("[" + ", ".join(json.dumps(f"{k}:{v}", ensure_ascii=False)
                                                   for k, v in carrier.entries) + "]")
    if carrier.shape == "json_mapping":
        return cst.SimpleString(repr(json.dumps(dict(carrier.entries), ensure_ascii=False)))
    return cst.parse_expression("{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                                                for k, v in carrier.entries) + "}")


def new_value(carrier: Carrier, path: Sequence[str]) -> cst.BaseExpression:
    """The literal to write where `path` (below the argument) does not exist yet: `{"labels": {...}}`."""
    value = leaf_value(carrier)
    for key in reversed(path):
        value = cst.Dict([cst.DictElement(_string(key), value)])
    return value


def _separator(elements: Sequence[Any], opening: cst.BaseParenthesizableWhitespace) -> cst.Comma:
    """The comma (and line break) that separates elements here, without any comment the original carried."""
    if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
        comma: cst.Comma = elements[-2].comma
        ws = comma.whitespace_after
        if isinstance(ws, cst.ParenthesizedWhitespace):
            comma = comma.with_changes(whitespace_after=ws.with_changes(first_line=cst.TrailingWhitespace(),
                                                                        empty_lines=[]))
        return comma
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), empty_lines=[], indent=opening.indent, last_line=opening.last_line))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def append(elements: Sequence[_E], new: _E, opening: cst.BaseParenthesizableWhitespace) -> list[_E]:
    """`elements` with `new` after the last one, laid out as its neighbours are (one per line, or inline)."""
    out = list(elements)
    if not out:
        return [new]
    last: Any = out[-1]
    sep = _separator(out, opening)
    tail: dict[str, Any] = {}
    if isinstance(last, cst.Arg):  # the space before `)` belongs to the last argument: it moves to the new one
        tail = {"whitespace_after_arg": last.whitespace_after_arg}
        last = last.with_changes(whitespace_after_arg=_EMPTY)
    trailing = last.comma
    if isinstance(trailing, cst.Comma) and isinstance(trailing.whitespace_after, cst.ParenthesizedWhitespace):
        # `a=1,  # why\n)`: the last keeps its comma and comment; the new element goes on its own line.
        ws = trailing.whitespace_after
        inner = sep.whitespace_after
        if isinstance(inner, cst.ParenthesizedWhitespace):
            last = last.with_changes(comma=trailing.with_changes(
                whitespace_after=ws.with_changes(indent=inner.indent, last_line=inner.last_line)))
        closing = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=ws.indent,
                                              last_line=ws.last_line)
        tail["comma"] = cst.Comma(whitespace_after=closing)
    elif isinstance(trailing, cst.Comma):
        last = last.with_changes(comma=sep)
        tail["comma"] = trailing
    else:
        last = last.with_changes(comma=sep)
    out[-1] = last
    out.append(new.with_changes(**tail) if tail else new)
    return out


def _key_of(element: cst.BaseDictElement) -> str | None:
    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _dict_add(node: cst.Dict, entries: Sequence[tuple[str, cst.BaseExpression]]) -> cst.Dict:
    elements: list[cst.BaseDictElement] = list(node.elements)
    for key, value in entries:
        elements = append(elements, cst.DictElement(_string(key), value), node.lbrace.whitespace_after)
    return node.with_changes(elements=elements)


def _same_key(carrier: Carrier, a: str, b: str) -> bool:
    return a.lower() == b.lower() if carrier.shape == "headers" else normalize_key(a) == normalize_key(b)


def _merge_leaf(node: cst.BaseExpression, carrier: Carrier, where: str) -> cst.BaseExpression:
    if carrier.shape == "tag_list":
        if not isinstance(node, cst.List):
            raise Refused(f"`{where}` is `{_code(node)}`, not a list literal the fixer can extend")
        have = [e.value.evaluated_value for e in node.elements
                if isinstance(e, cst.Element) and isinstance(e.value, cst.SimpleString)]
        keys = {normalize_key(str(h).partition(":")[0]) for h in have}
        new = [(k, v) for k, v in carrier.entries if normalize_key(k) not in keys]
        if not new:
            raise Refused(f"`{where}` already names these keys")
        elements: list[cst.BaseElement] = list(node.elements)
        for k, v in new:
            elements = append(elements, cst.Element(_string(f"{k}:{v}")), node.lbracket.whitespace_after)
        return node.with_changes(elements=elements)
    if carrier.shape == "json_mapping":
        raise Refused(f"`{where}` is already set: add the keys to its JSON by hand")
    if not isinstance(node, cst.Dict):
        raise Refused(f"`{where}` is `{_code(node)}`, not a dict literal the fixer can extend")
    _no_unpacking(node, where)
    present = [k for k in map(_key_of, node.elements) if k is not None]
    if len(present) != len(node.elements):
        raise Refused(f"`{where}` has a computed key")
    new_entries = [(k, _string(v)) for k, v in carrier.entries if not any(_same_key(carrier, k, p) for p in present)]
    if not new_entries:
        raise Refused(f"`{where}` already has these keys (with values the policy does not accept)")
    return _dict_add(node, new_entries)


def _no_unpacking(node: cst.Dict | cst.Call, where: str) -> None:
    if isinstance(node, cst.Dict) and any(isinstance(e, cst.StarredDictElement) for e in node.elements):
        raise Refused(f"`{where}` unpacks another mapping (`**`): the keys may already be set there")
    if isinstance(node, cst.Call) and any(a.star for a in node.args):
        raise Refused(f"`{where}` passes `*`/`**` arguments: the keys may already be set there")


def merge(node: cst.BaseExpression, path: Sequence[str], carrier: Carrier, where: str) -> cst.BaseExpression:
    """`node` (the argument's current value) with the carrier's entries added at `path` below it."""
    if not path:
        return _merge_leaf(node, carrier, where)
    key, rest = path[0], path[1:]
    inner = f"{where}.{key}"
    if isinstance(node, cst.Dict):
        _no_unpacking(node, where)
        for element in node.elements:
            if _key_of(element) == key and isinstance(element, cst.DictElement):
                return node.with_changes(elements=[
                    e.with_changes(value=merge(e.value, rest, carrier, inner)) if e is element else e
                    for e in node.elements])
        return _dict_add(node, [(key, new_value(carrier, rest))])
    if isinstance(node, cst.Call):  # a config object built in place: GenerateContentConfig(labels=...)
        return set_argument(node, key, rest, carrier, where=inner, index=None)
    raise Refused(f"`{where}` is `{_code(node)}`, which the fixer cannot see into")


def set_argument(call: cst.Call, arg: str, path: Sequence[str], carrier: Carrier, *, where: str,
                 index: int | None) -> cst.Call:
    """`call` with the entries added to keyword `arg` (creating it when absent)."""
    _no_unpacking(call, where)
    positional = [a for a in call.args if a.keyword is None]
    if index is not None and len(positional) > index:
        raise Refused(f"`{arg}` is passed by position, which the fixer does not rewrite")
    for a in call.args:
        if a.keyword is not None and a.keyword.value == arg:
            new_arg = a.with_changes(value=merge(a.value, path, carrier, where))
            return call.with_changes(args=[new_arg if x is a else x for x in call.args])
    fresh = cst.Arg(keyword=cst.Name(arg), value=new_value(carrier, path),
                    equal=cst.AssignEqual(whitespace_before=_EMPTY, whitespace_after=_EMPTY))
    return call.with_changes(args=append(call.args, fresh, call.whitespace_before_args))


def edit_call_text(text: str, carrier: Carrier, index: int | None = None) -> str:
    """The source of one call with the carrier's entries written in; raises Refused when it cannot be done."""
    wrapped = False
    try:
        node = cst.parse_expression(text)
    except cst.ParserSyntaxError:
        node = cst.parse_expression(f"({text})")  # a call broken across lines outside its own brackets
        wrapped = True
    if not isinstance(node, cst.Call):
        raise Refused("the fixer could not find the call in the source")
    out = _code(set_argument(node, carrier.arg, carrier.path, carrier, where=carrier.arg, index=index))
    if wrapped:
        out = out[1:-1]
    return out
