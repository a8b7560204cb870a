#!/bin/sh
# make install / make uninstall into a staging root (DESTDIR), as the
# packages and an operator do: the FHS layout and modes, --help and
# --version on every installed program, the man pages (each builds,
# renders without warnings, and names every setting its program's config
# handler accepts), the commented sample configurations loaded by the real
# daemons' --check-config (so a sample cannot rot), the system users and
# state folders made by systemd-sysusers and systemd-tmpfiles inside the
# staging root, and installed files that never name the staging path.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^#define RJ_VERSION "\(.*\)"/\1/p' "$ROOT/util/version.h")
R="$T/root"
MAKE="make --no-print-directory -C $ROOT BUILD=$BUILD"

$MAKE install PREFIX=/usr DESTDIR="$R" >"$T/install.log" 2>&1
check "make install PREFIX=/usr DESTDIR=... succeeds" test $? -eq 0
check "make install ran no apt-get" sh -c "! grep -q apt-get $T/install.log"
check "make install neither depends on deps nor would run it" sh -c \
	"! $MAKE -n install PREFIX=/usr DESTDIR=$T/dry 2>&1 | grep -q -e deps.sh -e apt-get"

mode() { stat -c %a "$1" 2>/dev/null; }
for p in usr/sbin/hubd usr/sbin/smsd usr/sbin/kioskd usr/bin/hubctl \
	usr/share/rj/kiosk/run-kiosk.sh; do
	check "/$p is installed, mode 0755" test "$(mode "$R/$p")" = 755
done
for f in hubd smsd kioskd; do
	check "/etc/rj/$f.conf is installed, mode 0640" test "$(mode "$R/etc/rj/$f.conf")" = 640
	check "/usr/share/doc/rj/examples/$f.conf is the sample" \
		cmp -s "$R/etc/rj/$f.conf" "$R/usr/share/doc/rj/examples/$f.conf"
done
for p in usr/share/rj/content/languages.json usr/share/rj/content/spokes.json \
	usr/share/rj/kiosk/templates/layout.html usr/share/rj/kiosk/static/kiosk.css \
	usr/share/doc/rj/install.md usr/share/man/man1/hubctl.1 \
	usr/share/man/man5/hubd.conf.5 usr/share/man/man5/smsd.conf.5 \
	usr/share/man/man5/kioskd.conf.5 usr/share/man/man8/hubd.8 \
	usr/share/man/man8/smsd.8 usr/share/man/man8/kioskd.8 \
	usr/lib/sysusers.d/rj-hub.conf usr/lib/tmpfiles.d/rj-kiosk.conf; do
	check "/$p is installed, mode 0644" test "$(mode "$R/$p")" = 644
done
for u in "$ROOT"/contrib/systemd/*.service; do
	check "unit $(basename "$u") is in /lib/systemd/system" \
		test -f "$R/lib/systemd/system/$(basename "$u")"
done
check "nothing is installed under /usr/local" test ! -e "$R/usr/local"
check "no installed file names the staging path" sh -c "! grep -rlF '$R' '$R'"
check "no installed folder is writable by group or others" sh -c \
	"test -z \"\$(find '$R' -type d -perm /022)\""

# --help and --version on every installed program.
for p in usr/sbin/hubd usr/sbin/smsd usr/sbin/kioskd usr/bin/hubctl; do
	n=$(basename "$p")
	check "$n --version prints $n $VERSION" test "$("$R/$p" --version)" = "$n $VERSION"
	"$R/$p" --help >"$T/help.out" 2>"$T/help.err"
	check "$n --help exits 0 with the usage on stdout" sh -c \
		"[ $? -eq 0 ] && grep -q '^usage: $n' $T/help.out && test ! -s $T/help.err"
done
"$R/usr/bin/hubctl" frobnicate >"$T/frob.out" 2>"$T/frob.err"
rc=$?
check "hubctl frobnicate exits 2" test "$rc" -eq 2
check "hubctl frobnicate says the command is unknown, then the usage" sh -c \
	"head -n 1 $T/frob.err | grep -qx \"hubctl: unknown command 'frobnicate'\" && sed -n 2p $T/frob.err | grep -q '^usage: hubctl'"
"$R/usr/bin/hubctl" revoke >/dev/null 2>"$T/revoke.err"
check "hubctl revoke without a name is a usage error, not an unknown command" sh -c \
	"[ $? -eq 2 ] && ! grep -q unknown $T/revoke.err"

# Man pages: each renders without a warning, and every setting a config
# handler accepts is in its page (a setting added to the code and not to
# the page fails here).
if command -v man >/dev/null 2>&1; then
	for m in "$R"/usr/share/man/man*/*; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" >"$T/man.out" 2>"$T/man.err"
		check "man -l $(basename "$m") renders without warnings" sh -c \
			"test -s $T/man.out && test ! -s $T/man.err"
	done
