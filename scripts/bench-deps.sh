#!/bin/sh
# The Debian packages `make bench` needs beyond scripts/deps.sh: the
# references it measures the daemons against (nginx, wrk) and OpenSSL's
# headers for the load generators (an OpenSSL client is cheap next to
# mbedTLS's server side, so it leaves the cores to the server measured).
# Idempotent; `make test` never needs these.
set -eu

PKGS="nginx wrk libssl-dev openssl"

installed() { # $1 = package
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" in
	*"install ok installed"*) return 0 ;;
	esac
	return 1
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "bench-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The package starts a system nginx on port 80; the bench runs its own.
if command -v systemctl >/dev/null 2>&1; then
	$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "bench-deps: done"
