#!/usr/bin/env bash
# Install (first time) and start Marginalia. Extra arguments go to `python -m bot`,
# e.g. `bash scripts/run.sh sandbox` to try it in a browser without Discord.
set -euo pipefail
project="$(cd "$(dirname "$0")/.." && pwd)"
source "$project/scripts/_venv.sh"

# A PostgreSQL database configured (in the environment or .env) needs the postgres extra.
postgres_configured() {
    [[ "${MARGINALIA_DATABASE_URL:-${DATABASE_URL:-}}" == postgres* ]] && return 0
    [ -f "$project/.env" ] \
        && grep -Eq '^[[:space:]]*(MARGINALIA_)?DATABASE_URL[[:space:]]*=[[:space:]]*["'"'"']?postgres' \
            "$project/.env"
}

if [ "${1:-}" = "sandbox" ]; then
    (cd "$project" && ensure_venv "[sandbox]")   # the browser preview of a simulated Discord
elif [ "${1:-}" = "copy" ] || [[ " $* " == *" postgres"*"://"* ]] || postgres_configured; then
    (cd "$project" && ensure_venv "[postgres]")  # asyncpg, to reach a PostgreSQL database
else
    (cd "$project" && ensure_venv "")
fi
# Byte-compile the bot's own modules (pip did its dependencies' at install): every later
# start loads them instead of compiling ~100 files, even where PYTHONDONTWRITEBYTECODE
# is set. Only changed files are compiled again.
"$project/.venv/bin/python" -m compileall -q "$project/bot" "$project/cogs" >/dev/null || true
# Run from the caller's folder, so paths they type (--database, -o, a backup's PATH) mean
# what they see; .env and the default database are found from the project itself.
# -P: the caller's folder is not put on the import path (a folder named "bot" there).
exec "$project/.venv/bin/python" -P -m bot "$@"
