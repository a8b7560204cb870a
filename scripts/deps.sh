#!/bin/sh
# Install the Debian packages the project needs. Idempotent and quick when
# everything is already present: dpkg is asked first, apt only when needed.
# Then scripts/npm-deps.sh (the browser tests' npm packages), if present.
set -eu

PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev
libsodium-dev libsqlcipher-dev sqlcipher libqrencode-dev libmbedtls-dev
libcurl4-openssl-dev libjansson-dev libinih-dev libcmocka-dev
libpango1.0-dev libcairo2-dev fonts-noto-core fonts-noto-ui-core libseccomp-dev
zbar-tools curl openssl ca-certificates python3 procps kannel
chromium cage xwayland nodejs npm libespeak-ng-dev espeak-ng-data sox
scdoc man-db dpkg-dev debhelper fakeroot lintian"
# graphviz: docs/dataflow.svg from docs/dataflow.dot; faketime: the
# doctor's tests of certificate expiry and clock skew.
PKGS="$PKGS graphviz faketime"

installed() { # $1 = package
	case "$1" in
	# A machine's own Node.js (NodeSource's nodejs ships npm and conflicts
	# with Debian's npm package) counts as present.
	nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
	npm) command -v npm >/dev/null 2>&1 && return 0 ;;
	esac
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" in
	*"install ok installed"*) return 0 ;;
	esac
	return 1
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	# An old package list can name versions that are gone; refresh once.
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	echo "deps: done"
fi

npm_deps="$(dirname "$0")/npm-deps.sh"
if [ -x "$npm_deps" ]; then
	"$npm_deps"
elif [ -f "$npm_deps" ]; then
	sh "$npm_deps"
fi
