#!/usr/bin/env bash
# The Redis and PostgreSQL servers the tests of the distributed backend use: throwaway instances on loopback ports of
# their own, in a scratch folder, with nothing kept. `start` starts both and prints the two variables the tests read
# (eval it); `stop` stops both and removes the folder. Used by scripts/test.sh.
set -euo pipefail
dir="${FACECLIP_SERVICES_DIR:-${TMPDIR:-/tmp}/faceclip-test-services}"
redis_port="${FACECLIP_TEST_REDIS_PORT:-56379}"
pg_port="${FACECLIP_TEST_POSTGRES_PORT:-55432}"
log() { printf '[services] %s\n' "$*" >&2; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
# PostgreSQL refuses to run as root: under root it runs as the postgres user the package creates.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop() {
  if [ -f "$dir/redis.pid" ]; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  fi
  if [ -d "$dir/pg" ] && [ -n "$(pg_bin)" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

start() {
  command -v redis-server >/dev/null || { log "redis-server is not installed (scripts/setup.sh --tests installs it)"; exit 1; }
  [ -n "$(pg_bin)" ] || { log "PostgreSQL is not installed (scripts/setup.sh --tests installs it)"; exit 1; }
  stop
  mkdir -p "$dir/pg" "$dir/socket"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg" "$dir/socket"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
  as_pg "$(pg_bin)/initdb" -D "$dir/pg" -U faceclip --auth=trust -E UTF8 --no-instructions >/dev/null
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/pg" -l "$dir/socket/postgres.log" -w -t 60 \
    -o "-p $pg_port -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -p "$redis_port" ping >/dev/null
  log "Redis on 127.0.0.1:$redis_port, PostgreSQL on 127.0.0.1:$pg_port"
  echo "export FACECLIP_TEST_REDIS=127.0.0.1:$redis_port"
  echo "export FACECLIP_TEST_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=faceclip;Database=postgres'"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
