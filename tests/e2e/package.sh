#!/bin/sh
# The Debian packages, one per role: built with dpkg-buildpackage from a
# copy of the tree (the worktree stays clean), their contents and modes
# (dpkg-deb --contents), their maintainer scripts, lintian, and a real
# install, purge and removal with dpkg into a throwaway root
# (--force-script-chrootless: the scripts run here with DPKG_ROOT set, and
# systemd-sysusers, systemd-tmpfiles and deb-systemd-helper act inside
# that root only; the machine's own users and units are checked
# untouched). Takes about two minutes: the build compiles the tree again.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^#define RJ_VERSION "\(.*\)"/\1/p' "$ROOT/util/version.h")
CHVERSION=$(cd "$ROOT" && dpkg-parsechangelog -S Version 2>/dev/null)
check "debian/changelog's version is RJ_VERSION ($VERSION)" test "$CHVERSION" = "$VERSION"

for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v "$t" >/dev/null 2>&1 || not_ok "$t is missing (make deps installs it)"
done

# A copy of the tree as git sees it (committed and new files, nothing
# ignored), so a build leaves nothing behind in the worktree.
SRC="$T/rj"
mkdir -p "$SRC"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null) |
	tar -xf - -C "$SRC"
# A developer's own build/ must survive a package build in the tree.
mkdir -p "$SRC/build"
: >"$SRC/build/mine"
(cd "$SRC" && find . -mindepth 1 -maxdepth 2 | sort) >"$T/tree.before"
start=$(date +%s)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
	nice -n 10 dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "dpkg-buildpackage -us -uc -b builds ($(($(date +%s) - start)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b builds: $(tail -n 30 "$T/build.log")"
	exit 1
fi
check "a package build leaves the tree's build/ alone" test -f "$SRC/build/mine"
(cd "$SRC" && find . -mindepth 1 -maxdepth 2 | sort) >"$T/tree.after"
new=$(comm -13 "$T/tree.before" "$T/tree.after" | while read -r f; do
	[ -d "$SRC/$f" ] && f="$f/"
	git -C "$ROOT" check-ignore -q --no-index "${f#./}" || echo "$f"
done)
check "what the package build leaves in the tree is ignored by git${new:+: $new}" test -z "$new"
ARCH=$(dpkg --print-architecture)
deb() { # $1 = package
	case "$1" in
	rj-common) echo "$T/$1_${VERSION}_all.deb" ;;
	*) echo "$T/$1_${VERSION}_$ARCH.deb" ;;
	esac
}
PKGS="rj-common rj-hub rj-sms rj-kiosk rj-staff"
for p in $PKGS; do
	check "$p $VERSION is built" test -f "$(deb "$p")"
	dpkg-deb --contents "$(deb "$p")" >"$T/$p.contents"
done
check "the worktree is left as it was (no debian/ build files in it)" sh -c \
	"test ! -e $ROOT/debian/tmp -a ! -e $ROOT/debian/files -a ! -e $ROOT/debian/rj-hub"

# Contents: path and mode of each file that matters.
has() { # $1 = package, $2 = mode string, $3 = path
	awk -v m="$2" -v f="./$3" '$1 == m && $6 == f { found = 1 } END { exit !found }' "$T/$1.contents"
}
for f in usr/sbin/hubd:rj-hub usr/sbin/smsd:rj-sms usr/sbin/kioskd:rj-kiosk \
	usr/bin/hubctl:rj-staff usr/share/rj/kiosk/run-kiosk.sh:rj-kiosk; do
	check "${f#*:} has /${f%:*}, mode 0755" has "${f#*:}" -rwxr-xr-x "${f%:*}"
