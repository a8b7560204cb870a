#!/bin/sh
# Every smsd configuration block in docs/ (indented blocks whose first
# line is "[smsd]") is read out of the doc and loaded, as written, with
# the real smsd's --check-config; only the example paths are moved into
# a scratch directory. Inline "# comments" must not become part of a
# value, and a value that is wrong is refused naming the line.
. "$(dirname "$0")/lib.sh"

hub_setup
hub_enroll sms-gw-1
R="$T/root"
mkdir -p "$R/etc/rj" "$R/var/lib/rj-sms"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$R/etc/rj/smsd.key" -out "$R/etc/rj/smsd.crt" -days 2 \
	-subj /CN=sms.example.org >/dev/null 2>&1
cp "$HUB/devices/sms-gw-1.bundle" "$R/etc/rj/sms-gw-1.bundle"
cp "$HUB/devices/sms-gw-1.bundle" "$R/var/lib/rj-sms/sms.bundle"
umask 077
printf 'twilio_auth_token = %s\nkannel_token = %s\njson_secret = %s\nstate_key = %s\n' \
	"$(openssl rand -hex 16)" "$(openssl rand -hex 16)" \
	"$(openssl rand -hex 32)" "$(openssl rand -hex 32)" >"$R/etc/rj/smsd.secrets"
umask 022

# Blocks: lines indented by four spaces; blank lines inside a block
# belong to it, any other line ends it.
awk -v dir="$T" '
	/^    / { line = substr($0, 5)
		if (!inb) { inb = 1; n++ }
		out = dir "/block-" n ".txt"
		for (; blanks > 0; blanks--) print "" >> out
		print line >> out; next }
	/^[ \t]*$/ { if (inb) blanks++; next }
	{ if (inb) close(dir "/block-" n ".txt"); inb = 0; blanks = 0 }
' "$ROOT"/docs/*.md
found=0
for b in "$T"/block-*.txt; do
	[ -f "$b" ] || continue
	[ "$(head -n 1 "$b")" = "[smsd]" ] || continue
	found=$((found + 1))
	c="$T/smsd-doc-$found.conf"
	sed -e "s|/usr/local/share/rj/content|$ROOT/content|" \
		-e "s|/usr/share/rj/content|$ROOT/content|" \
		-e "s|/etc/rj/|$R/etc/rj/|" -e "s|/var/lib/rj-sms/|$R/var/lib/rj-sms/|" \
		-e "s|/var/lib/rj/sms/|$R/var/lib/rj-sms/|" "$b" >"$c"
	if "$BIN/smsd" --check-config "$c" >"$c.out" 2>&1; then
		ok "documented smsd.conf block $found loads with --check-config"
	else
		not_ok "documented smsd.conf block $found loads with --check-config: $(cat "$c.out")"
	fi
	# The values read are the values meant, comments and all.
	check "block $found: country_code is 44" grep -q 'country_code 44,' "$c.out"
	if grep -q '^public_url' "$c"; then
		url=$(sed -n 's/^public_url *= *\([^ ]*\).*/\1/p' "$c")
		check "block $found: public_url is exactly $url" grep -q "public_url $url, " "$c.out"
	fi
	# The [kannel] section as documented, switched on: one address.
	sed '/^\[kannel\]/,/^\[/ s/^enabled = false/enabled = true/' "$c" >"$c.k"
	"$BIN/smsd" --check-config "$c.k" >"$c.k.out" 2>&1
	check "block $found: the kannel allow list is the one address" grep -q 'kannel on (1 allowed)' "$c.k.out"
	check "block $found: nothing was created" test ! -e "$R/var/lib/rj-sms/smsd.key"
done
check "docs/ hold an smsd.conf block" test "$found" -ge 1

# A wrong value is refused, naming the setting and the line.
c="$T/smsd-doc-1.conf"
sed 's/^country_code = 44/country_code = 44x/' "$c" >"$T/bad1.conf"
line=$(grep -n '^country_code' "$T/bad1.conf" | cut -d: -f1)
check "a bad country_code is refused, naming it and its line" sh -c \
	"! $BIN/smsd --check-config $T/bad1.conf 2>$T/bad1.log && grep -q 'bad value for \[smsd\] country_code' $T/bad1.log && grep -q 'error on line $line' $T/bad1.log"
sed -e '/^\[kannel\]/,/^\[/ s/^enabled = false/enabled = true/' \
	-e 's/^allow = .*/allow = 192.0.2.10 the Kannel box/' "$c" >"$T/bad2.conf"
check "an allow entry that is not an address is refused" sh -c \
	"! $BIN/smsd --check-config $T/bad2.conf 2>$T/bad2.log && grep -q 'allow: entry 2 is not an IP address' $T/bad2.log"
sed 's|^public_url = .*|public_url = https://sms.example.org/sms/twilio exactly|' "$c" >"$T/bad3.conf"
check "a public_url with a stray word is refused" sh -c \
	"! $BIN/smsd --check-config $T/bad3.conf 2>$T/bad3.log && grep -q 'public_url must be one https:// URL' $T/bad3.log"
check "smsd --check-config without a file is a usage error" sh -c \
	"$BIN/smsd --check-config 2>/dev/null; [ \$? -eq 2 ]"
