# shellcheck shell=bash
# Throw-away PostgreSQL cluster for the database tests; sourced by .ci/run (set -euo pipefail).
#
# Installs the Debian `postgresql` package if initdb/pg_ctl are missing, creates a cluster
# in a temp dir (as the `postgres` OS user when running as root: initdb refuses root),
# starts it on 127.0.0.1 with a free port and the socket in the temp dir, creates the
# database `govnews` and exports
#     GOVNEWS_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/govnews
# A trap stops the server (pg_ctl stop -m fast) and removes the dir when the shell exits.
# Also usable by hand:  source .ci/postgres.sh && python3 -m pytest -q -m postgres
# (the server then lives until that shell exits).

_govnews_pg_log() { echo "postgres.sh: $*" >&2; }

_govnews_pg_bindir() {
  local d
  # Debian keeps the server binaries off PATH, under /usr/lib/postgresql/<major>/bin.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r || true); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  local initdb pgctl
  initdb=$(command -v initdb 2>/dev/null || true)
  pgctl=$(command -v pg_ctl 2>/dev/null || true)
  if [ -n "$initdb" ] && [ -n "$pgctl" ]; then dirname "$(readlink -f "$pgctl")"; return 0; fi
  return 1
}

_govnews_pg_install() {
  local sudo="" added_policy=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
      _govnews_pg_log "PostgreSQL is not installed and this is not root (apt-get install postgresql)"; return 1
    fi
  fi
  _govnews_pg_log "installing the Debian postgresql package (apt-get)"
  # No init system in a container: keep the package's own 'main' cluster from being started.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local rc=0
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null; } || rc=$?
  if [ -n "$added_policy" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

_govnews_pg_free_port() {
  python3 - "$1" <<'PY'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 200):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        sys.exit(0)
sys.exit("no free port in %d-%d" % (start, start + 199))
PY
}

# Run a PostgreSQL binary as the cluster owner (from a directory it can read).
_govnews_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- "$@")
    else
      (cd / && su postgres -s /bin/sh -c '"$0" "$@"' "$@")
    fi
  else
    "$@"
  fi
}

_govnews_pg_cleanup() {
  if [ -n "${GOVNEWS_PG_DIR:-}" ] && [ -d "$GOVNEWS_PG_DIR" ]; then
    if [ -f "$GOVNEWS_PG_DIR/data/postmaster.pid" ]; then
      _govnews_pg_as_owner "$GOVNEWS_PG_BIN/pg_ctl" -D "$GOVNEWS_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$GOVNEWS_PG_DIR" || true
  fi
  GOVNEWS_PG_DIR=""
}

_govnews_pg_start() {
  local bin dir port
  if ! bin=$(_govnews_pg_bindir); then
    _govnews_pg_install
    bin=$(_govnews_pg_bindir) || { _govnews_pg_log "initdb/pg_ctl not found after installing postgresql"; return 1; }
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  # As root the server runs as `postgres`, which must reach the dir: use /tmp, not a private TMPDIR.
  if [ "$(id -u)" = 0 ]; then dir=$(mktemp -d /tmp/govnews-pg.XXXXXX); else dir=$(mktemp -d "${TMPDIR:-/tmp}/govnews-pg.XXXXXX"); fi
  GOVNEWS_PG_DIR=$dir
  GOVNEWS_PG_BIN=$bin
  # Stop the server and remove the dir whenever the sourcing shell exits (also on Ctrl-C / TERM).
  trap '_govnews_pg_cleanup' EXIT
  trap '_govnews_pg_cleanup; trap - EXIT; exit 130' INT
  trap '_govnews_pg_cleanup; trap - EXIT; exit 143' TERM
  chmod 700 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  port=$(_govnews_pg_free_port "${GOVNEWS_PG_PORT:-54329}")
  _govnews_pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || _govnews_pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  if ! _govnews_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
    cat "$dir/server.log" >&2 || true
    return 1
  fi
  _govnews_pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres govnews
  export GOVNEWS_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/govnews"
  _govnews_pg_log "PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir); GOVNEWS_PG_URL=$GOVNEWS_PG_URL"
}

_govnews_pg_start
