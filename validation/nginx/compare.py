#!/usr/bin/env python3
"""The analysis half of validation/nginx/run (standard library only).

  compare.py scenario CASE.json OUT.toml       write the simroute scenario of a case
  compare.py measure CASE.json                 print the measured figures of a case (JSON)
  compare.py case CASE.json SUMMARY.json OUT   compare measured and simulated: one case's verdict
  compare.py report OUT_DIR CASE_RESULT...     write comparison.json and comparison.md

CASE.json is written by the run script: the case's settings, where its measured CSV (from
testbed-load) and app log (from testbed-app) are, and the calibration it uses.
"""

import csv
import json
import math
import sys

# simroute's failure keys and the status a client without a gateway sees for each.
FAILURE_STATUS = {
    "internal_error_500": "500",
    "bad_gateway_502": "502",
    "unavailable_503": "503",
    "gateway_timeout_504": "504",
    "client_timeout": "client_timeout",
    "throttled_429": "429",
    "unauthorized_401": "401",
    "forbidden_403": "403",
    "not_found_404": "404",
    "bad_request_400": "400",
    # nginx accepted the connection and closed it with no answer (out of worker_connections).
    "connection_closed": "no_response",
}


def load(path):
    with open(path) as f:
        return json.load(f)


def percentile(sorted_values, q):
    """Nearest rank: the smallest value with at least a fraction q of the values at or below."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def read_load_csv(path):
    rows = []
    header = {}
    with open(path) as f:
        first = f.readline()
        if first.startswith("#"):
            for part in first[1:].split():
                k, _, v = part.partition("=")
                header[k] = v
        else:
            f.seek(0)
        for row in csv.DictReader(f):
            rows.append(row)
    return header, rows


def status_key(row):
    status = int(row["status"])
    if status > 0:
        return str(status)
    return "client_timeout" if row["detail"] == "timeout" else "no_response"


def latency_figures(values):
    values = sorted(values)
    if not values:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "mean_ms": None}
    return {
        "p50_ms": percentile(values, 0.50),
        "p90_ms": percentile(values, 0.90),
        "p99_ms": percentile(values, 0.99),
        "mean_ms": sum(values) / len(values),
    }


def measured(case):
    """The client's view of the case, after the warm-up: what simroute's figures count."""
    header, rows = read_load_csv(case["load_csv"])
    warmup = case["warmup_s"]
    rows = [r for r in rows if float(r["arrival_s"]) >= warmup]
    ok = [float(r["latency_ms"]) for r in rows if r["status"] == "200"]
    histogram = {}
    by_status = {}
    for r in rows:
        k = status_key(r)
        histogram[k] = histogram.get(k, 0) + 1
        by_status.setdefault(k, []).append(float(r["latency_ms"]))
    n = len(rows)
    out = latency_figures(ok)
    out["requests"] = n
    out["error_rate"] = (n - len(ok)) / n if n else None
    out["status"] = {k: histogram[k] / n for k in sorted(histogram)}
    out["status_counts"] = {k: histogram[k] for k in sorted(histogram)}
    # How long the failures took: a 504 should come at the read timeout, a 502 at once.
    out["failure_p50_ms"] = {
        k: percentile(sorted(v), 0.5) for k, v in sorted(by_status.items()) if k != "200"
    }
    out["sender_late_max_ms"] = float(header.get("sender_late_max_ms", "nan"))
    out["wall_start_s"] = float(header.get("wall_start_s", "nan"))
    app = app_log(case.get("app_log"))
    if app:
        out["app"] = app
    return out


def app_log(path):
    """The app's own record: drawn vs actual service time (the sleep overshoot), queue wait."""
    if not path:
        return None
    drawn, over = [], []
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) != 3:
                    continue
                d, a = float(parts[0]), float(parts[1])
                drawn.append(d)
                over.append(a - d)
    except FileNotFoundError:
        return None
    if not drawn:
        return None
    over_sorted = sorted(over)
    return {
        "served": len(drawn),
        "drawn_mean_ms": sum(drawn) / len(drawn),
        "overshoot_mean_ms": sum(over) / len(over),
        "overshoot_p50_ms": percentile(over_sorted, 0.5),
        "overshoot_p99_ms": percentile(over_sorted, 0.99),
        "overshoot_max_ms": over_sorted[-1],
    }


def toml_dist(d):
    kind = d["dist"]
    if kind == "constant":
        return '{ dist = "constant", ms = %r }' % float(d["ms"])
    if kind == "exponential":
        return '{ dist = "exponential", mean_ms = %r }' % float(d["mean_ms"])
    if kind == "uniform":
        return '{ dist = "uniform", min_ms = %r, max_ms = %r }' % (
            float(d["min_ms"]),
            float(d["max_ms"]),
        )
    if kind == "empirical":
        return '{ dist = "empirical", file = "%s" }' % d["file"]
    raise SystemExit("compare.py: unknown distribution %r" % kind)


