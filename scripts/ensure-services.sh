#!/usr/bin/env bash
# Starts the local services the test suite talks to, each only if it is down:
# PostgreSQL (127.0.0.1:5432), Mosquitto (127.0.0.1:1883) and NATS JetStream (127.0.0.1:4222).
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; echo "service on port $1 did not start" >&2; return 1; }

if ! up 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for 5432 || exit 1
fi
# The suite connects as postgres@127.0.0.1 without a password (CITYSAFE_TEST_POSTGRES_URL changes that). A
# fresh Debian cluster asks loopback TCP clients for one: the postgres role is let in from 127.0.0.1 alone.
if [ -z "${CITYSAFE_TEST_POSTGRES_URL:-}" ] && ! psql -w -h 127.0.0.1 -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
  hba="$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | head -n1)"
  if [ -n "$hba" ] && [ -w "$hba" ]; then
    echo "letting postgres@127.0.0.1 in without a password for the test suite ($hba)"
    sed -i '1i host all postgres 127.0.0.1/32 trust  # citysafe test suite (scripts/ensure-services.sh)' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main reload || true
  else
    echo "PostgreSQL does not let postgres@127.0.0.1 in: set CITYSAFE_TEST_POSTGRES_URL" >&2
  fi
fi
if ! up 1883; then
  echo "starting Mosquitto"
  # Debian's mosquitto.conf writes its pid to /run/mosquitto, which only systemd makes (RuntimeDirectory=):
  # without systemd (a container, a chroot) the broker would stop at once.
  [ -d /run/mosquitto ] || install -d -o mosquitto -g mosquitto /run/mosquitto 2>/dev/null || mkdir -p /run/mosquitto
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
  wait_for 1883 || exit 1
fi
if ! up 4222; then
  echo "starting NATS"
  mkdir -p /var/lib/nats-server  # JetStream's store; the package makes no directory of its own
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server || true
  wait_for 4222 || exit 1
fi
