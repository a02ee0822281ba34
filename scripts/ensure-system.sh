#!/usr/bin/env bash
# Installs the Debian packages a command needs, only when missing. Usage: ensure-system.sh demo|test
set -euo pipefail
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# WeasyPrint renders PDFs with Pango; a CJK font makes Chinese text render in them and in screenshots.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk; do have "$pkg" || need+=("$pkg"); done
if [ "${1:-}" = "test" ]; then
  # libatomic1: the node that Playwright ships links it, and a minimal Debian lacks it.
  for pkg in chromium poppler-utils libatomic1; do have "$pkg" || need+=("$pkg"); done
  # The services the suite talks to (scripts/ensure-services.sh starts them), unless this machine has its own:
  # PostgreSQL (and its client tools: pg_dump for `citysafe db backup`), Mosquitto, NATS with JetStream.
  [ -x /usr/bin/pg_ctlcluster ] || have postgresql || need+=(postgresql)
  command -v pg_dump >/dev/null 2>&1 || have postgresql-client || need+=(postgresql-client)
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
  [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
  # nginx in front of several web processes (deploy/nginx, tests/deploy): the suite runs its own on a loopback
  # port from a configuration in its temporary directory, never the system's service.
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