done
for f in hubd:rj-hub smsd:rj-sms kioskd:rj-kiosk; do
	c=${f%:*}
	p=${f#*:}
	check "$p has /etc/rj/$c.conf, mode 0640" has "$p" -rw-r----- "etc/rj/$c.conf"
	check "$p has $c.conf(5) and $c(8)" sh -c \
		"grep -q ' ./usr/share/man/man5/$c.conf.5.gz\$' $T/$p.contents && grep -q ' ./usr/share/man/man8/$c.8.gz\$' $T/$p.contents"
	check "$p has its sysusers.d and tmpfiles.d entries" sh -c \
		"grep -q ' ./usr/lib/sysusers.d/$p.conf\$' $T/$p.contents && grep -q ' ./usr/lib/tmpfiles.d/$p.conf\$' $T/$p.contents"
	check "$p marks /etc/rj/$c.conf a conffile" sh -c \
		"dpkg-deb --info $(deb "$p") conffiles | grep -qx /etc/rj/$c.conf"
	check "$p's $c.conf is the commented sample" sh -c \
		"dpkg-deb --fsys-tarfile $(deb "$p") | tar -xOf - ./etc/rj/$c.conf | cmp -s - $ROOT/contrib/conf/$c.conf"
done
check "rj-staff has hubctl(1)" grep -q ' ./usr/share/man/man1/hubctl.1.gz$' "$T/rj-staff.contents"
check "rj-common has the content and the docs" sh -c \
	"grep -q ' ./usr/share/rj/content/languages.json\$' $T/rj-common.contents && grep -q ' ./usr/share/doc/rj/install.md' $T/rj-common.contents"
check "rj-kiosk has the templates and static files" sh -c \
	"grep -q ' ./usr/share/rj/kiosk/templates/layout.html\$' $T/rj-kiosk.contents && grep -q ' ./usr/share/rj/kiosk/static/kiosk.js\$' $T/rj-kiosk.contents"
for u in "$ROOT"/contrib/systemd/*.service; do
	n=$(basename "$u")
	case "$n" in hubd*) p=rj-hub ;; smsd*) p=rj-sms ;; *) p=rj-kiosk ;; esac
	check "$p has /lib/systemd/system/$n" has "$p" -rw-r--r-- "lib/systemd/system/$n"
done
cat "$T"/*.contents >"$T/all.contents"
check "no package installs under /usr/local" sh -c "! grep -q ' ./usr/local' $T/all.contents"
check "no file is writable by group or others, or setuid" sh -c \
	"! awk '{print \$1}' $T/all.contents | grep -v '^l' | grep -q -e '^.....w' -e '^........w' -e '^...s' -e '^......s'"
check "every file is root's" sh -c "! awk '\$2 != \"root/root\"' $T/all.contents | grep -q ."
check "each file is in one package only" sh -c \
	"! grep -v '/\$' $T/all.contents | awk '{print \$6}' | sort | uniq -d | grep -q ."
check "rj-kiosk depends on chromium and cage" sh -c \
	"dpkg-deb -f $(deb rj-kiosk) Depends | grep -q 'chromium' && dpkg-deb -f $(deb rj-kiosk) Depends | grep -q 'cage'"

# Maintainer scripts: users, then folders; never a daemon started or
# enabled before it is set up.
for p in rj-hub rj-sms rj-kiosk; do
	mkdir -p "$T/ctl-$p"
	dpkg-deb -e "$(deb "$p")" "$T/ctl-$p"
	post="$T/ctl-$p/postinst"
	check "$p postinst makes its users (systemd-sysusers $p.conf)" grep -q "systemd-sysusers .*$p.conf" "$post"
	check "$p postinst makes its folders after the users" sh -c \
		"test \$(grep -n 'systemd-sysusers' $post | head -n1 | cut -d: -f1) -lt \$(grep -n 'systemd-tmpfiles' $post | head -n1 | cut -d: -f1)"
	enables=$(grep -c 'deb-systemd-helper enable' "$post")
	guarded=$(grep -B2 'deb-systemd-helper enable' "$post" | grep -c 'was-enabled')
	check "$p postinst neither starts nor enables a daemon on a fresh install" sh -c \
		"! grep -q -e 'deb-systemd-invoke' -e 'systemctl.*start' $post && [ $enables -eq $guarded ]"
	check "$p's scripts are valid sh" sh -c "for s in $T/ctl-$p/*inst $T/ctl-$p/*rm; do [ -f \$s ] || continue; sh -n \$s || exit 1; done"
done

# lintian: no errors; the warnings it knows of are overridden with the
# reason in debian/*.lintian-overrides (and listed here if new).
lintian --tag-display-limit 0 "$T"/rj_"${VERSION}"_"$ARCH".changes >"$T/lintian.log" 2>&1
check "lintian reports no errors" sh -c "! grep -q '^E:' $T/lintian.log"
w=$(grep '^W:' "$T/lintian.log" | tr '\n' ';')
check "lintian reports no warnings${w:+: $w}" test -z "$w"

# Install into a throwaway root. dpkg needs an empty database there; the
# libraries and systemd are this machine's (--force-depends), and the
# account files are a copy of this machine's, so group lp exists.
if [ "$(id -u)" -ne 0 ]; then
	not_ok "installing into a throwaway root needs root (dpkg --root)"
	exit 0
fi
D="$T/target"
mkdir -p "$D/var/lib/dpkg/info" "$D/var/lib/dpkg/updates" "$D/etc"
: >"$D/var/lib/dpkg/status"
: >"$D/var/lib/dpkg/available"
for f in passwd group shadow gshadow; do
	cp "/etc/$f" "$D/etc/$f" 2>/dev/null
done
host_before=$(cat /etc/passwd /etc/group; ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null)
DPKG="dpkg --root=$D --force-script-chrootless --force-depends --log=/dev/null"
debs=""
for p in $PKGS; do debs="$debs $(deb "$p")"; done
# shellcheck disable=SC2086
$DPKG -i $debs >"$T/dpkg-i.log" 2>&1
rc=$?
n=$(dpkg --root="$D" -l 'rj-*' 2>/dev/null | grep -c '^ii ')
if [ "$rc" -eq 0 ] && [ "$n" -eq 5 ]; then
	ok "dpkg -i installs all five packages into the throwaway root"
else
	not_ok "dpkg -i installs all five packages into the throwaway root: $(tail -n 20 "$T/dpkg-i.log")"
fi
uid() { grep "^$1:" "$D/etc/passwd" | cut -d: -f3; }
gid() { grep "^$1:" "$D/etc/group" | cut -d: -f3; }
for u in rjhub rjsms rjkiosk rjdisplay; do
	check "the packages made system user $u" test -n "$(uid "$u")" -a "$(uid "$u")" -lt 1000
done
check "rjkiosk's primary group is lp" test "$(grep '^rjkiosk:' "$D/etc/passwd" | cut -d: -f4)" = "$(gid lp)"
for r in hub:rjhub:rjhub sms:rjsms:rjsms kiosk:rjkiosk:lp; do
	d=${r%%:*}
	u=$(echo "$r" | cut -d: -f2)
	g=${r##*:}
	check "/var/lib/rj/$d is $u:$g, mode 0700" test \
		"$(stat -c '%a %u %g' "$D/var/lib/rj/$d" 2>/dev/null)" = "700 $(uid "$u") $(gid "$g")"
done
for c in hubd:rjhub smsd:rjsms kioskd:rjdisplay; do
	check "/etc/rj/${c%:*}.conf is root:${c#*:}, mode 0640" test \
		"$(stat -c '%a %u %g' "$D/etc/rj/${c%:*}.conf")" = "640 0 $(gid "${c#*:}")"
done
check "/etc/rj is mode 0755" test "$(stat -c %a "$D/etc/rj")" = 755
for b in usr/sbin/hubd usr/sbin/smsd usr/sbin/kioskd usr/bin/hubctl; do
	check "installed /$b --version says $VERSION" sh -c \
		"$D/$b --version | grep -qx '$(basename "$b") $VERSION'"
done
check "no unit was enabled" test -z "$(find "$D/etc/systemd" -name '*.service' 2>/dev/null)"

# docs/install.md, run: every indented command block, in order, against
# the throwaway root. The paths /etc/rj/ and /var/lib/rj/ move into it;
# the programs are the installed ones, through small stand-ins that move
# the paths inside the files they read and the user names (which exist
# only in that root), give hubctl init the passphrase file, and make
# `make install` stage into a second root. apt only simulates, systemctl
# only checks that the unit is installed. A command no stand-in knows
# fails here instead of running on this machine.
X="$T/srcroot"
W="$T/work"
PASS="$T/pass"
printf 'correct horse battery staple\n' >"$PASS"
chmod 600 "$PASS"
SHIM="$T/shim"
mkdir -p "$X/etc" "$W" "$SHIM"
for f in passwd group shadow gshadow; do
	cp "/etc/$f" "$X/etc/$f" 2>/dev/null
done
for p in $PKGS; do ln -s "$(deb "$p")" "$W/"; done
ids() { # $1 = root, $2 = user[:group]: uid[:gid] in that root
	u=${2%%:*}
	r=$(grep "^$u:" "$1/etc/passwd" | cut -d: -f3)
	case "$2" in *:*) r="$r:$(grep "^${2#*:}:" "$1/etc/group" | cut -d: -f3)" ;; esac
	echo "$r"
}
shim() { # $1 = name, $2 = body
	printf '#!/bin/sh\nD=%s X=%s ROOT=%s BUILD=%s PASS=%s T=%s\n%s\n' \
		"$D" "$X" "$ROOT" "$BUILD" "$PASS" "$T" "$2" >"$SHIM/$1"
	chmod 755 "$SHIM/$1"
}
shim make 'case "$1" in
deps|"") exit 0 ;; # the test harness ran them
install) shift; exec /usr/bin/make --no-print-directory -C "$ROOT" BUILD="$BUILD" install DESTDIR="$X" "$@" >"$T/doc-make.log" 2>&1 ;;
esac
exit 1'
shim dpkg-buildpackage '[ "$*" = "-us -uc -b" ] # what this test ran above'
shim apt '[ "$1" = install ] || exit 1; shift; apt-get install -s "$@" >"$T/doc-apt.log" 2>&1 && grep -q "^Conf rj-common" "$T/doc-apt.log"'
shim systemd-sysusers 'exec /usr/bin/systemd-sysusers --root="$X" "$@"'
shim systemd-tmpfiles 'exec /usr/bin/systemd-tmpfiles --root="$X" "$@"'
shim systemctl '[ "$1" = enable ] && [ "$2" = --now ] || exit 1; shift 2
for u in "$@"; do test -f "$D/lib/systemd/system/$u.service" || exit 1; done'
shim hubctl 'for a in "$@"; do [ "$a" = init ] && set -- "$@" --passphrase-file "$PASS" --insecure-fast-kdf-for-tests; done
exec "$D/usr/bin/hubctl" "$@"'
# The check also proves the machine is ready: the daemon's user exists
# (here only inside the throwaway root, so the copy checked names none)
# and the printer is plugged in (here a file stands in for it).
for d in hubd smsd kioskd; do
	shim "$d" '[ "$1" = --check-config ] || exit 1
sed -e "s|/etc/rj/|$D/etc/rj/|g" -e "s|/var/lib/rj/|$D/var/lib/rj/|g" -e "s|/usr/share/rj/|$D/usr/share/rj/|g" \
	-e "/^user = /d" -e "s|^printer = device:.*|printer = file:$T/printer.out|" "$2" >"$T/${2##*/}.here"
