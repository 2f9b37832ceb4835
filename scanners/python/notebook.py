"""Jupyter notebooks: join code cells into one module and map its lines back to (cell, line)."""

from __future__ import annotations

import json
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


def _neutralise(line: str) -> str:
    """IPython magics and shell escapes are not Python; keep the line count, drop the code."""
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")) or stripped.endswith("?") and not stripped.startswith("#"):
        indent = line[: len(line) - len(stripped)]
        return f"{indent}pass  # {stripped}" if indent else f"# {stripped}"
    return line


def read_notebook(data: bytes) -> NotebookSource:
    try:
        nb = json.loads(data)
    except UnicodeDecodeError as exc:
        raise NotebookError(f"notebook is not UTF-8 JSON ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise NotebookError(f"notebook is not valid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise NotebookError("notebook JSON has no 'cells' list (nbformat 4 expected)")
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        text = "".join(src) if isinstance(src, list) else str(src)
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
