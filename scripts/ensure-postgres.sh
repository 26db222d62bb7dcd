#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is answering. On this kind of machine it is a
# local Debian cluster with trust auth; start it if it is stopped. The tests create and drop
# their own database on it.
set -euo pipefail
host=${STORE_TEST_PG_HOST:-127.0.0.1}
port=${STORE_TEST_PG_PORT:-5432}
if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  echo "postgresql: answering on $host:$port"
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "postgresql: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && { echo "postgresql: answering on $host:$port"; exit 0; }
    sleep 1
  done
fi
echo "postgresql: not answering on $host:$port; install PostgreSQL or set STORE_TEST_POSTGRES" >&2
exit 1
