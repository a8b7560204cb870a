#!/usr/bin/env python3
"""Look for personal data at rest (tests/e2e/fault_kill.sh).

fault_scan.py MARKERS FILE_OR_DIR...
    MARKERS: one marker a line, each one of the shapes the fault tests
    plant: "zq" and 12 letters or digits (a text field), 10 digits from
    7 (a UK mobile number without its 0 or +44), or a postcode without
    its space. Every regular file under the paths is read as raw bytes and
    searched in UTF-8 (for these shapes also the URL- and form-encoded
    form; a postcode's space may be " ", "+" or "%20", a number may start
    0, +44, %2B44 or 44) and in UTF-16 of either byte order. Prints one
    line per hit "PATH: MARKER (FORM)" and a summary
    "files N bytes N hits N markers N"
    (markers: how many different ones were found); exit 0 when there are no hits.
"""
import os
import re
import sys

SHAPES = [
    (re.compile(rb"zq[a-z0-9]{12}"), lambda m: m),
    (re.compile(rb"(?=(7[0-9]{9}))"), lambda m: m),
    (re.compile(rb"(?i)[A-Z][0-9][A-Z]{2}(?: |\+|%20)?[0-9][A-Z]{2}"),
     lambda m: re.sub(rb"(?: |\+|%20)", b"", m).upper()),
]
MARKER_SHAPES = [rb"zq[a-z0-9]{12}", rb"7[0-9]{9}",
                 rb"[A-Z][0-9][A-Z]{2}[0-9][A-Z]{2}"]
UTF16 = [(re.compile(rb"(?:[\x20-\x7e]\x00){6,}"), "utf-16le", 0),
         (re.compile(rb"(?:\x00[\x20-\x7e]){6,}"), "utf-16be", 1)]


def candidates(data):
    for rx, norm in SHAPES:
        for m in rx.finditer(data):
            yield norm(m.group(1) if rx.groups else m.group(0))


def scan(data, wanted):
    found = []
    for c in candidates(data):
        if c in wanted:
            found.append((c, "utf-8"))
    for rx, name, _ in UTF16:
        for run in rx.finditer(data):
            text = run.group(0).decode(name).encode()
            found += [(c, name) for c in candidates(text) if c in wanted]
    return found


def files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
        for root, _, names in os.walk(p):
            for n in names:
                f = os.path.join(root, n)
                if os.path.isfile(f) and not os.path.islink(f):
                    yield f


def main():
    wanted = set()
    for line in open(sys.argv[1], "rb"):
        m = line.strip()
        if m:
            if not any(re.fullmatch(rx, m) for rx in MARKER_SHAPES):
                sys.exit("marker of no known shape: %r" % m)
            wanted.add(m)
    nfiles = nbytes = hits = 0
    seen = set()
    for f in files(sys.argv[2:]):
        with open(f, "rb") as fh:
            data = fh.read()
        nfiles += 1
        nbytes += len(data)
        for marker, form in scan(data, wanted):
            hits += 1
            seen.add(marker)
            if hits <= 20:
                print("%s: %s (%s)" % (f, marker.decode(), form))
    print("files %d bytes %d hits %d markers %d" % (nfiles, nbytes, hits,
                                                  len(seen)))
    sys.exit(0 if hits == 0 else 1)


if __name__ == "__main__":
    main()
