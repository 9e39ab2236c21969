#!/usr/bin/env bash
# Installs the Vazirmatn webfont (SIL Open Font License) into static/fonts from the npm
# registry, for Streamlit's static serving. Safe to run again; fails quietly without npm.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "npm not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vazirmatn@33 >/dev/null 2>&1)
tar -xzf "$tmp"/vazirmatn-*.tgz -C "$tmp"
mkdir -p static/fonts
for w in Regular Bold; do
  cp "$tmp/package/fonts/webfonts/Vazirmatn-$w.woff2" static/fonts/
  cp "$tmp/package/fonts/ttf/Vazirmatn-$w.ttf" static/fonts/
done
cp "$tmp/package/OFL.txt" static/fonts/OFL.txt
echo "font: Vazirmatn installed in static/fonts"