def write_scenario(case, out):
    """The case as simroute sees it: direct traffic (no gateway, no load balancer), one target
    group with one task: the calibrated sidecar and the app of the case."""
    s = case["settings"]
    overshoot = case.get("sleep_overshoot_ms", 0.0)
    app = "workers = %d, queue_limit = %s, service = %s" % (
        s["workers"],
        '"unbounded"' if s["queue_limit"] is None else str(s["queue_limit"]),
        toml_dist(s["service"]),
    )
    if case.get("sleep_overshoot_file"):
        # The app's sleeps overrun what was drawn (timer slack, waking up on a busy machine):
        # the overrun holds the worker too, so the measured overruns of this case, resampled,
        # are added to every service time (a dependency call is exactly an added hold).
        app += ', dependency = { latency = { dist = "empirical", file = "%s" } }' % case[
            "sleep_overshoot_file"
        ]
    elif overshoot > 0:
        app += ', dependency = { latency = { dist = "constant", ms = %.6f } }' % overshoot
    lines = [
        "# Written by validation/nginx/run for case %s." % case["case"],
        "[simulation]",
        'name = "nginx-%s"' % case["case"],
        "seed = %d" % case["seed"],
        "duration_s = %r" % float(case["duration_s"]),
        "warmup_s = %r" % float(case["warmup_s"]),
        "replications = %d" % case["replications"],
        "",
        "[[traffic]]",
        'name = "client"',
        "rate_rps = %r" % float(case["rate_rps"]),
        'arrival = "poisson"',
        "timeout_s = %r" % float(case["client_timeout_s"]),
        'target_group = "task"',
        "",
        "[target_groups.task]",
        "targets = 1",
        "sidecar = { latency = %s, max_connections = %d, backlog = %d, proxy_read_timeout_s = %r }"
        % (
            toml_dist(case["sidecar_latency"]),
            s["worker_connections"],
            s["backlog"],
            float(s["proxy_read_timeout_s"]),
        ),
        "app = { %s }" % app,
    ]
    for fault in case.get("faults", []):
        lines += [
            "",
            "[[faults]]",
            "at_s = %r" % float(fault["at_s"]),
            'kind = "%s"' % fault["kind"],
            'target_group = "task"',
        ]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def simulated(summary):
    s = load(summary)
    lat = s["latency_ms"]
    ci = s.get("ci95", {})
    ci_lat = ci.get("latency_ms", {})
    req = s["requests"]
    completed = req["completed"]
    status = {}
    if completed > 0:
        if req["ok"] > 0:
            status["200"] = req["ok"] / completed
        for key, count in req["failures"].items():
            if count > 0:
                k = FAILURE_STATUS.get(key, key)
                status[k] = status.get(k, 0.0) + count / completed
    n = s["replications"]
    t = T95.get(n - 1, 1.96)

    def fig(key):
        return lat.get(key)

    def ci95(key):
        return ci_lat.get(key)

    def spread(key):
        # The run-to-run standard deviation, from the 95% half-width of the mean: how much one
        # run of this length (what the testbed measures) scatters around the mean.
        h = ci_lat.get(key)
        return None if h is None else h * math.sqrt(n) / t

    return {
        "p50_ms": fig("p50"),
        "p90_ms": fig("p90"),
        "p99_ms": fig("p99"),
        "mean_ms": fig("mean"),
        "error_rate": s["error_rate"],
        "status": {k: status[k] for k in sorted(status)},
        "ci95_ms": {k + "_ms": ci95(k) for k in ("p50", "p90", "p99", "mean")},
        "run_sd_ms": {k + "_ms": spread(k) for k in ("p50", "p90", "p99", "mean")},
        "ci95_error_rate": ci.get("error_rate"),
        "replications": n,
        "requests_per_replication": req["offered"],
        "stages": s.get("stages", {}),
    }


# Two-sided 95% Student t quantiles by degrees of freedom (the interval simroute reports).
T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 24: 2.064, 29: 2.045, 39: 2.023,
}


def rel(m, s):
    if m is None or s is None or s == 0:
        return None
    return (m - s) / s