fi
settings() { # $1 = source file: the names its config handler accepts
	sed -n -e 's/.*strcmp(name, "\([a-z_]*\)").*/\1/p' \
		-e 's/.*IS("\([a-z_]*\)").*/\1/p' -e 's/.*IS("[a-z]*", "\([a-z_]*\)").*/\1/p' "$1"
}
in_page() { # $1 = page source, rest = sources of its handlers
	page=$1
	shift
	names=$(for s in "$@"; do settings "$ROOT/$s"; done | sort -u)
	missing=""
	for n in $names; do
		grep -q "\*$n\*" "$ROOT/man/$page" || missing="$missing $n"
	done
	check "man/$page names every setting of $* ($(echo $names | wc -w) settings)${missing:+; missing:$missing}" \
		test -z "$missing" -a -n "$names"
}
in_page hubd.conf.5.scd hub/hubd_main.c hub/admit.c net/netconf.c
in_page smsd.conf.5.scd sms/smsd_conf.c net/netconf.c
in_page kioskd.conf.5.scd kiosk/kconf.c net/netconf.c
# [hubctl] in hubd.conf: the settings hubctl's own handler reads.
in_page hubd.conf.5.scd hub/hubctl_main.c
# And in its sample, set or commented out with its default; the kiosk
# has no TLS (kconf.c refuses tls_cert and tls_key).
in_sample() { # $1 = sample, $2 = settings left out on purpose, rest = sources
	sample=$1
	skip=" $2 "
	shift 2
	missing=""
	for n in $(for s in "$@"; do settings "$ROOT/$s"; done | sort -u); do
		case "$skip" in *" $n "*) continue ;; esac
		grep -q "^#\{0,1\}$n = " "$ROOT/contrib/conf/$sample" || missing="$missing $n"
	done
	check "contrib/conf/$sample names every setting of $*${missing:+; missing:$missing}" test -z "$missing"
}
in_sample hubd.conf "" hub/hubd_main.c hub/admit.c net/netconf.c hub/hubctl_main.c
in_sample smsd.conf "" sms/smsd_conf.c net/netconf.c
in_sample kioskd.conf "tls_cert tls_key handshake_timeout_ms tls_ticket_lifetime_s" \
	kiosk/kconf.c net/netconf.c

# The samples, loaded by the daemons. Their keys and bundles exist only
# after set-up: make them in a scratch /var/lib/rj and /etc/rj, and point
# the sample's paths there; nothing else in the sample changes.
hub_setup
S="$T/sys"
mkdir -p "$S/etc/rj" "$S/var/lib/rj/sms" "$S/var/lib/rj/kiosk"
HUBCTL="$BIN/hubctl -d $S/var/lib/rj/hub"
$HUBCTL init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
	--content "$ROOT/content" >"$T/init2.log" 2>&1
check "hubctl init makes a hub in the packaged folder's place" test -f "$S/var/lib/rj/hub/inbox.key"
# hubd's user owns its folder and inbox (the packages' tmpfiles do that).
chown nobody "$S/var/lib/rj/hub" "$S/var/lib/rj/hub/inbox.db"
$HUBCTL enroll sms-gw-1 --url https://hub.example.org:8443 \
	--out "$S/var/lib/rj/sms/sms.bundle" >/dev/null 2>&1
$HUBCTL enroll kiosk-1 --url https://hub.example.org:8443 \
	--out "$S/var/lib/rj/kiosk/kiosk.bundle" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/etc/rj/smsd.key" -out "$S/etc/rj/smsd.crt" -days 2 \
	-subj /CN=sms.example.org >/dev/null 2>&1
