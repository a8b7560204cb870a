#!/usr/bin/env python3
"""Check what hubctl exported against what the senders were told
(tests/e2e/fault_kill.sh). Prints ok / not ok lines.

fault_check.py EXPORT.json SMS.jsonl KIOSK.jsonl SMS_COUNT KIOSK_COUNT
"""
import json
import sys
from collections import Counter


def say(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def flat(o):
    """Every string in a referral, however deep."""
    if isinstance(o, dict):
        for v in o.values():
            yield from flat(v)
    elif isinstance(o, list):
        for v in o:
            yield from flat(v)
    elif isinstance(o, str):
        yield o


def main():
    exp_path, sms_path, kiosk_path = sys.argv[1:4]
    n_sms, n_kiosk = int(sys.argv[4]), int(sys.argv[5])
    exported = json.load(open(exp_path))
    sms = [json.loads(l) for l in open(sms_path)]
    kiosk = [json.loads(l) for l in open(kiosk_path)]

    refs = Counter(e["ref"] for e in exported)
    twice = [r for r, n in refs.items() if n > 1]
    say(not twice, "no reference code is at the hub twice (%d twice)" %
        len(twice))
    by_ref = {e["ref"]: e for e in exported}
    # Which referrals hold a given text, by text.
    holders = {}
    for e in exported:
        for s in set(flat(e.get("referral") or {})):
            holders.setdefault(s, []).append(e["ref"])

    def count_holding(needle):
        return sum(len(v) for k, v in holders.items() if needle in k)

    # SMS: each conversation got its code, the hub has that code once,
    # with the name and number sent, and no other referral has them.
    taken = [r for r in sms if r.get("ok")]
    say(len(sms) == n_sms and len(taken) == n_sms,
        "sms: every one of %d conversations ended with a reference (%d)" %
        (n_sms, len(taken)))
    errs = [r.get("error") for r in sms if not r.get("ok")][:3]
    if errs:
        print("# sms errors: %s" % errs)
    bad = 0
    for r in taken:
        e = by_ref.get(r["ref"])
        c = ((e or {}).get("referral") or {}).get("contact") or {}
        if (e is None or refs[r["ref"]] != 1 or c.get("name") != r["name"]
                or c.get("phone") != r["from"]
                or e.get("channel") != "sms"):
            bad += 1
    say(taken and bad == 0,
        "sms: each referral at the hub exactly once, with its name and "
        "number (%d wrong or missing)" % bad)
    names = Counter()
    for e in exported:
        c = (e.get("referral") or {}).get("contact") or {}
        if e.get("channel") == "sms":
            names[c.get("name")] += 1
    dup = sum(1 for r in taken if names[r["name"]] != 1)
    say(dup == 0, "sms: no conversation's marker at the hub twice (%d)" % dup)

    # Kiosk: each visit ended with exactly one sent attempt; that
    # attempt's every marker is in one referral; an attempt that died
    # before it sent is nowhere; one whose send got no answer at most once.
    visits = Counter(r["visit"] for r in kiosk if r["sent"])
    say(len(visits) == n_kiosk and all(n == 1 for n in visits.values()),
        "kiosk: every one of %d visits was taken, once (%d)" %
        (n_kiosk, len(visits)))
    sent = [r for r in kiosk if r["sent"]]
    bad = 0
    for r in sent:
        mk = r["markers"]
        found = set()
        for k, v in mk.items():
            found.update(ref for s, lst in holders.items() if v in s
                         for ref in lst)
        # every field's marker in one and the same referral
        ok = len(found) == 1
        if ok and r.get("ref"):
            ok = found == {r["ref"]}
        if ok:
            e = by_ref[next(iter(found))]
            strings = set(flat(e["referral"]))
            ok = all(any(v in s for s in strings) for v in mk.values()
                     if v != mk["phone"])
            ok = ok and ((e["referral"].get("contact") or {}).get("phone")
                         == "+44" + mk["phone"][1:])
        bad += not ok
    say(sent and bad == 0,
        "kiosk: each sent visit at the hub exactly once, every field as "
        "typed (%d wrong or missing)" % bad)
    dropped = [r for r in kiosk if not r["sent"] and not r["send_tried"]]
    ghost = sum(1 for r in dropped
                if count_holding(r["markers"]["name"]) != 0)
    say(ghost == 0, "kiosk: %d visits the kiosk dropped before sending "
        "left nothing at the hub (%d did)" % (len(dropped), ghost))
    unsure = [r for r in kiosk if not r["sent"] and r["send_tried"]]
    arrived = [count_holding(r["markers"]["name"]) for r in unsure]
    say(all(n <= 1 for n in arrived),
        "kiosk: %d sends cut off by the kill arrived at most once "
        "(%d arrived)" % (len(unsure), sum(arrived)))
    print("# kiosk attempts %d, dropped before send %d, send cut off %d "
          "(arrived %d)" % (len(kiosk), len(dropped), len(unsure),
                            sum(arrived)))

    want = n_sms + n_kiosk + sum(arrived)
    say(len(exported) == want,
        "the hub holds exactly the referrals taken: %d (want %d)" %
        (len(exported), want))


if __name__ == "__main__":
    main()
