# Sourced by run.sh and test.sh: make .venv (once) and install the project into it.
# Usage: ensure_venv "" | ensure_venv "[test]"
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Marginalia needs Python 3.11 or newer; set PYTHON=/path/to/python3.11." >&2
        exit 2
    fi
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
}
