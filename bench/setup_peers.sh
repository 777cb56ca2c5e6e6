#!/usr/bin/env bash
# Create bench/.venv-peers and install the peer tools listed in bench/peers.txt.
# Separate from the project's .venv so that peers never change what datacard runs with.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r "$here/peers.txt"
# A smoke test: every peer imports and runs on a tiny frame.
"$venv/bin/python" "$here/peers_smoke.py"
touch "$venv/.installed"
