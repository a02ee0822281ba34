#!/usr/bin/env bash
# Proves issue #16 point 1 on this machine: the README's commands on a Debian machine that has only Python.
#
#   sudo scripts/fresh-machine.sh [ROOT]      (default ROOT=/srv/citysafe-fresh; needs debootstrap, ~1 GB)
#
# 1. debootstrap a minimal Debian bookworm with python3, python3-venv, make, git and sudo — no PostgreSQL,
#    Mosquitto, NATS, Chromium or fonts — with the usual chroot rule that package scripts start no services
#    (policy-rc.d), as on a container image;
# 2. clone this repository's HEAD into it and run, with the network, what `make test` runs first:
#    scripts/ensure-system.sh test (apt) and the venv;
# 3. then, in a network namespace of its own (its own loopback: the host's services are invisible), run
#    scripts/ensure-services.sh, which must start PostgreSQL, Mosquitto and NATS itself, and the tests that talk
#    to each of them (PostgreSQL, MQTT, NATS JetStream, Chromium), then `citysafe demo`'s health check.
# The last line printed is one JSON object with the outcome of each step and its seconds.
set -euo pipefail
ROOT="${1:-/srv/citysafe-fresh}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SERVICE_TESTS=(tests/firewatch/test_gw_nats.py tests/cli/test_db_backup.py tests/firewatch/test_fw_mqtt_delivery.py
               tests/e2e/test_console_english.py)
declare -A seconds
step() { local name="$1"; shift; local t0=$SECONDS; "$@"; seconds[$name]=$((SECONDS - t0)); }

in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 bash -lc "$1"; }

mounts() {
  for fs in proc sys dev dev/pts; do
    mountpoint -q "$ROOT/$fs" || mount --rbind "/$fs" "$ROOT/$fs"
  done
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # The network's own trust: where egress goes through a TLS-inspecting proxy, its CA is what the host trusts
  # too (a site fact, not a project one); nothing else of the host's set-up (pip indexes, wheels) goes in.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    chroot "$ROOT" update-ca-certificates >/dev/null
  fi
}
unmount() { for fs in dev/pts dev sys proc; do umount -R "$ROOT/$fs" 2>/dev/null || true; done; }
trap unmount EXIT

bootstrap() {
  if [ ! -x "$ROOT/usr/bin/python3" ]; then
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,make,git,ca-certificates,sudo \
      bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
  fi
  printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d" && chmod +x "$ROOT/usr/sbin/policy-rc.d"
  rm -rf "$ROOT/root/citysafe" && git clone -q "$REPO" "$ROOT/root/citysafe"
}

install() { in_root "cd /root/citysafe && scripts/ensure-system.sh test && make .venv/.installed"; }

isolated() {
  # Its own network namespace: the loopback is brought up, nothing else; the host's PostgreSQL, Mosquitto and
  # NATS on 127.0.0.1 are not there, so everything the tests reach was started by the project's own script.
  # Its own PID namespace too: the services it starts end with it, and nothing in it can signal the host's.
  printf 'mount -t proc proc /proc\n%s\n' "$1" > "$ROOT/root/step.sh"
  unshare --net --pid --mount --fork bash -c "ip link set lo up && chroot '$ROOT' /usr/bin/env -i HOME=/root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 bash -l /root/step.sh"
}

services_and_tests() {
  # Installed beside the host's own PostgreSQL, the package made its cluster on 5433 (pg_createcluster takes the
  # next free port). A fresh machine has 5432 free: make the cluster again as the package would have there.
  isolated 'if ! grep -qs "^port = 5432" /etc/postgresql/*/main/postgresql.conf; then v=$(ls /etc/postgresql); \
    pg_dropcluster --stop $v main && pg_createcluster $v main >/dev/null; fi'
  isolated "cd /root/citysafe && scripts/ensure-services.sh && .venv/bin/pytest -q -p no:cacheprovider \
    ${SERVICE_TESTS[*]} && scripts/demo-answers.sh"
}

step bootstrap bootstrap
mounts
step install install
step services_and_tests services_and_tests
printf '{"root": "%s", "bootstrap_s": %d, "install_s": %d, "services_and_tests_s": %d, "ok": true}\n' \
  "$ROOT" "${seconds[bootstrap]}" "${seconds[install]}" "${seconds[services_and_tests]}"