exec "$D/usr/sbin/'"$d"'" --check-config "$T/${2##*/}.here"'
done
shim chown 'r=$1; shift; [ "$r" = -R ] || { set -- "$r" "$@"; r=; }
who=$1; shift
u=$(grep "^${who%%:*}:" "$D/etc/passwd" | cut -d: -f3)
g=$(grep "^${who#*:}:" "$D/etc/group" | cut -d: -f3)
exec /bin/chown $r "$u:$g" "$@"'
shim install 'n=$#; i=0
while [ $i -lt $n ]; do
	a=$1; shift; i=$((i + 1))
	case "$a" in
	-o) set -- "$@" -o "$(grep "^$1:" "$D/etc/passwd" | cut -d: -f3)"; shift; i=$((i + 1)) ;;
	-g) set -- "$@" -g "$(grep "^$1:" "$D/etc/group" | cut -d: -f3)"; shift; i=$((i + 1)) ;;
	*) set -- "$@" "$a" ;;
	esac
done
exec /usr/bin/install "$@"'
# The files the doc says are in the current folder.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$W/smsd.key" -out "$W/smsd.crt" -days 2 \
	-subj /CN=sms.example.org >/dev/null 2>&1
awk -v dir="$T" '
	/^    / { line = substr($0, 5)
		if (!inb) { inb = 1; n++ }
		out = sprintf("%s/doc-%02d.sh", dir, n)
		for (; blanks > 0; blanks--) print "" >> out
		print line >> out; next }
	/^[ \t]*$/ { if (inb) blanks++; next }
	{ inb = 0; blanks = 0 }
