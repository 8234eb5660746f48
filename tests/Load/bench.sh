#!/usr/bin/env bash
# Measures our server the way docs/benchmarks.md records it: Release build, a throwaway PostgreSQL
# cluster (or SQLite with DB=sqlite), rate limits off and bcrypt at its minimum (a load run registers
# a thousand users), then the load tool with the server's pid. Usage:
#   tests/Load/bench.sh OUT.json [load tool options, e.g. --scenario sequential --messages 500]
# Build first: dotnet build src/Homeserver -c Release && dotnet build tests/Load -c Release
# The server's log of the last run is left in /tmp/hs-bench-server.log. SERVER_DLL runs another build of the server
# (e.g. a ReadyToRun publish, as the Dockerfile makes); SERVER_ENV adds environment settings (e.g. DOTNET_...=...).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1; shift
port=${PORT:-18008}
work=$(mktemp -d /tmp/hs-bench.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ "${DB:-postgres}" = postgres ] && postgres_throwaway_stop
  cp "$work/server.log" /tmp/hs-bench-server.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ "${DB:-postgres}" = postgres ]; then
  source scripts/postgres-throwaway.sh
  postgres_throwaway_start
  db=(--Homeserver:Database:Provider=Postgres "--Homeserver:Database:ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=hsbench")
else
  db=(--Homeserver:Database:Provider=Sqlite "--Homeserver:Database:ConnectionString=Data Source=$work/hs.db")
fi

env ${SERVER_ENV:-} dotnet "${SERVER_DLL:-src/Homeserver/bin/Release/net10.0/Matrix.Homeserver.dll}" \
  --Homeserver:ServerName=bench.localhost --Homeserver:Listeners:Client:Url=http://127.0.0.1:$port \
  --Homeserver:Federation:Enabled=false --Homeserver:Registration:Mode=Open --Homeserver:Registration:SharedSecret=bench-secret \
  --Homeserver:RateLimits:Enabled=false --Homeserver:Auth:BcryptRounds=4 \
  --Homeserver:Media:StorePath="$work/media" --Homeserver:SigningKeyPath="$work/signing.key" \
  "${db[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
uptime
dotnet tests/Load/bin/Release/net10.0/Load.dll --url "http://127.0.0.1:$port" --pid "$server_pid" --shared-secret bench-secret --json "$out" "$@"
uptime
