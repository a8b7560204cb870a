#!/bin/sh
# Every printed slip, end to end: each shipped language x {referral,
# information} x {58 mm, 80 mm} is rendered by the library to ESC/POS and
# to PNG; the ESC/POS is turned back into a picture by an independent
# decoder; zbarimg must read exactly the expected QR text from both, and
# the two pictures must be the same image.
. "$(dirname "$0")/lib.sh"

NUMBER=+447700900123 # Ofcom's drama range: never a real phone
DISPLAY_NUMBER="07700 900123"
CODE=K7QD-M2XA-9RTF-C
OUT="$T/slips"
mkdir -p "$OUT"

qr() {
	zbarimg --raw -q -Sdisable -Sqrcode.enable "$1" 2>/dev/null
}

if ! command -v zbarimg >/dev/null 2>&1; then
	not_ok "zbarimg is installed (Debian package zbar-tools)"
	exit 1
fi

langs=$(python3 -c 'import json, sys
print(" ".join(l["code"] for l in json.load(open(sys.argv[1]))["languages"]))' \
	"$ROOT/content/languages.json")
if [ -n "$langs" ]; then ok "languages listed: $langs"; else not_ok "languages listed"; fi

if "$TOOLS/slip_render" -c "$ROOT/content" -n "$NUMBER" \
	-d "$DISPLAY_NUMBER" -r "$CODE" -o "$OUT" >"$T/render.log" 2>&1; then
	ok "every slip renders with every character in a font"
else
	not_ok "every slip renders with every character in a font"
	cat "$T/render.log"
fi

for lang in $langs; do
	for kind in referral info; do
		if [ "$kind" = referral ]; then
			want="SMSTO:$NUMBER:REF $CODE"
		else
			want="SMSTO:$NUMBER:INFO"
		fi
		for w in 384 576; do
			base="$OUT/$lang-$kind-$w"
			what="$lang $kind $w dots"
			info=$("$TOOLS/escpos2png" "$base.escpos" \
				"$base.decoded.png" 2>"$T/decode.err")
			case "$info" in
			"width=$w height="*" init=1 feed=4 cut=0")
				ok "$what: ESC/POS framing ($info)" ;;
			*)
				not_ok "$what: ESC/POS framing: $info"
				cat "$T/decode.err" ;;
			esac
			got=$(qr "$base.decoded.png")
			if [ "$got" = "$want" ]; then
				ok "$what: QR from the printer bytes reads '$want'"
			else
				not_ok "$what: QR from the printer bytes reads '$got'"
			fi
			got=$(qr "$base.png")
			if [ "$got" = "$want" ]; then
				ok "$what: QR from the PNG reads '$want'"
			else
				not_ok "$what: QR from the PNG reads '$got'"
			fi
			# Same raster in, same PNG out: the printer gets
			# exactly the picture the PNG shows.
			check "$what: printer bytes and PNG are one image" \
				cmp -s "$base.png" "$base.decoded.png"
		done
	done
done

if "$TOOLS/slip_render" -c "$ROOT/content" -n "$NUMBER" -o "$OUT" \
	-l xx >/dev/null 2>&1; then
	not_ok "a language that is not shipped is refused"
else
	ok "a language that is not shipped is refused"
fi