' "$ROOT/docs/install.md"
known="make dpkg-buildpackage apt systemd-sysusers systemd-tmpfiles hubctl hubd smsd kioskd chown install umask cat systemctl"
ran=0
for b in "$T"/doc-[0-9]*.sh; do
	first=$(head -n 1 "$b")
	case "$first" in
	"[smsd]")
		# A configuration block (tests/e2e/sms_config.sh loads it): its
		# settings are the sample's, value for value.
		diff=$(sed -n 's/^\([a-z_]* = [^ ]*\).*/\1/p' "$b" | while read -r l; do
			grep -qx "$l *\(#.*\)\{0,1\}" "$ROOT/contrib/conf/smsd.conf" || echo "$l"
		done)
		check "install.md's smsd.conf block says what the sample sets${diff:+; not in the sample: $diff}" test -z "$diff"
		continue
		;;
	"[Service]")
		# A systemd drop-in, loaded by tests/e2e/systemd_units.sh.
		check "install.md: the hubd drop-in names IPAddressAllow" grep -q '^IPAddressAllow=' "$b"
		continue
		;;
	KIOSK_HEADLESS=1*)
		# Run as written (cage, Chromium) by tests/e2e/kiosk_cage.sh.
		check "install.md: $(echo "$first" | cut -d' ' -f2) is installed" \
			test -x "$D$(echo "$first" | cut -d' ' -f2)"
		continue
		;;
	esac
	sed -e "s|/etc/rj/|$D/etc/rj/|g" -e "s|/var/lib/rj/|$D/var/lib/rj/|g" "$b" >"$b.run"
	bad=$(awk -v known=" $known " '
		hd { if ($0 == "EOF") hd = 0; next }
		/<<EOF/ { hd = 1 }
		{ w = $1; if (index(known, " " w " ") == 0) print }
	' "$b.run")
	# PREFIX= names where make install puts files; DESTDIR moves them.
	out=$(sed 's/PREFIX=[^ ]*//g' "$b.run" | grep -E "(^|[ >=])/(etc|var|usr|lib|home|root|srv)/" | grep -v '^[a-z_]* = ')
	if [ -n "$bad$out" ]; then
		not_ok "install.md block $(basename "$b" .sh): no stand-in runs: $(printf '%s\n%s' "$bad" "$out" | sort -u | tr '\n' ';')"
		continue
	fi
	(cd "$W" && PATH="$SHIM:$PATH" sh -e "$b.run") >"$b.log" 2>&1
	rc=$?
	ran=$((ran + $(grep -c . "$b")))
	if [ "$rc" -eq 0 ]; then
		ok "install.md: $(tr '\n' ';' <"$b" | cut -c1-100) runs"
	else
		not_ok "install.md: $(tr '\n' ';' <"$b") runs: $(tail -n 5 "$b.log")"
	fi
	# Each device's bundle travels to the device folder the doc copies
	# it from.
	cp "$D"/var/lib/rj/hub/devices/*.bundle "$W/" 2>/dev/null
done
check "install.md's commands were run ($ran lines)" test "$ran" -ge 20
check "install.md: make install staged the same users and folders" sh -c \
	"grep -q '^rjhub:' $X/etc/passwd && test -d $X/var/lib/rj/kiosk -a -x $X/usr/local/sbin/hubd"
check "install.md: the hub set up as written passes hubd --check-config" grep -q '^hubd: ready' "$T"/doc-*.log

# Purge the hub: its configuration goes, its keys and referrals stay.
$DPKG --purge rj-hub >"$T/purge.log" 2>&1
check "dpkg --purge rj-hub removes hubd and /etc/rj/hubd.conf" sh -c \
	"[ $? -eq 0 ] && test ! -e $D/usr/sbin/hubd -a ! -e $D/etc/rj/hubd.conf"
check "purging rj-hub keeps /var/lib/rj/hub (keys, referrals)" test -d "$D/var/lib/rj/hub"
$DPKG -r rj-kiosk rj-sms rj-staff rj-common >"$T/remove.log" 2>&1
check "dpkg -r removes the rest, keeping their configuration" sh -c \
	"[ $? -eq 0 ] && test ! -e $D/usr/sbin/kioskd -a ! -e $D/usr/bin/hubctl -a -f $D/etc/rj/smsd.conf"
host_after=$(cat /etc/passwd /etc/group; ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null)
check "this machine's users and unit state were not touched" test "$host_before" = "$host_after"
