# Sourced by scripts/test. Starts a throwaway PostgreSQL cluster in a temp dir on a free loopback
# port and exports HOMESERVER_TEST_PG (an admin connection string); the tests create and drop one
# database per server they start. Installs Debian's postgresql with apt when it is missing.
# A trap in the caller runs postgres_throwaway_stop.
# PG_EXTRA_OPTS adds server settings, e.g. for profiling a load run:
#   PG_EXTRA_OPTS="-c shared_preload_libraries=pg_stat_statements" tests/Load/bench.sh ...

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

# A loopback port nobody listens on now (the cluster's, a test server's).
free_loopback_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

postgres_throwaway_start() {
  local bin
  if ! bin=$(pg_bin_dir); then
    echo "postgres: installing Debian's postgresql (apt-get)" >&2
    if [ "$(id -u)" -ne 0 ]; then echo "postgres: not root; install postgresql first" >&2; return 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin_dir) || { echo "postgres: install failed" >&2; return 1; }
  fi

  PG_TMP=$(mktemp -d /tmp/hs-pg.XXXXXX)
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: run the cluster as the postgres user the package created.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_TMP"
    run_as=(runuser -u postgres --)
  fi

  PG_PORT=$(free_loopback_port)
  "${run_as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PG_EXTRA_OPTS:-}" start >/dev/null \
    || { cat "$PG_TMP/server.log" >&2; return 1; }
  PG_CTL="$bin/pg_ctl"
  PG_RUN_AS=("${run_as[@]}")
  export HOMESERVER_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=false"
  echo "postgres: throwaway cluster on 127.0.0.1:$PG_PORT" >&2
}

postgres_throwaway_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_RUN_AS[@]}" "$PG_CTL" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=
}
