#!/usr/bin/env bash
# Sets up what the end-to-end test drives: Debian's Chromium and the build
# packages code-server's native modules need, then Node 24 and code-server
# from the npm registry into a cache folder outside the repository (reused
# when already there). Fails plainly when a registry cannot be reached.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24
CACHE="${FAULTLINE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline-e2e}"
mkdir -p "$CACHE"

say() { echo "e2e setup: $*" >&2; }
fail() { echo "e2e setup FAILED: $*" >&2; exit 1; }

apt_packages=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev build-essential python3 fonts-dejavu-core)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  command -v apt-get >/dev/null || fail "apt-get is not available to install ${missing[*]}"
  apt-get update -qq >"$CACHE/apt-update.log" 2>&1 || fail "apt-get update could not reach Debian's package archive (see $CACHE/apt-update.log)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$CACHE/apt-install.log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed (see $CACHE/apt-install.log)"
fi
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing after installing the chromium package"

node24="$CACHE/node$NODE_MAJOR"
node24_bin="$node24/node_modules/node/bin/node"
if ! { [ -x "$node24_bin" ] && "$node24_bin" -v | grep -q "^v$NODE_MAJOR\."; }; then
  say "npm install node@$NODE_MAJOR into $node24"
  rm -rf "$node24"; mkdir -p "$node24"
  (cd "$node24" && echo '{"name":"faultline-e2e-node","private":true}' > package.json \
    && npm install --no-audit --no-fund "node@$NODE_MAJOR" >"$CACHE/node-install.log" 2>&1) \
    || fail "npm install node@$NODE_MAJOR failed: the npm registry may be unreachable (see $CACHE/node-install.log)"
fi
# The node package's bin is a shim; the real binary sits in its platform package.
real_node="$(ls "$node24"/node_modules/node/node_modules/node-linux-*/bin/node 2>/dev/null | head -1 || true)"
[ -n "$real_node" ] || real_node="$node24_bin"
headers="$(dirname "$(dirname "$real_node")")"
[ -d "$headers/include/node" ] || fail "Node $NODE_MAJOR headers not found under $headers/include"

cs="$CACHE/code-server-$CODE_SERVER_VERSION"
cs_bin="$cs/node_modules/code-server/out/node/entry.js"
if [ ! -f "$cs/.complete" ]; then
  say "npm install code-server@$CODE_SERVER_VERSION into $cs (several minutes)"
  rm -rf "$cs"; mkdir -p "$cs"
  # Run from `npm run test:e2e`, the environment carries the outer npm's user agent ("node/v20"), which npm
  # takes as its own config and code-server's postinstall reads as the Node it runs on: drop it.
  (cd "$cs" && echo '{"name":"faultline-e2e-code-server","private":true}' > package.json \
    && unset npm_config_user_agent \
    && PATH="$(dirname "$real_node"):$PATH" npm_config_nodedir="$headers" npm_config_dangerously_allow_all_scripts=true \
       npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1) \
    || fail "npm install code-server@$CODE_SERVER_VERSION failed (see $CACHE/code-server-install.log)"
  [ -f "$cs_bin" ] || fail "code-server installed without $cs_bin"
  # npm 11 runs install scripts only when allowed; code-server's postinstall installs VS Code's own modules.
  [ -d "$cs/node_modules/code-server/lib/vscode/node_modules/node-pty" ] || [ -d "$cs/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog" ] \
    || fail "code-server's postinstall did not install VS Code's modules (see $CACHE/code-server-install.log)"
  touch "$cs/.complete"
fi

# What the driver reads: one line per path.
cat > "$CACHE/env.json" <<JSON
{ "node": "$real_node", "codeServer": "$cs_bin", "chromium": "/usr/bin/chromium", "cache": "$CACHE", "codeServerVersion": "$CODE_SERVER_VERSION" }
JSON
say "ready ($CACHE/env.json)"
