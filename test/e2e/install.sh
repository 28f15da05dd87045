#!/usr/bin/env bash
# Installs the e2e dependencies (code-server 4.100.3, playwright-core) offline-friendly:
# only the npm registry and Debian packages are reachable, so each download that
# code-server's install would make elsewhere is satisfied locally first.
set -euo pipefail
cd "$(dirname "$0")"

export npm_config_unsafe_perm=true   # code-server's postinstall refuses to run as root otherwise
export npm_config_yes=true           # node-pty's postinstall runs `npx node-gyp`
export npm_config_nodedir="${npm_config_nodedir:-/usr}"  # node-gyp builds against the system Node headers

# @vscode/ripgrep downloads rg from GitHub unless its cache holds the tarball: give it Debian's rg.
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_tar" ]; then
  command -v rg >/dev/null || { echo "e2e install: ripgrep is missing (apt-get install ripgrep)" >&2; exit 1; }
  mkdir -p "$rg_cache"
  tmp=$(mktemp -d)
  cp "$(command -v rg)" "$tmp/rg"
  tar -czf "$rg_tar" -C "$tmp" rg
  rm -rf "$tmp"
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
