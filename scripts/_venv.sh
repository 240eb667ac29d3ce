# Sourced by run.sh and test.sh: make .venv (once) and install the project into it.
# Usage, from the project's folder: ensure_venv "" | ensure_venv "[test]"
#
# The install is editable, so code changes need no reinstall; only a changed
# pyproject.toml (dependencies, extras) does. A stamp in .venv records the hash of
# pyproject.toml and the extras installed with it, so most runs skip pip entirely.
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "Marginalia needs Python 3.11 or newer; set PYTHON=/path/to/python3.11." >&2
            exit 2
        fi
        "$python" -m venv .venv
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    fi
    local stamp=.venv/.marginalia-installed
    local hash
    hash="$(.venv/bin/python -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
    # Plain "" is satisfied by any install of this pyproject.toml (extras only add).
    if [ -f "$stamp" ] && { grep -qxF "$hash $extras" "$stamp" \
        || { [ -z "$extras" ] && grep -q "^$hash " "$stamp"; }; }; then
        return 0
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
    # Keep the other extras installed from the same pyproject.toml, drop stale lines.
    { grep "^$hash " "$stamp" 2>/dev/null || true; echo "$hash $extras"; } > "$stamp.new"
    mv "$stamp.new" "$stamp"
}