def check_rel(name, m, s, tol, run_sd=None):
    r = rel(m, s)
    out = {
        "check": "%s within %d%%" % (name, round(tol * 100)),
        "measured": m,
        "simulated": s,
        "relative_error": r,
        "tolerance": tol,
        "passed": r is not None and abs(r) <= tol,
    }
    if run_sd:
        # Not part of the verdict: how many of one simulated run's standard deviations the
        # measurement is off, so a miss can be told from the noise of a single run.
        out["run_sd"] = run_sd
        out["z"] = None if m is None or s is None else (m - s) / run_sd
    return out


def share_tolerance(p, n):
    """Absolute tolerance on a share measured from n requests: three binomial standard
    deviations, and never below 0.03 (timing of the fault against the clock, a few requests)."""
    if not n:
        return 0.03
    return max(0.03, 3 * math.sqrt(max(p * (1 - p), 0.0) / n))


def check_share(name, m, s, n):
    tol = share_tolerance(s, n)
    return {
        "check": "%s within %.3f" % (name, tol),
        "measured": m,
        "simulated": s,
        "absolute_error": m - s,
        "tolerance": tol,
        "passed": abs(m - s) <= tol,
    }


def check_statuses(m, s, floor=0.01):
    """The same statuses show up (each at least `floor` of the answers on either side)."""
    ms = {k for k, v in m.items() if v >= floor}
    ss = {k for k, v in s.items() if v >= floor}
    return {
        "check": "the same statuses (each at least %g of the answers)" % floor,
        "measured": sorted(ms),
        "simulated": sorted(ss),
        "passed": ms == ss,
    }


