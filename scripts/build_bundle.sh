#!/usr/bin/env bash
# `make bundle`: one archive that installs Bimeyar on a Linux x86-64 machine with no network.
#
# Run on a machine that reaches the package registries, after `make setup`. The archive holds
#   install.sh      installs into ./app/.venv from ./wheels only, prepares the database, starts the app
#   app/            the project as committed (git archive HEAD) plus the Vazirmatn font
#   wheels/         every wheel the app needs, for each Python in BUNDLE_PYTHONS, with the versions
#                   of the tested virtual environment (.venv) as constraints
#   INSTALL.txt     the steps, for the administrator of the target machine
# Environment: BUNDLE_PYTHONS (default "3.11 3.12 3.13"), BUNDLE_OUT (default dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PYTHONS=${BUNDLE_PYTHONS:-"3.11 3.12 3.13"}
OUT=${BUNDLE_OUT:-dist}
VERSION=$($PY -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
if git rev-parse --git-dir >/dev/null 2>&1; then
  COMMIT=$(git rev-parse --short HEAD)
else
  COMMIT=tree  # not a git checkout (an unpacked copy): the working tree is packed as it is
fi
NAME="bimeyar-$VERSION-$COMMIT"

[ -x "$PY" ] || { echo "bundle: run 'make setup' first" >&2; exit 1; }
[ -f static/fonts/Vazirmatn-Regular.woff2 ] || { echo "bundle: the font is missing (make font)" >&2; exit 1; }
if [ "$COMMIT" != tree ] && ! git diff --quiet HEAD -- . ':!dist'; then
  echo "bundle: note: uncommitted changes are NOT in the bundle (it packs HEAD $COMMIT)" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/$NAME"
mkdir -p "$root/app" "$root/wheels"

echo "== app: $COMMIT + font"
if [ "$COMMIT" = tree ]; then
  tar -c --exclude=./.venv --exclude=./data --exclude=./dist --exclude=./test-artifacts --exclude='*.egg-info' \
      --exclude=__pycache__ --exclude=./.hypothesis --exclude=./.pytest_cache --exclude=./static/fonts -f - . \
    | tar -x -C "$root/app"
else
  git archive --format=tar HEAD | tar -x -C "$root/app"
fi
mkdir -p "$root/app/static/fonts"
cp static/fonts/*.woff2 static/fonts/*.ttf static/fonts/OFL.txt "$root/app/static/fonts/"

echo "== wheels"
# The versions tested here are the constraints; the project itself is installed from app/.
$PY -m pip freeze --exclude-editable | grep -v '^-e ' > "$work/constraints.txt"
$PY - > "$work/requirements.txt" <<'EOF'
import tomllib
for dep in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    print(dep)
print("setuptools>=68")  # the build backend of app/ (pip builds it offline from wheels/)
EOF
for v in $PYTHONS; do
  echo "   Python $v"
  $PY -m pip download --quiet --dest "$root/wheels" --only-binary=:all: \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    --implementation cp --python-version "$v" \
    -r "$work/requirements.txt" -c "$work/constraints.txt" \
    || $PY -m pip download --quiet --dest "$root/wheels" --only-binary=:all: \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
      --implementation cp --python-version "$v" -r "$work/requirements.txt"
done
printf '%s\n' $PYTHONS > "$root/wheels/PYTHONS"

cp scripts/bundle/install.sh "$root/install.sh"
cp scripts/bundle/INSTALL.txt "$root/INSTALL.txt"
chmod 0755 "$root/install.sh"

mkdir -p "$OUT"
tar -C "$work" -czf "$OUT/$NAME.tar.gz" "$NAME"
( cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256" )
echo "bundle: $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1); wheels for Python $PYTHONS)"
