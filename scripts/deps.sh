#!/bin/sh
# Install the Debian packages the project needs. Idempotent and quick when
# everything is already present: dpkg is asked first, apt only when needed.
set -eu

PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev
libsodium-dev libsqlcipher-dev sqlcipher libqrencode-dev libmbedtls-dev
libcurl4-openssl-dev libjansson-dev libinih-dev libcmocka-dev
libpango1.0-dev libcairo2-dev fonts-noto-core fonts-noto-ui-core libseccomp-dev
zbar-tools curl openssl ca-certificates python3 procps"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

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
