"""The Python front end: source bytes (or a notebook) in, call sites and tagaudit comments out."""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
from dataclasses import replace
from typing import TYPE_CHECKING

from scanners.records import Comment, FileScan, ScanError

if TYPE_CHECKING:  # the analysis modules load on first scan: a run answered from the cache never needs them
    from scanners.catalog import Catalog
    from scanners.python.calls import Analysis
    from scanners.python.resolve import LinkHook


def decode_source(data: bytes) -> str:
    """Decode like the interpreter does (BOM, PEP 263 coding cookie, else UTF-8)."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            # The interpreter refuses it too (source must be UTF-8 or an ASCII-compatible declared encoding).
            raise UnicodeError(f"file is {name} (it starts with a {name} byte-order mark), which Python cannot "
                               "run; re-encode the file as UTF-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise UnicodeError(str(exc)) from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnicodeError(
            f"not valid {encoding} (byte 0x{data[exc.start]:02x} on line {line}); "
            "re-encode the file as UTF-8 or declare its encoding with a '# -*- coding: ... -*-' line"
        ) from exc


def scan_python(path: str, data: bytes, catalog: Catalog) -> FileScan:
    """Scan one .py or .ipynb file. Never raises for bad input: problems become `FileScan.error`."""
    return scan_module(path, data, catalog)[0]


def scan_module(path: str, data: bytes, catalog: Catalog, *, link: LinkHook | None = None,
                imports: tuple[str, ...] | None = None) -> tuple[FileScan, Analysis | None]:
    """`scan_python` with other modules' facts in view (`link`), and this module's summary (given `imports`)."""
    from scanners.python.calls import analyse
    from scanners.python.comments import extract_comments
    from scanners.python.notebook import NotebookError, read_notebook

    locate = _identity
    try:
        if path.endswith(".ipynb"):
            nb = read_notebook(data)
            source, locate = nb.source, nb.locate
        else:
            source = decode_source(data)
        tree = ast.parse(source, filename=path)
    except NotebookError as exc:
        return FileScan(path, error=ScanError("notebook", str(exc), exc.line, exc.column)), None
    except UnicodeError as exc:
        return FileScan(path, error=ScanError("decode", str(exc))), None
    except SyntaxError as exc:
        cell, line = locate(exc.lineno or 1)
        where = f" (cell {cell})" if cell is not None else ""
        return FileScan(path, error=ScanError("syntax", f"{exc.msg}{where}", line, exc.offset or 1, cell)), None
    except RecursionError:
        return FileScan(path, error=ScanError("syntax", "cannot parse: too deeply nested (the parser's recursion "
                                                        "limit was reached); split the expression")), None
    except MemoryError:
        return FileScan(path, error=ScanError("syntax", "cannot parse: out of memory while parsing (an expression "
                                                        "nests or repeats too much); split the expression")), None
    except ValueError as exc:  # "source code string cannot contain null bytes"
        return FileScan(path, error=ScanError("syntax", f"cannot parse: {str(exc) or type(exc).__name__}")), None
    comments = extract_comments(source)
    analysis = analyse(tree, source, path, catalog, comments, locate, link=link,
                       imports=imports if locate is _identity else None)  # a notebook is not importable
    if locate is not _identity:
        comments = [_locate_comment(c, locate) for c in comments]
    return FileScan(path, tuple(analysis.sites), tuple(comments)), analysis


def _identity(line: int) -> tuple[int | None, int]:
    return None, line


def _locate_comment(comment: Comment, locate: object) -> Comment:
    cell, line = locate(comment.line)  # type: ignore[operator]
    anchor = locate(comment.anchor)[1] if comment.anchor else None  # type: ignore[operator]
    return replace(comment, line=line, cell=cell, anchor=anchor)