(
	umask 077
	printf 'twilio_auth_token = %s\nkannel_token = %s\njson_secret = %s\nstate_key = %s\n' \
		"$(openssl rand -hex 16)" "$(openssl rand -hex 16)" \
		"$(openssl rand -hex 32)" "$(openssl rand -hex 32)" >"$S/etc/rj/smsd.secrets"
)
relocate() { # $1 = sample, $2 = out
	sed -e "s|/var/lib/rj/|$S/var/lib/rj/|g" -e "s|/etc/rj/|$S/etc/rj/|g" \
		-e "s|/usr/share/rj/|$R/usr/share/rj/|g" "$1" >"$2"
}
# Every commented-out setting switched on: the defaults the sample
# documents are settings the daemon accepts, with values it accepts.
uncomment() { sed 's/^#\([a-z_]* = \)/\1/' "$1" >"$2"; }
for d in hubd smsd kioskd; do
	c="$T/$d.conf"
	relocate "$R/etc/rj/$d.conf" "$c"
	# The check also proves the machine is ready (the user exists, the
	# printer is plugged in): this one has no rjhub and no printer, so
	# the run copy names nobody and a file printer; nothing else changes.
	sed -e 's/^user = rj[a-z]*$/user = nobody/' \
		-e "s|^printer = device:.*|printer = file:$T/printer.out|" "$c" >"$c.run"
	"$R/usr/sbin/$d" --check-config "$c.run" >"$c.out" 2>&1
	if [ $? -eq 0 ] && grep -q "^$d: ready" "$c.out"; then
		ok "the sample $d.conf passes $d --check-config"
	else
		not_ok "the sample $d.conf passes $d --check-config: $(cat "$c.out")"
	fi
	uncomment "$c.run" "$c.all"
	check "sample $d.conf: its commented-out settings are all accepted" sh -c \
		"test \$(grep -c '^[a-z_]* = ' $c.all) -gt \$(grep -c '^[a-z_]* = ' $c.run) && $R/usr/sbin/$d --check-config $c.all >/dev/null 2>&1"
	check "sample $d.conf: every line is a comment, a section, a setting or blank" sh -c \
		"! grep -v -e '^#' -e '^\[[a-z]*\]\$' -e '^[a-z_]* = [^ ]' -e '^\$' $c"
	# The whole sample against the man page: each setting it names.
	missing=""
	for n in $(sed -n 's/^#\{0,1\}\([a-z_]*\) = .*/\1/p' "$c" | sort -u); do
		grep -q "\*$n\*" "$ROOT/man/$d.conf.5.scd" || missing="$missing $n"
	done
	check "sample $d.conf: each setting it names is in $d.conf(5)${missing:+; missing:$missing}" test -z "$missing"
	check "sample $d.conf: user is the packaged system user" grep -qx "user = rj${d%d}" "$c"
done
# An inline comment never becomes part of a value (a documented smsd.conf
# with "# comments" once broke Twilio's signatures).
check "sample smsd.conf has an inline comment after public_url" grep -q '^public_url = [^ ]* *# ' "$T/smsd.conf"
check "smsd reads the sample's public_url without its comment" grep -q \
	'public_url https://sms.example.org/sms/twilio, ' "$T/smsd.conf.out"
# The [hubctl] section: hubctl on the hub server reads it (routing table
# and content) from the hub folder's hubd.conf.
cp "$S/var/lib/rj/hub/hubd.conf" "$T/init-hubd.conf"
cp "$T/hubd.conf" "$S/var/lib/rj/hub/hubd.conf"
check "hubctl reads the sample's [hubctl] section" sh -c \
	"$HUBCTL devices 2>$T/devices.err | grep -q '^kiosk-1 ' && ! grep -q 'not readable' $T/devices.err"
sed -i 's|^\(spokes = [^ ]*\)$|\1   # the routing table|' "$S/var/lib/rj/hub/hubd.conf"
check "hubctl takes an inline comment after spokes =" sh -c \
	"grep -q '^spokes = .* # ' $S/var/lib/rj/hub/hubd.conf && $HUBCTL devices 2>$T/devices2.err | grep -q '^kiosk-1 '"
# hubctl init writes the same file names the sample uses.
for k in tls_cert tls_key sign_key inbox inbox_key; do
	a=$(sed -n "s/^$k = //p" "$T/init-hubd.conf")
	b=$(sed -n "s/^$k = //p" "$T/hubd.conf")
	check "hubd.conf: $k is where hubctl init puts it" test -n "$a" -a "$a" = "$b"
done

