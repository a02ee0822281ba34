#!/usr/bin/env bash
# `make demo` on a port of its own until its health check answers (at most 5 minutes), then stops it: the
# fresh-machine proof's last step (scripts/fresh-machine.sh). Exit 0 only if the demo city answered.
set -uo pipefail
PORT="${PORT:-8765}"
mkdir -p var
setsid make demo PORT="$PORT" > var/demo-answers.log 2>&1 &
demo=$!
for _ in $(seq 1 300); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/api/v1/health', timeout=2)" 2>/dev/null; then
    echo "the demo city answers on port $PORT"; kill -- "-$demo" 2>/dev/null; exit 0
  fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 1
done
echo "the demo did not answer; the end of its log:" >&2; tail -20 var/demo-answers.log >&2
kill -- "-$demo" 2>/dev/null; exit 1
