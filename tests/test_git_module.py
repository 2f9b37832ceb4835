"""All git goes through auditor/gitcmd.py, which runs it with GitPython (issue 8; style guide §7).

A static check over every module of the application and the scanners, then the module's public
functions on real repositories in tmp_path.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import gitcmd
from tests.helpers import isolate_git

ROOT = Path(__file__).resolve().parent.parent
GIT_MODULE = ROOT / "auditor" / "gitcmd.py"
# Modules that may import subprocess, and why (every other process tagaudit starts is git, through gitcmd).
SUBPROCESS_ALLOWED: dict[str, str] = {
    "auditor/quarterly/pdf.py": "prints the quarterly report's HTML to PDF with headless Chromium (never git)",
}
PROCESS_CALLS = {"system", "popen", "spawnl", "spawnlp", "spawnv", "spawnvp", "execv", "execvp", "execl", "execlp",
                 "posix_spawn", "posix_spawnp", "run", "call", "check_call", "check_output", "Popen", "getoutput",
                 "getstatusoutput"}


def _modules() -> list[Path]:
    files = sorted([*(ROOT / "auditor").rglob("*.py"), *(ROOT / "scanners").rglob("*.py")])
    assert GIT_MODULE in files and len(files) > 20
    return files


def _first_string(node: ast.expr) -> str | None:
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        first = node.elts[0]
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.split() else None
    return None


def _problems(path: Path, base: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(base).as_posix()
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            top = name.partition(".")[0]
            if top == "subprocess" and rel not in SUBPROCESS_ALLOWED:
                out.append(f"{rel}:{node.lineno}: imports subprocess")
            if top == "git" and path != GIT_MODULE:
                out.append(f"{rel}:{node.lineno}: imports GitPython outside the git module")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in PROCESS_CALLS and node.args and _first_string(node.args[0]) == "git":
                out.append(f"{rel}:{node.lineno}: starts git itself ({name})")
        if isinstance(node, ast.Constant) and node.value in ("GIT_DIR", "GIT_CONFIG_COUNT") and path != GIT_MODULE:
            out.append(f"{rel}:{node.lineno}: sets up a git environment outside the git module")
    return out


def test_no_module_but_the_git_module_starts_git_or_imports_subprocess() -> None:
    problems = [p for path in _modules() for p in _problems(path)]
    assert problems == []


@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("import subprocess\nsubprocess.run(['git', 'ls-files'])\n",
                 ["bad.py:1: imports subprocess", "bad.py:2: starts git itself (run)"], id="a scattered git call"),
    pytest.param("import os\nos.system('git status')\n", ["bad.py:2: starts git itself (system)"], id="os.system"),
    pytest.param("from git import Repo\n", ["bad.py:1: imports GitPython outside the git module"], id="GitPython"),
    pytest.param("from auditor import gitcmd\ngitcmd.ls_files(None)\n", [], id="the git module: no-op"),
])
def test_the_static_check_fires_and_stays_quiet(source: str, expected: list[str], tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(source)
    assert _problems(tmp_path / "bad.py", tmp_path) == expected


def test_the_git_module_runs_git_through_gitpython_imported_lazily() -> None:
    tree = ast.parse(GIT_MODULE.read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not [n for n in top_level if any(a.name.partition(".")[0] in {"git", "subprocess"} for a in n.names)
                or (isinstance(n, ast.ImportFrom) and (n.module or "").partition(".")[0] in {"git", "subprocess"})]
    lazy = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n not in top_level}
    assert {"git.cmd", "git.exc"} <= lazy
    source = GIT_MODULE.read_text(encoding="utf-8")
    for needle in (".execute(", "get_object_data(", "kill_after_timeout=", "strip_newline_in_stdout=False",
                   "with_exceptions=False", "--no-ext-diff", "--no-textconv", "--end-of-options",
                   "GIT_LITERAL_PATHSPECS", "core.fsmonitor"):
        assert needle in source, needle


# --- behaviour on real repositories -------------------------------------------------------------------

@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)
    gitcmd._filter_drivers.cache_clear()


def _git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    return subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True,
                          capture_output=True).stdout


def _repo(tmp_path: Path, files: dict[str, bytes]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for rel, data in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "first")
    return repo


AWKWARD = ["café.py", "my llm.py", 'say "hi".py', "tab\there.py", "back\\slash.py", "new\nline.py", "-x.py",
           "--output=x.py", "*.py", "[ab].py", "b/a/x.py"]


def test_ls_files_lists_awkward_names_exactly(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {name: b"x = 1\n" for name in AWKWARD})
    (repo / "untracked.py").write_text("y = 2\n")
    (repo / ".gitignore").write_text("ignored.py\n")
    (repo / "ignored.py").write_text("z = 3\n")
    listed = gitcmd.ls_files(repo, "--cached", "--others", "--exclude-standard")
    assert listed is not None
    assert sorted(listed) == sorted([*AWKWARD, ".gitignore", "untracked.py"])
    assert gitcmd.ls_files(repo / "b", "--cached") == ["a/x.py"], "relative to the directory asked about"


def test_ls_files_outside_a_repository_is_none_without_loading_gitpython(tmp_path: Path) -> None:
    probe = ("import json, sys; from pathlib import Path; from auditor import gitcmd; "
             "print(json.dumps([gitcmd.ls_files(Path(sys.argv[1])), gitcmd.run(['status'], Path(sys.argv[1]))[0], "
             "'git' in sys.modules]))")
    (tmp_path / "plain").mkdir()
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "plain")], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60)
    assert json.loads(proc.stdout) == [None, 128, False]


def test_blobs_at_a_ref_read_the_committed_bytes_not_the_work_tree(tmp_path: Path) -> None:
    names = {"new\nline.py": b"old = 1\n", "café.py": b"\x00binary\xff", "same.py": b"x\n", "twin.py": b"x\n"}
    repo = _repo(tmp_path, names)
    first = _git(repo, "rev-parse", "HEAD").strip().decode()
    (repo / "new\nline.py").write_bytes(b"new = 2\n")
    _git(repo, "commit", "-qam", "second")
    assert gitcmd.blobs_at(repo, first, [*names, "missing.py"]) == names
    assert gitcmd.blobs_at(repo, "HEAD", ["new\nline.py"]) == {"new\nline.py": b"new = 2\n"}
    assert gitcmd.blobs_at(repo, first, []) == {}


def test_read_objects_takes_object_ids_only(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a.py": b"a\n"})
    with pytest.raises(gitcmd.GitError, match="not an object id"):
        gitcmd.read_objects(repo, ["HEAD:a.py"])
    with pytest.raises(gitcmd.GitError, match="no blob"):
        gitcmd.read_objects(repo, ["0" * 40])
    tree = _git(repo, "rev-parse", "HEAD^{tree}").strip().decode()
    with pytest.raises(gitcmd.GitError, match="not a blob"):
        gitcmd.read_objects(repo, [tree])


def test_diff_against_a_base_ignores_the_repository_diff_config(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": b"a = 1\nb = 2\n", "gone.py": b"x\n"})
    base = _git(repo, "rev-parse", "HEAD").strip().decode()
    marker = tmp_path / "ran"
    hook = f"touch {marker}"
    for key, value in (("diff.external", hook), ("diff.noprefix", "true"), ("color.diff", "always"),
                       ("diff.py.textconv", hook), ("core.fsmonitor", hook)):
        _git(repo, "config", key, value)
    (repo / ".gitattributes").write_text("*.py diff=py\n")
    (repo / "app.py").write_text("a = 1\nb = 3\nc = 4\n")
    (repo / "gone.py").unlink()
    status = gitcmd.diff(repo, base, "--name-status", "-z").split(b"\0")
    assert status == [b"M", b"app.py", b"D", b"gone.py", b""], "untracked files are not in a diff"
    patch = gitcmd.diff(repo, base, "-U0", "--src-prefix=a/", "--dst-prefix=b/")
    assert b"+++ b/app.py\n" in patch and b"\n@@ -2 +2,2 @@" in patch and b"\x1b[" not in patch
    assert not marker.exists(), "the repository's config ran a program"
    with pytest.raises(gitcmd.GitError):
        gitcmd.diff(repo, "no-such-ref")


def test_blame_names_the_author_of_each_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a b.py": b"one\ntwo\nthree\n"})
    code, out = gitcmd.blame(repo, "a b.py", ["1,1", "3,3"])
    assert code == 0
    assert out.count(b"\nauthor-mail <ada@example.com>\n") == 1 and out.count(b"\n\t") + out.startswith(b"\t") == 2
    assert gitcmd.blame(repo, "missing.py", ["1,1"])[0] != 0


def test_run_keeps_output_bytes_and_reports_failures(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a.py": b"a\n"})
    code, out, _ = gitcmd.run(["rev-parse", "--show-toplevel"], repo)
    assert code == 0 and out == os.fsencode(str(repo.resolve())) + b"\n", "the trailing newline is kept"
    code, _, _ = gitcmd.run(["rev-parse", "--verify", "--quiet", "nope"], repo)
    assert code == 1
    code, out, _ = gitcmd.run(["hash-object", "--stdin"], repo, stdin=b"a\n")
    assert (code, out) == (0, _git(repo, "rev-parse", "HEAD:a.py"))