# Users and folders: systemd-sysusers and systemd-tmpfiles with the
# installed entries, inside the staging root (a copy of this machine's
# account files, so group lp exists as on any Debian system).
for f in passwd group shadow gshadow; do
	cp "/etc/$f" "$R/etc/$f" 2>/dev/null
done
systemd-sysusers --root="$R" >"$T/sysusers.log" 2>&1
check "systemd-sysusers makes the users" sh -c "[ $? -eq 0 ] && grep -q '^rjhub:' $R/etc/passwd && grep -q '^rjsms:' $R/etc/passwd && grep -q '^rjkiosk:' $R/etc/passwd && grep -q '^rjdisplay:' $R/etc/passwd"
lp=$(sed -n 's/^lp:[^:]*:\([0-9]*\):.*/\1/p' "$R/etc/group")
check "rjkiosk's primary group is lp (the receipt printer)" test "$(grep '^rjkiosk:' "$R/etc/passwd" | cut -d: -f4)" = "$lp"
systemd-tmpfiles --create --root="$R" >"$T/tmpfiles.log" 2>&1
check "systemd-tmpfiles --create succeeds" test $? -eq 0
uid() { grep "^$1:" "$R/etc/passwd" | cut -d: -f3; }
gid() { grep "^$1:" "$R/etc/group" | cut -d: -f3; }
for r in hub:rjhub:rjhub sms:rjsms:rjsms kiosk:rjkiosk:lp; do
	d=${r%%:*}
	u=$(echo "$r" | cut -d: -f2)
	g=$(echo "$r" | cut -d: -f3)
	check "/var/lib/rj/$d is $u:$g, mode 0700" test \
		"$(stat -c '%a %u %g' "$R/var/lib/rj/$d")" = "700 $(uid "$u") $(gid "$g")"
done
check "/var/lib/rj is root's, mode 0755" test "$(stat -c '%a %u' "$R/var/lib/rj")" = "755 0"
for c in hubd:rjhub smsd:rjsms kioskd:rjdisplay; do
	f=${c%%:*}
	g=${c#*:}
	check "/etc/rj/$f.conf is root:$g, mode 0640" test \
		"$(stat -c '%a %u %g' "$R/etc/rj/$f.conf")" = "640 0 $(gid "$g")"
done

# Installing again keeps an operator's configuration.
echo "# edited" >>"$R/etc/rj/hubd.conf"
$MAKE install PREFIX=/usr DESTDIR="$R" >"$T/install2.log" 2>&1
check "make install again keeps an edited /etc/rj/hubd.conf" sh -c \
	"[ $? -eq 0 ] && tail -n 1 $R/etc/rj/hubd.conf | grep -qx '# edited'"

# Uninstall: everything but the configuration and the state.
$MAKE uninstall PREFIX=/usr DESTDIR="$R" >"$T/uninstall.log" 2>&1
check "make uninstall succeeds" test $? -eq 0
left=$(cd "$R" && find . -type f ! -path './etc/*' | sort)
check "make uninstall removes every installed file${left:+ (left: $left)}" test -z "$left"
check "make uninstall keeps /etc/rj and /var/lib/rj" test -f "$R/etc/rj/hubd.conf" -a -d "$R/var/lib/rj/hub"

# PREFIX=/usr/local: the installed files follow PREFIX.
L="$T/local"
$MAKE install PREFIX=/usr/local DESTDIR="$L" >"$T/install3.log" 2>&1
check "make install PREFIX=/usr/local puts programs in /usr/local/sbin and /usr/local/bin" \
	test -x "$L/usr/local/sbin/hubd" -a -x "$L/usr/local/bin/hubctl"
check "with PREFIX=/usr/local, kioskd.conf names /usr/local/share/rj" sh -c \
	"grep -q '^content = /usr/local/share/rj/content\$' $L/etc/rj/kioskd.conf && ! grep -q ' /usr/share/rj' $L/etc/rj/kioskd.conf"
check "with PREFIX=/usr/local, no unit names /usr/sbin" sh -c "! grep -l '/usr/sbin/[hsk]' $L/lib/systemd/system/*.service"
check "with PREFIX=/usr/local, hubctl finds the installed content" sh -c \
	"$L/usr/local/bin/hubctl -d $T/localhub init --passphrase-file $PASS --insecure-fast-kdf-for-tests >/dev/null 2>&1 && grep -qx 'content = $L/usr/local/share/rj/content' $T/localhub/hubd.conf"
