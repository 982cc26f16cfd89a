#!/usr/bin/env bash
# The VS Code end-to-end test (see run.py): installs code-server, Chromium and Playwright
# into a cache outside the clone (install.sh), builds `pluto` (the dev profile, as
# `cargo test` does; PLUTO_E2E_RELEASE=1 for the release one) and the `.vsix`, then
# drives a real VS Code on examples/shop. Screenshots: target/vscode-e2e/. Exit 0 when
# every step passed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
cache="${PLUTO_E2E_CACHE:-$HOME/.cache/pluto-vscode-e2e}"
bash "$repo/editors/vscode/e2e/install.sh"
if [ -n "${PLUTO_E2E_RELEASE:-}" ]; then profile=release; else profile=debug; fi
(cd "$repo" && cargo build -p pluto_cli $([ "$profile" = release ] && echo --release))
(
    cd "$repo/editors/vscode"
    [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
    npm run --silent package >/dev/null
)
export PATH="$cache/bin:$PATH"
python3 "$repo/editors/vscode/e2e/run.py" \
    "$cache/node_modules/.bin/code-server" \
    "$repo/target/$profile/pluto" \
    "$repo/editors/vscode/pluto.vsix" \
    "$repo/examples/shop" \
    "$repo/target/vscode-e2e"
