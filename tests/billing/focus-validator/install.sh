#!/usr/bin/env bash
# Build the venv that tests/billing/test_focus_validator.py runs the FinOps Foundation's focus-validator
# from (.ci/run calls this; a developer may too). The validator needs Python 3.12 (Requires-Python
# >=3.12) and the project runs on 3.11, so it gets a venv of its own; its pinned set is requirements.txt
# beside this file. Idempotent: a venv already built from the same requirements.txt is kept.
#
#   tests/billing/focus-validator/install.sh        -> .venv-focus-validator/bin/focus-validator
#
# Python 3.12 is looked for as $FOCUS_VALIDATOR_PYTHON, python3.12 on PATH, pyenv's 3.12.x (the
# machine image ships one), then `uv python find 3.12`. Debian 12 packages no 3.12, and `uv python
# install` cannot download an interpreter on a machine that reaches only the package registries.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
venv="${FOCUS_VALIDATOR_VENV:-$repo/.venv-focus-validator}"
requirements="$here/requirements.txt"

is_312() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }

find_python() {
    local candidate pyenv_root
    pyenv_root="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "${HOME:-/root}/.pyenv")}"
    for candidate in "${FOCUS_VALIDATOR_PYTHON:-}" "$(command -v python3.12 || true)" \
                     "$pyenv_root"/versions/3.12*/bin/python3.12; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && is_312 "$candidate"; then echo "$candidate"; return 0; fi
    done
    if command -v uv >/dev/null && candidate="$(uv python find 3.12 2>/dev/null)" && is_312 "$candidate"; then
        echo "$candidate"; return 0
    fi
    return 1
}

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/focus-validator" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "focus-validator: $venv is up to date"
    exit 0
fi
if ! python="$(find_python)"; then
    echo "focus-validator: no Python 3.12 found (set FOCUS_VALIDATOR_PYTHON to one)" >&2
    exit 1
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" 2> >(grep -v "^WARNING: Location" >&2)
echo "$want" > "$stamp"
echo "focus-validator: installed $("$venv/bin/pip" show focus-validator 2>/dev/null | sed -n 's/^Version: //p') with $("$python" --version) in $venv"
