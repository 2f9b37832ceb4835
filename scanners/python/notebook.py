"""Jupyter notebooks: join code cells into one module and map its lines back to (cell, line)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})


class NotebookError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class NotebookSource:
    source: str
    line_map: tuple[tuple[int, int], ...]  # index = module line - 1 -> (cell number, line in cell)

    def locate(self, line: int) -> tuple[int | None, int]:
        if 1 <= line <= len(self.line_map):
            cell, cell_line = self.line_map[line - 1]
            return cell, cell_line
        return None, line


# Line magics whose argument is a Python statement, and their options that take a value (the rest are flags).
_CODE_LINE_MAGICS = {"time": "", "timeit": "nrp", "prun": "slrTD", "memit": "rt"}
_MAGIC = re.compile(r"(?P<lead>[ \t]*(?:[A-Za-z_][\w.]*[ \t]*=[ \t]*)?)(?P<magic>%{1,2}|!)")


def _code_after_magic(body: str, options: str) -> int:
    """Offset in `body` (the text after `%name`) where the Python statement starts, past the magic's options."""
    pos = 0
    while (m := re.match(r"[ \t]+-(\w)", body[pos:])) is not None:
        pos += m.end()
        if m.group(1) in options:  # `-n10` or `-n 10`
            value = re.match(r"[ \t]*\S+" if pos < len(body) and body[pos] in " \t" else r"\S*", body[pos:])
            pos += value.end() if value is not None else 0
    return pos + len(body[pos:]) - len(body[pos:].lstrip(" \t"))


def _neutralise(line: str) -> str:
    """IPython magics and shell escapes are not Python; keep the line count, drop what is not code.

    `%time expr`, `%timeit -n 10 expr` (also `t = %timeit -o expr`) run `expr`: it stays, at the magic's
    indentation (its column moves left by the magic's width).
    """
    stripped = line.lstrip()
    m = _MAGIC.match(line)
    if m is not None and m.group("magic") == "%":
        name = re.match(r"\w*", line[m.end():])
        magic = name.group() if name is not None else ""
        if magic in _CODE_LINE_MAGICS:
            start = m.end() + len(magic)
            code = start + _code_after_magic(line[start:], _CODE_LINE_MAGICS[magic])
            if code < len(line.rstrip()) and line[start:start + 1] in (" ", "\t"):
                return m.group("lead") + line[code:]
    if m is not None and m.group("lead").strip():  # `x = %magic ...` / `x = !cmd`: the value is not Python
        return f"{m.group('lead')}None  # {line[m.start('magic'):]}"
    if stripped.startswith(("%", "!")) or stripped.endswith("?") and not stripped.startswith("#"):
        indent = line[: len(line) - len(stripped)]
        return f"{indent}pass  # {stripped}" if indent else f"# {stripped}"
    return line


def _cells(nb: dict[str, object]) -> list[object]:
    """Cells of nbformat 4 (`cells`) or of nbformat 3 (`worksheets[].cells`, code in `input`)."""
    sheets = nb.get("worksheets")
    if "cells" not in nb and isinstance(sheets, list):
        out: list[object] = []
        for sheet in sheets:
            cells = sheet.get("cells", []) if isinstance(sheet, dict) else None
            if not isinstance(cells, list):
                raise NotebookError("notebook worksheet has no 'cells' list (nbformat 3)")
            out += cells
        return out
    cells = nb.get("cells", [])
    if not isinstance(cells, list):
        raise NotebookError("notebook JSON has no 'cells' list (nbformat 4 expected)")
    return cells


def read_notebook(data: bytes) -> NotebookSource:
    try:
        nb = json.loads(data)
    except UnicodeDecodeError as exc:
        raise NotebookError(f"notebook is not UTF-8 JSON ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise NotebookError(f"notebook is not valid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    except RecursionError as exc:
        raise NotebookError("notebook JSON nests too deeply") from exc
    if not isinstance(nb, dict):
        raise NotebookError("notebook JSON is not an object (nbformat 4 expected)")
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    for number, cell in enumerate(_cells(nb), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        text = "".join(str(x) for x in src) if isinstance(src, list) else str(src)
        cell_lines = text.splitlines()
        if cell_lines and cell_lines[0].lstrip().startswith("%%"):
            magic = cell_lines[0].lstrip()[2:].split(maxsplit=1)[0] if cell_lines[0].strip() != "%%" else ""
            if magic in _PYTHON_CELL_MAGICS:
                cell_lines = ["# " + cell_lines[0], *cell_lines[1:]]
            else:
                # A cell magic (%%bash, %%sql ...) makes the whole cell something other than Python.
                cell_lines = ["# " + ln for ln in cell_lines]
        for i, ln in enumerate(cell_lines, start=1):
            lines.append(_neutralise(ln))
            line_map.append((number, i))
    return NotebookSource("\n".join(lines) + "\n", tuple(line_map))
