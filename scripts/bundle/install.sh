#!/bin/sh
# Installs Bimeyar from this folder with no network at all, prepares the database and starts the
# app on port 8501. Usage:
#   ./install.sh [--demo] [--no-start] [--port N]
#     --demo      fill an empty database with demo data and the demo accounts (for trying it out)
#     --no-start  install and prepare the database only (e.g. when systemd starts the app; see deploy/)
# The database is BIMEYAR_DATABASE_URL when set (postgresql://… for a multi-user deployment),
# otherwise the SQLite file app/data/bimeyar.db. PYTHON picks the interpreter (default python3).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APP="$HERE/app"
VENV="$APP/.venv"
PYTHON=${PYTHON:-python3}
PORT=8501
DEMO=""
START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) DEMO="--demo" ;;
    --no-start) START="" ;;
    --port) shift; PORT="$1" ;;
    *) echo "install.sh: unknown option $1 (see the first lines of this file)" >&2; exit 2 ;;
  esac
  shift
done

command -v "$PYTHON" >/dev/null 2>&1 || { echo "install.sh: $PYTHON not found; install Python 3.11–3.13 or set PYTHON" >&2; exit 1; }
PYV=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if ! grep -qx "$PYV" "$HERE/wheels/PYTHONS"; then
  echo "install.sh: this bundle has wheels for Python $(tr '\n' ' ' < "$HERE/wheels/PYTHONS")but $PYTHON is $PYV" >&2
  exit 1
fi

if [ ! -x "$VENV/bin/bimeyar" ]; then
  echo "== installing into $VENV (from $HERE/wheels only; no network is used)"
  "$PYTHON" -m venv "$VENV"
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$HERE/wheels" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$VENV/bin/pip" install --quiet --no-index --find-links "$HERE/wheels" -e "$APP"
fi

echo "== database: migrate and load reference data"
cd "$APP"
"$VENV/bin/bimeyar" init $DEMO

if [ -z "$START" ]; then
  echo "installed; start with: cd $APP && $VENV/bin/python app.py --server.port $PORT"
  exit 0
fi
echo "== starting on port $PORT"
exec "$VENV/bin/python" app.py --server.port "$PORT"
