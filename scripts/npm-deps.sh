#!/bin/sh
# The browser tests' npm packages (tests/browser: playwright-core, axe-core,
# @axe-core/playwright), exactly as package-lock.json pins them. Idempotent
# and quick when done: npm runs only when node_modules is missing or older
# than the lock file. No browser is ever downloaded: the tests drive
# Debian's /usr/bin/chromium.
set -eu

dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
lock="$dir/package-lock.json"
mods="$dir/node_modules"
stamp="$mods/.package-lock.json" # npm writes it on every install

[ -f "$lock" ] || exit 0
if [ -d "$mods" ] && [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "npm-deps: npm not found (scripts/deps.sh installs nodejs and npm)" >&2
	exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 18 ]; then
	echo "npm-deps: Node.js $major is too old; playwright-core needs 18 or later" >&2
	exit 1
fi

echo "npm-deps: npm ci in tests/browser"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
# npm ci keeps the lock file's time on its copy; mark the install as newer.
touch "$stamp"
echo "npm-deps: done"