def compare_case(case, summary, out):
    m = measured(case)
    s = simulated(summary)
    name = case["case"]
    n = m["requests"]
    checks = []
    sd = s["run_sd_ms"]
    if name == "steady":
        checks += [
            check_rel("p50", m["p50_ms"], s["p50_ms"], 0.10, sd["p50_ms"]),
            check_rel("p90", m["p90_ms"], s["p90_ms"], 0.15, sd["p90_ms"]),
            check_rel("p99", m["p99_ms"], s["p99_ms"], 0.20, sd["p99_ms"]),
            check_rel("mean", m["mean_ms"], s["mean_ms"], 0.10, sd["mean_ms"]),
            check_share("error rate", m["error_rate"], s["error_rate"], n),
        ]
    elif name == "app_down":
        checks += [
            check_share("502 share", m["status"].get("502", 0.0), s["status"].get("502", 0.0), n),
            check_statuses(m["status"], s["status"]),
        ]
    elif name == "slow_app":
        timeout_ms = case["settings"]["proxy_read_timeout_s"] * 1000
        cal = case["calibration"]["p50_ms"]
        expected_504 = timeout_ms + cal
        got_504 = m["failure_p50_ms"].get("504")
        checks += [
            check_share("504 share", m["status"].get("504", 0.0), s["status"].get("504", 0.0), n),
            check_statuses(m["status"], s["status"]),
            check_rel("p50 of the 200s", m["p50_ms"], s["p50_ms"], 0.10, sd["p50_ms"]),
            check_rel("mean of the 200s", m["mean_ms"], s["mean_ms"], 0.10, sd["mean_ms"]),
            {
                "check": "504s answered at proxy_read_timeout (median within 5% of the "
                "timeout plus nginx's calibrated latency, as the model has it)",
                "measured": got_504,
                "simulated": expected_504,
                "relative_error": rel(got_504, expected_504),
                "tolerance": 0.05,
                "passed": got_504 is not None and abs(rel(got_504, expected_504)) <= 0.05,
            },
        ]
    elif name in ("overload", "overload_500"):
        for k in sorted(set(m["status"]) | set(s["status"])):
            checks.append(
                check_share(
                    "share answered %s" % k, m["status"].get(k, 0.0), s["status"].get(k, 0.0), n
                )
            )
        checks.append(check_rel("p50 of the 200s", m["p50_ms"], s["p50_ms"], 0.10, sd["p50_ms"]))
    else:
        raise SystemExit("compare.py: no checks for case %r" % name)
    agree = all(c["passed"] for c in checks)
    result = {
        "case": name,
        "question": case["question"],
        "settings": case["settings"],
        "rate_rps": case["rate_rps"],
        "duration_s": case["duration_s"],
        "warmup_s": case["warmup_s"],
        "measured": m,
        "simulated": s,
        "checks": checks,
        "agree": agree,
        "known_gap": case.get("known_gap"),
        "sleep_overshoot_ms": case.get("sleep_overshoot_ms", 0.0),
        "faults": case.get("faults", []),
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    return result


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        if unit == "share":
            return "%.3f" % v
        return "%.2f" % v if abs(v) < 100 else "%.1f" % v
    return str(v)


def fmt_status(h):
    return ", ".join("%s: %.3f" % (k, v) for k, v in h.items()) or "—"


def report(out_dir, results_paths, meta_path):
    meta = load(meta_path)
    results = [load(p) for p in results_paths]
    doc = dict(meta)
    doc["cases"] = results
    doc["all_agree"] = all(r["agree"] for r in results)
    doc["disagreeing_cases"] = [r["case"] for r in results if not r["agree"]]
    doc["unexplained_disagreements"] = [
        r["case"] for r in results if not r["agree"] and not r.get("known_gap")
    ]
    with open(out_dir + "/comparison.json", "w") as f:
        json.dump(doc, f, indent=2)

    cal = meta["calibration"]
    lines = [
        "# nginx testbed: real nginx and app vs simroute",
        "",
        "- command: `%s`" % meta["command"],
        "- %s, finished %s, %s" % (meta["nginx_version"], meta["finished_utc"], meta["host"]),
        "- settings: %s" % ", ".join("%s = %s" % (k, v) for k, v in meta["settings"].items()),
        "- calibration (zero-service app, %d requests at %.1f req/s): nginx plus loopback adds "
        "p50 %.3f ms, p99 %.3f ms, mean %.3f ms; these latencies, resampled, are the sidecar's "
        "`latency` in every simulated case"
        % (cal["requests"], cal["rate_rps"], cal["p50_ms"], cal["p99_ms"], cal["mean_ms"]),
        "- simulated: the mean over %d replications of the same duration (95%% interval ±); "
        "\"run sd\" is one simulated run's standard deviation (what a single measured run "
        "scatters by, from noise alone) and z the measurement's distance in run sds, which "
        "is not part of the verdict" % meta["replications"],
        "",
        "| case | figure | measured | simulated (±95%) | run sd | z | tolerance | ok |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["simulated"]
        for c in r["checks"]:
            key = None
            for k in ("p50", "p90", "p99", "mean"):
                if c["check"].startswith(k + " within") or c["check"].startswith(k + " of"):
                    key = k + "_ms"
            ci = s["ci95_ms"].get(key) if key else None
            sd = c.get("run_sd")
            z = c.get("z")
            if isinstance(c["measured"], list):
                mv, sv = ", ".join(c["measured"]) or "—", ", ".join(c["simulated"]) or "—"
            else:
                unit = "share" if "share" in c["check"] or "error rate" in c["check"] else ""
                mv, sv = fmt(c["measured"], unit), fmt(c["simulated"], unit)
                if ci is not None:
                    sv += " ± %s" % fmt(ci)
            tol = c.get("tolerance")
            tol_text = "—" if tol is None else (
                "±%d%%" % round(tol * 100) if "relative_error" in c else "±%.3f" % tol
            )
            lines.append(
                "| %s | %s | %s | %s | %s | %s | %s | %s |"
                % (
                    r["case"],
                    c["check"].split(" within")[0].split(" (")[0],
                    mv,
                    sv,
                    fmt(sd),
                    "—" if z is None else "%+.1f" % z,
                    tol_text,
                    "yes" if c["passed"] else "**no**",
                )
            )
    lines += ["", "| case | agree | measured statuses | simulated statuses | note |", "|---|---|---|---|---|"]
    for r in results:
        note = r.get("known_gap") or ""
        lines.append(
            "| %s | %s | %s | %s | %s |"
            % (
                r["case"],
                "yes" if r["agree"] else "**no**",
                fmt_status(r["measured"]["status"]),
                fmt_status(r["simulated"]["status"]),
                note,
            )
        )
    lines += ["", "Sleep overshoot of the app (actual minus drawn service time) per case:", ""]
    for r in results:
        app = r["measured"].get("app")
        if app:
            lines.append(
                "- %s: mean %.3f ms, p99 %.3f ms over %d requests (resampled and added to the "
                "simulated service time)" % (r["case"], app["overshoot_mean_ms"], app["overshoot_p99_ms"], app["served"])
            )
    with open(out_dir + "/comparison.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    return doc


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd = argv[1]
    if cmd == "scenario" and len(argv) == 4:
        write_scenario(load(argv[2]), argv[3])
    elif cmd == "measure" and len(argv) == 3:
        print(json.dumps(measured(load(argv[2]))))
    elif cmd == "case" and len(argv) == 5:
        r = compare_case(load(argv[2]), argv[3], argv[4])
        for c in r["checks"]:
            print(
                "  %-4s %s: measured %s, simulated %s"
                % ("ok" if c["passed"] else "FAIL", c["check"], c["measured"], c["simulated"])
            )
    elif cmd == "report" and len(argv) >= 4:
        doc = report(argv[2], argv[4:], argv[3])
        return 0 if not doc["unexplained_disagreements"] else 1
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
