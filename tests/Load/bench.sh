#!/usr/bin/env bash
# Measures our server the way docs/benchmarks.md records it: Release build, a throwaway PostgreSQL
# cluster (or SQLite with DB=sqlite), rate limits off and bcrypt at its minimum (a load run registers
# a thousand users), then the load tool with the server's pid. Usage:
#   tests/Load/bench.sh OUT.json [load tool options, e.g. --scenario sequential --messages 500]
# Build first: dotnet build src/Homeserver -c Release && dotnet build tests/Load -c Release
# The server's log of the last run is left in /tmp/hs-bench-server.log. SERVER_DLL runs another build of the server
# (e.g. a ReadyToRun publish, as the Dockerfile makes). The server runs with the launch profile's environment (the
# collector's budgets, as `dotnet run` and the Dockerfile set them; PROFILE_ENV=0 leaves it out); SERVER_ENV adds
# environment settings after it (e.g. DOTNET_...=...).
# METRICS=1 turns the server's metrics on and passes them to the load tool: the fanout then reports what the server
# allocated per message and how long its collector paused it (the metrics' own recording costs a little CPU per request, so it is off by default).
# REMOTE=1 (PostgreSQL only) also starts a second server, remote.localhost, federating with the first over TLS on
# loopback (a throwaway CA made with openssl), and passes it as --remote-url: the delivery scenario's room then has a
# member on another server, as a room shared with a partner's server does (and the inbound scenario has that member
# send, so messages come in over federation). REMOTE_FREEZE_AFTER=SECONDS then stops that
# server (SIGSTOP) so many seconds after the load tool starts: a partner's server that no longer answers, whose
# processing no longer shares these cores; every message is still queued for it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1; shift
port=${PORT:-18008}
work=$(mktemp -d /tmp/hs-bench.XXXXXX)
server_pid=
remote_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$remote_pid" ] && kill -CONT "$remote_pid" 2>/dev/null && kill "$remote_pid" 2>/dev/null && wait "$remote_pid" 2>/dev/null || true
  [ "${DB:-postgres}" = postgres ] && postgres_throwaway_stop
  cp "$work/server.log" /tmp/hs-bench-server.log 2>/dev/null || true
  [ -n "${REMOTE:-}" ] && cp "$work/remote.log" /tmp/hs-bench-remote.log 2>/dev/null || true
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

server_dll=${SERVER_DLL:-src/Homeserver/bin/Release/net10.0/Matrix.Homeserver.dll}
server_env=()
[ "${PROFILE_ENV:-1}" = 0 ] || read -ra server_env < <(python3 -c 'import json, sys
print(" ".join(f"{k}={v}" for k, v in json.load(open(sys.argv[1]))["profiles"]["Homeserver"]["environmentVariables"].items()))' \
  src/Homeserver/Properties/launchSettings.json)
read -ra extra_env <<<"${SERVER_ENV:-}"
server_env+=("${extra_env[@]}")
metrics=() metrics_on=false
[ -n "${METRICS:-}" ] && metrics=(--metrics-url "http://127.0.0.1:$port/metrics") metrics_on=true
common=(--Homeserver:Metrics:Enabled=$metrics_on --Homeserver:Registration:Mode=Open --Homeserver:Registration:SharedSecret=bench-secret
  --Homeserver:RateLimits:Enabled=false --Homeserver:Auth:BcryptRounds=4)
federation=(--Homeserver:Federation:Enabled=false)
remote_args=()
if [ -n "${REMOTE:-}" ]; then
  fed_port=$((port + 1)); remote_port=$((port + 2)); remote_fed_port=$((port + 3))
  (cd "$work" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    for name in bench.localhost remote.localhost; do
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $name.key -out $name.csr -subj "/CN=$name" 2>/dev/null
      printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' $name >$name.ext
      openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $name.crt -days 2 -extfile $name.ext 2>/dev/null
    done)
  overrides=(--Homeserver:Federation:ResolverOverrides:bench.localhost=127.0.0.1:$fed_port
    --Homeserver:Federation:ResolverOverrides:remote.localhost=127.0.0.1:$remote_fed_port --Homeserver:Federation:TrustedCaPath=$work/ca.crt)
  federation=(--Homeserver:Federation:Enabled=true --Homeserver:Listeners:Federation:Url=https://127.0.0.1:$fed_port
    --Homeserver:Listeners:Federation:CertificatePath=$work/bench.localhost.crt --Homeserver:Listeners:Federation:CertificateKeyPath=$work/bench.localhost.key
    "${overrides[@]}")
  env "${server_env[@]}" dotnet "$server_dll" --Homeserver:ServerName=remote.localhost --Homeserver:Listeners:Client:Url=http://127.0.0.1:$remote_port \
    --Homeserver:Federation:Enabled=true --Homeserver:Listeners:Federation:Url=https://127.0.0.1:$remote_fed_port \
    --Homeserver:Listeners:Federation:CertificatePath=$work/remote.localhost.crt --Homeserver:Listeners:Federation:CertificateKeyPath=$work/remote.localhost.key \
    "${overrides[@]}" "${common[@]}" --Homeserver:Media:StorePath="$work/remote-media" --Homeserver:SigningKeyPath="$work/remote-signing.key" \
    --Homeserver:Database:Provider=Postgres "--Homeserver:Database:ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=hsbench_remote" \
    >"$work/remote.log" 2>&1 &
  remote_pid=$!
  remote_args=(--remote-url "http://127.0.0.1:$remote_port")
fi

env "${server_env[@]}" dotnet "$server_dll" \
  --Homeserver:ServerName=bench.localhost --Homeserver:Listeners:Client:Url=http://127.0.0.1:$port "${federation[@]}" "${common[@]}" \
  --Homeserver:Media:StorePath="$work/media" --Homeserver:SigningKeyPath="$work/signing.key" \
  "${db[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
if [ -n "$remote_pid" ]; then
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$remote_port/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
fi
uptime
[ -n "$remote_pid" ] && [ -n "${REMOTE_FREEZE_AFTER:-}" ] && (sleep "$REMOTE_FREEZE_AFTER"; kill -STOP "$remote_pid") &
# The cluster's postmaster: the send scenarios report PostgreSQL's CPU time per send too (its backends included).
db_pid=()
[ "${DB:-postgres}" = postgres ] && db_pid=(--db-pid "$(head -1 "$PG_TMP/data/postmaster.pid")")
dotnet tests/Load/bin/Release/net10.0/Load.dll --url "http://127.0.0.1:$port" --pid "$server_pid" "${db_pid[@]}" --shared-secret bench-secret \
  --json "$out" "${remote_args[@]}" "${metrics[@]}" "$@"
uptime
