#!/usr/bin/env bash
# Install (first time) and start Marginalia. Extra arguments go to `python -m bot`,
# e.g. `bash scripts/run.sh export --excerpt 3 --format docx -o digest.docx`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ""
exec .venv/bin/python -m bot "$@"
