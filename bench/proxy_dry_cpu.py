#!/usr/bin/env python3
"""CPU per 1,000 requests over the requests-dry load, request balancing against connection balancing (not a
throughput benchmark: on a shared machine the CPU a request costs moves far less than the rate).

The load of bench.py's `requests-dry` scenario: three backends in one JVM (one resize worker, answering dry-run
requests without resizing), our proxy with `--balance requests` or `--balance connections`, and our client in
dry-run mode with 100 connections a round, 11 requests each (bench.DRY_RUN_ARGS and its folder of 1,100 links),
the connections opened anew each round. Each run starts fresh servers, warms them with WARM_UP_ROUNDS rounds
(bench.py's knob, 400 by default), then measures ROUNDS rounds (100, as the scenario does) with a fresh client.
The sides alternate (requests, connections, requests, ...) for PAIRS pairs, so that both see the same drift.

Printed per run and as medians per side (min to max): CPU ms per 1,000 requests over the measured rounds, from
/proc (utime+stime of each thread, cpu_split.thread_cpu), for
  proxy     event loops / collector (the serial collector runs in the VM Thread) / JIT / other, and its total;
  backends  the three backends' JVM, all threads;
  client    the measured client's whole process (its JVM's start and exit included, from wait4's rusage).

Usage: [PAIRS=3] [ROUNDS=100] [WARM_UP_ROUNDS=400] [STRACE=DIR] bench/proxy_dry_cpu.py [requests|connections ...]
       Sides default to both. STRACE=DIR: `strace -f -c` of the proxy over each measured run, one summary a run in
       DIR (strace slows the proxy, so that run's CPU figures are not comparable; the counts are what it is for).
       PROXY_JVM_OPTS, JVM_OPTS, CLIENT_JVM_OPTS and TCPBALANCER_JAR work as in bench.py.
"""
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench
from cpu_split import by_group, thread_cpu  # thread_cpu: CPU seconds of each live thread, keyed by "name#tid"

PROXY_GROUPS = ("event loops", "collector", "JIT", "other")
COLUMNS = (*(f"proxy {name}" for name in PROXY_GROUPS), "proxy", "backends", "client")
HEADINGS = (*COLUMNS, "requests/s (noise)")


def proxy_cpu_between(before, after):
    """The proxy's CPU seconds by thread group between two thread_cpu readings: cpu_split's groups, where a proxy
    has no resize workers (a thread of Vert.x's worker pool would count as "other")."""
    groups = by_group(after, before)
    groups["other"] += groups.pop("workers")
    return groups


def start_strace(pid, directory, run):
    if directory is None:
        return None
    out = Path(directory) / f"strace-{run}.txt"
    return subprocess.Popen(["strace", "-f", "-c", "-o", str(out), "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_strace(process):
    if process is not None:
        process.terminate()  # strace detaches and writes its summary
        process.wait(timeout=30)


def one_run(settings, side, rounds, strace_dir, run):
    """One fresh set of servers for `side`: the warm-up, then `rounds` measured rounds. CPU ms per 1,000 requests."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        backends, ports = bench.three_backends(settings, work, 1)
        try:
            proxy, port = bench.balanced_proxy(settings, work, side, ports)
            try:
                folder = bench.dry_run_folder(settings, work)
                bench.run_client(settings, work, port, bench.DRY_RUN_ARGS + ["--times", str(settings.warm_up_rounds)],
                                 folder, warm_up=True)
                proxy_before, backends_before = thread_cpu(proxy.process.pid), backends.usage()
                tracer = start_strace(proxy.process.pid, strace_dir, run)
                try:
                    report, client = bench.run_client(settings, work, port,
                                                      bench.DRY_RUN_ARGS + ["--times", str(rounds)], folder)
                finally:
                    stop_strace(tracer)
                proxy_after, backends_used = thread_cpu(proxy.process.pid), backends.cpu_since(backends_before)
            finally:
                proxy.stop()
        finally:
            backends.stop()
    requests = bench.DRY_RUN_FOLDER_SIZE * rounds
    if report["images"]["resized"] != requests:
        raise bench.Invalid(f"{report['images']['resized']} of {requests} requests answered")
    per_thousand = 1e6 / requests  # seconds -> ms per 1,000 requests
    groups = proxy_cpu_between(proxy_before, proxy_after)
    figures = {f"proxy {name}": cpu * per_thousand for name, cpu in groups.items()}
    figures["proxy"] = sum(groups.values()) * per_thousand
    figures["backends"] = backends_used["cpu_s"] * per_thousand
    figures["client"] = client["cpu_s"] * per_thousand
    figures["requests/s"] = report["requestsPerSecond"]
    return figures


def print_row(label, cells):
    print(f"{label:<14}" + "".join(f"{cell:>{max(len(column), 17)}} " for column, cell in zip(HEADINGS, cells)),
          flush=True)


def main():
    sides = sys.argv[1:] or ["requests", "connections"]
    for side in sides:
        if side not in ("requests", "connections"):
            sys.exit(f"proxy_dry_cpu.py: a side is requests or connections, not {side!r}")
    settings = bench.Settings.from_environment(os.environ)
    pairs = bench.whole_number(os.environ, "PAIRS", 3, 1)
    rounds = bench.whole_number(os.environ, "ROUNDS", 100, 1)
    strace_dir = os.environ.get("STRACE") or None
    print(f"CPU ms per 1,000 requests over {rounds} measured rounds of {bench.DRY_RUN_FOLDER_SIZE} requests, after "
          f"{settings.warm_up_rounds} warm-up rounds; images {settings.images}")
    print_row("run", HEADINGS)
    results = {side: [] for side in sides}
    for pair in range(pairs):
        for side in sides:
            figures = one_run(settings, side, rounds, strace_dir, f"{side}-{pair + 1}")
            results[side].append(figures)
            print_row(f"{side} {pair + 1}", [f"{figures[c]:.1f}" for c in (*COLUMNS, "requests/s")])
    print("medians (min to max):")
    for side, runs in results.items():
        cells = []
        for column in (*COLUMNS, "requests/s"):
            values = [run[column] for run in runs]
            cells.append(f"{statistics.median(values):.1f} ({min(values):.0f}-{max(values):.0f})"
                         if column == "requests/s" else
                         f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})")
        print_row(side, cells)
    if len(results) == 2:
        requests, connections = (statistics.median(run["proxy"] for run in results[s]) for s in sides)
        print(f"proxy CPU per request, {sides[0]} / {sides[1]}: {requests / connections:.2f}")


if __name__ == "__main__":
    main()
