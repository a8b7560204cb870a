#!/usr/bin/env python3
"""Issue 12's table from bench/net.sh's measured numbers.

table.py RESULTS JSON_OUT COMMIT NCPU

RESULTS holds name=value lines. Prints one table (figure, measured,
reference from the same run, ratio, target, met?) and writes the same as
JSON to JSON_OUT.
"""
import datetime
import json
import sys


def load(path):
    vals = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            try:
                vals[k] = float(v)
            except ValueError:
                vals[k] = None
    return vals


def main():
    res, out, commit, ncpu = sys.argv[1:5]
    v = load(res)

    def g(k):
        return v.get(k)

    # figure, unit, measured key, reference name, reference key,
    # kind of target ("ratio>=", "value<=", "value<"), target
    rows = [
        ("smsd verified webhooks/s, TLS keep-alive, durable", "req/s",
         "smsd_webhooks", "SQLCipher batched (50/txn) rows/s",
         "sqlcipher_batch", "ratio>=", 0.4),
        ("smsd latency p99, paced 1,000 req/s", "ms", "smsd_p99", None,
         None, "value<=", 25.0),
        ("hubd envelopes/s stored durably", "env/s", "hubd_envelopes",
         "SQLCipher batched (50/txn) rows/s", "sqlcipher_batch", "ratio>=",
         0.2),
        ("hubd full TLS handshakes/s", "hs/s", "hubd_full",
         "mbedTLS ECDHE+ECDSA ceiling, all cores", "hubd_ceiling",
         "ratio>=", 0.8),
        ("smsd full TLS handshakes/s", "hs/s", "smsd_full",
         "mbedTLS ECDHE+ECDSA ceiling, all cores", "smsd_ceiling",
         "ratio>=", 0.8),
        ("hubd full handshakes per CPU-second of hubd", "hs/cpu-s",
         "hubd_full_cpu", "mbedTLS ceiling per CPU-second",
         "hubd_ceiling_cpu", "ratio>=", 0.8),
        ("smsd full handshakes per CPU-second of smsd", "hs/cpu-s",
         "smsd_full_cpu", "mbedTLS ceiling per CPU-second",
         "smsd_ceiling_cpu", "ratio>=", 0.8),
        ("hubd full TLS handshakes/s, hubd on one core, client on the "
         "other", "hs/s", "hubd_full_core",
         "mbedTLS ceiling, one thread on that core", "hubd_ceiling_core",
         "ratio>=", 0.8),
        ("smsd full TLS handshakes/s, smsd on one core, client on the "
         "other", "hs/s", "smsd_full_core",
         "mbedTLS ceiling, one thread on that core", "smsd_ceiling_core",
         "ratio>=", 0.8),
        ("hubd resumed TLS handshakes/s", "hs/s", "hubd_resumed",
         "hubd full handshakes/s", "hubd_full", "ratio>=", 3.0),
        ("smsd resumed TLS handshakes/s", "hs/s", "smsd_resumed",
         "smsd full handshakes/s", "smsd_full", "ratio>=", 3.0),
        ("sealed durable enqueue/s, SQLCipher (store)", "env/s",
         "enqueue_sqlcipher", "plain SQLite, same schema and settings",
         "enqueue_plain", "ratio>=", 0.7),
        ("forwarder: drain 10,000 queued envelopes", "s", "drain_s", None,
         None, "value<", 5.0),
        # References and context: no target of their own.
        ("smsd webhooks/s vs nginx static 200 keep-alive", "req/s",
         "smsd_webhooks", "nginx keep-alive req/s (wrk)", "nginx_keepalive",
         None, None),
        ("hubd full handshakes/s vs nginx", "hs/s", "hubd_full",
         "nginx new TLS connections/s", "nginx_full", None, None),
        ("nginx resumed TLS handshakes/s", "hs/s", "nginx_resumed",
         "nginx new TLS connections/s", "nginx_full", None, None),
        ("SQLCipher single-row durable rows/s", "rows/s", "sqlcipher_single",
         "plain SQLite single-row", "plain_single", None, None),
        ("SQLCipher batched (50/txn) durable rows/s", "rows/s",
         "sqlcipher_batch", "plain SQLite batched", "plain_batch", None,
         None),
    ]
    table = []
    delivered = g("drain_delivered")
    for fig, unit, mk, rname, rk, kind, target in rows:
        if mk == "drain_s" and delivered is not None and delivered < 10000:
            fig += " (gave up: %d delivered)" % delivered
        m = g(mk)
        ref = g(rk) if rk else None
        ratio = m / ref if m is not None and ref else None
        met = None
        if kind == "ratio>=" and ratio is not None:
            met = ratio >= target
        elif kind == "value<=" and m is not None:
            met = m <= target
        elif kind == "value<" and m is not None:
            met = m < target
        elif kind is not None:
            met = False
        tgt = None
        if kind == "ratio>=":
            tgt = ">= %gx" % target
        elif kind == "value<=":
            tgt = "<= %g %s" % (target, unit)
        elif kind == "value<":
            tgt = "< %g %s" % (target, unit)
        table.append({"figure": fig, "unit": unit, "measured": m,
                      "reference": rname, "reference_value": ref,
                      "ratio": ratio, "target": tgt, "met": met})

    def num(x):
        if x is None:
            return "-"
        return "%.2f" % x if x < 100 else "%.0f" % x

    print("| figure | measured | reference (same run) | ratio | target "
          "| met? |")
    print("|---|---|---|---|---|---|")
    for r in table:
        ref = "-"
        if r["reference"]:
            ref = "%s: %s" % (r["reference"], num(r["reference_value"]))
        met = "-" if r["met"] is None else ("yes" if r["met"] else "no")
        print("| %s | %s %s | %s | %s | %s | %s |" % (
            r["figure"], num(r["measured"]), r["unit"], ref,
            "-" if r["ratio"] is None else "%.2fx" % r["ratio"],
            r["target"] or "-", met))
    doc = {"commit": commit, "cores": int(ncpu),
           "date": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%dT%H:%M:%SZ"),
           "measured": v, "table": table}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print("(written to %s)" % out)


if __name__ == "__main__":
    main()
