#!/usr/bin/env bash
# Install (first time) with the test tools, then run the whole test suite with pytest.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "[test]"
exec .venv/bin/python -m pytest "$@"
