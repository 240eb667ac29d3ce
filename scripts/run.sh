#!/usr/bin/env bash
# Install (first time) and start Marginalia. Extra arguments go to `python -m bot`,
# e.g. `bash scripts/run.sh sandbox` to try it in a browser without Discord.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
if [ "${1:-}" = "sandbox" ]; then
    ensure_venv "[sandbox]"   # the browser preview of a simulated Discord
else
    ensure_venv ""
fi
exec .venv/bin/python -m bot "$@"
