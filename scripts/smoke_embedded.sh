#!/usr/bin/env bash
# Smoke test of the embedded mode: no PostgreSQL, no Redis. Migrates a temporary SQLite file, starts
# daphne on a free loopback port, checks the login page, the OpenAPI schema, the API docs and one
# static file, diagnoses a demo incident through the API (the run works in a thread of the server, with
# the model-free schema-filler backend) until it waits for approval or ends, then stops the server by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
workdir="$(mktemp -d)"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

unset REDIS_URL
export DJANGO_SETTINGS_MODULE=aoi_platform.settings.base
export DATABASE_URL="sqlite:///$workdir/aoi.sqlite3"
export AOI_AUDIT_CHECKPOINT_PATH="$workdir/audit-checkpoints.jsonl"
export AOI_LLM_BACKEND=schema-filler AOI_DEMO_PASSWORD=smoke-password

echo "--> migrating a fresh SQLite database"
"$PY" manage.py migrate --noinput --verbosity 0

port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
echo "--> starting daphne on $base"
"$VENV/bin/daphne" -b 127.0.0.1 -p "$port" aoi_platform.asgi:application >"$workdir/daphne.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$base/accounts/login/" 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "daphne exited early:" >&2
        cat "$workdir/daphne.log" >&2
        exit 1
    fi
    sleep 0.5
done

# check NAME URL EXPECTED_TEXT: a 200 answer whose body contains EXPECTED_TEXT.
check() {
    local body status
    body="$(curl -sS -w '\n%{http_code}' "$2")"
    status="${body##*$'\n'}"
    body="${body%$'\n'*}"
    if [[ "$status" != 200 ]] || [[ "$body" != *"$3"* ]]; then
        echo "FAIL $1: $2 answered $status, expected 200 containing '$3'" >&2
        cat "$workdir/daphne.log" >&2
        exit 1
    fi
    echo "ok   $1 ($2)"
}

check "login page" "$base/accounts/login/" "Sign in"
check "OpenAPI schema" "$base/api/schema/" "openapi:"
check "API docs" "$base/api/docs/" "swagger-ui"
check "static file" "$base/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" ".swagger-ui"

echo "--> seeding the demo, then diagnosing one of its incidents through the API"
"$PY" manage.py aoi_demo --base-url "$base" --quiet >/dev/null
json() { "$PY" -c "import json, sys; data = json.load(sys.stdin); print($1)"; }
token="$(curl -fsS -X POST -d username=responder -d password=smoke-password "$base/api/v1/auth/token/" | json 'data["token"]')"
auth=(-H "Authorization: Token $token")
incident="$(curl -fsS "${auth[@]}" "$base/api/v1/incidents/?status=open" \
    | json 'next(i["id"] for i in data["results"] if i["labels"].get("aoi_problem"))')"
curl -fsS -o /dev/null "${auth[@]}" -X POST "$base/api/v1/incidents/$incident/diagnose/"
run_status=""
for _ in $(seq 1 120); do
    run_status="$(curl -fsS "${auth[@]}" "$base/api/v1/incidents/$incident/runs/" | json 'data[0]["status"]')"
    if [[ "$run_status" == awaiting_approval || "$run_status" == finished ]]; then break; fi
    sleep 0.5
done
if [[ "$run_status" != awaiting_approval && "$run_status" != finished ]]; then
    echo "FAIL diagnosis: the run is still $run_status after 60 s" >&2
    cat "$workdir/daphne.log" >&2
    exit 1
fi
echo "ok   diagnosis (run $run_status)"

echo "--> stopping daphne (pid $server_pid)"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
echo "embedded mode: OK"
