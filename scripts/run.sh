#!/usr/bin/env bash
# Serve the platform with demo data (`make run`): migrate, collect static files, seed the demo, then
# daphne for HTTP and WebSocket. With REDIS_URL set, a Celery worker (with beat) runs alongside;
# without it, tasks run in-process (embedded mode) and `manage.py run_periodic` plays beat. Either
# background process is stopped with the server.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
if [[ "$HOST" == *:* ]]; then base_url="http://[$HOST]:$PORT"; else base_url="http://$HOST:$PORT"; fi

if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "==> Database: the one DATABASE_URL names"
else
    echo "==> Database: SQLite file var/aoi.sqlite3 (embedded; set DATABASE_URL for PostgreSQL)"
fi
echo "==> Applying migrations"
"$PY" manage.py migrate --noinput
echo "==> Collecting static files"
"$PY" manage.py collectstatic --noinput --verbosity 0
echo "==> Seeding the demo"
"$PY" manage.py aoi_demo --base-url "$base_url"

background_pids=()
# Newest first: the server stops before the processes it hands work to.
stop_background() {
    local i pid
    for ((i = ${#background_pids[@]} - 1; i >= 0; i--)); do
        pid="${background_pids[i]}"
        if kill -0 "$pid" 2>/dev/null; then
            echo "==> Stopping process $pid"
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${REDIS_URL:-}" ]]; then
    echo "==> Starting a Celery worker (queues default, agents, executor, training; beat included)"
    "$VENV/bin/celery" -A aoi_platform worker -B -Q default,agents,executor,training --concurrency 2 \
        --schedule var/celerybeat-schedule --loglevel INFO &
    background_pids+=($!)
else
    echo "==> REDIS_URL not set: embedded mode (tasks run in-process, in-memory channel layer)"
    echo "==> Starting the periodic tasks in-process (manage.py run_periodic)"
    "$PY" manage.py run_periodic &
    background_pids+=($!)
fi

echo
echo "==> AOI Platform on $base_url/  (Ctrl-C stops it)"
echo
# In the background and waited for, so that a signal to this script stops everything at once.
"$VENV/bin/daphne" -b "$HOST" -p "$PORT" aoi_platform.asgi:application &
background_pids+=($!)
wait "${background_pids[-1]}"
