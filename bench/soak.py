#!/usr/bin/env python3
"""Soak test: many short connections and rounds of idle ones through our proxy; fds and RSS must stay flat.

Run by hand, not by the test suite: build the jar first (`mvn -q -B -DskipTests package`), then
`python3 bench/soak.py` (under a minute on 2 cores; --limit caps it, 10 minutes by default).

It starts one backend and our proxy in front of it, both on free ports of 127.0.0.1, then:
  warm-up  --warm-up short connections (the JIT compilers and Netty's buffer pools get to their steady state);
           the baseline is sampled once the fd counts have held still for a second.
  phase A  --short short connections, --concurrency at once: each connects, sends one dry-run resize request
           (docs/protocol.md), reads its answer (status OK, its own request id) and closes. A sample after every
           --sample-every connections.
  phase B  --rounds rounds of --idle idle connections: all opened and held (until the proxy holds two sockets for
           each, client side and upstream side, and the backend one, none of them closed), then all closed.
           A sample after each round (and one while held, shown but not judged).
Before every sample the script waits, bounded by --settle seconds, for both servers' fd counts to hold still for
half a second within --fd-margin of the baseline; a count that does not come back is a leak, and the sample
shows it. Any
answer missing or not OK, any server exiting, or the time limit passing fails the run at once.

Both JVMs run with a fixed heap that is touched at start (-Xms as -Xmx, -XX:+AlwaysPreTouch; --no-pre-touch
leaves them out): otherwise a JVM's RSS climbs for tens of thousands of connections while its collector first
fills the heap's pages (here by 87 MB on the proxy's 128 MB heap and 300 MB on a default backend heap), which
says nothing about leaks. With the heap resident, what RSS still gains is memory outside the heap: code the
JIT compilers add, metaspace, thread stacks, Netty's direct buffers, the C heap. That is where a leak of native
memory (a buffer never released, a socket's state) shows; a leak on the heap shows as OutOfMemoryError, that is
as answers missing, once it passes the heap (128 MB over 42,000 connections: about 3 KB each).

Flat means, for the proxy and the backend alike, comparing each sample with the baseline taken after warm-up:
  fds  every sample within --fd-margin (10) of the baseline: a few fds come and go on their own (the proxy's
       health-check connections, the JVM opening a jar or a log), while a leak of one fd in a thousand
       connections already leaves 40 behind here.
  RSS  the last sample at most max(--rss-mb MB, --rss-percent % of the baseline) above it (32 MB, 15 %). The
       baseline is taken after warm-up because the JIT compilers and Netty's buffer pools reach their steady
       state only under load; after it the JIT still adds some code (up to about 15 MB seen on the backend).
       The phases open about 42,000 connections in all, so a leak of 1 KB a connection would leave some 40 MB:
       past the bound.
Exit status 0 when flat, 1 with the reasons otherwise (2 for bad options). The samples, the settings and the
verdict go to target/bench/soak.json (git ignores it; bench/results/ keeps recorded runs); the servers' logs to a temporary folder, kept and named on failure.
"""
import argparse
import ctypes
import itertools
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import processes
from processes import free_port

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "target" / "tcpbalancer.jar"
SCRIPT = ROOT / "bin" / "tcpbalancer"
RESULTS = ROOT / "target" / "bench"
HOST = "127.0.0.1"

MAGIC, VERSION, RESIZE_REQUEST, RESIZE_RESPONSE = b"TB", 1, 1, 2
HEADER = struct.Struct(">2sBBII")  # magic, version, type, request id, body length
DRY_RUN = 0x01
MAX_ANSWER_BYTES = 64 * 1024  # a dry-run answer is a few dozen bytes


class SoakFailure(Exception):
    """The soak cannot go on: an answer missing or wrong, a server gone, the time limit passed."""


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, doing):
        if self.left() <= 0:
            raise SoakFailure(f"the time limit of {self.seconds:.0f} s passed while {doing}")


def dry_run_request(request_id, name=b"soak.jpg"):
    body = struct.pack(">HHBB", 200, 200, 0, DRY_RUN) + bytes([4]) + b"jpeg" + struct.pack(">H", len(name)) + name
    return HEADER.pack(MAGIC, VERSION, RESIZE_REQUEST, request_id, len(body)) + body


def read_exactly(sock, count):
    chunks, got = [], 0
    while got < count:
        chunk = sock.recv(count - got)
        if not chunk:
            raise SoakFailure(f"connection closed after {got} of {count} bytes of an answer")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def one_request(port, request_id, timeout):
    """One short connection: connect, one dry-run request, its answer checked, close."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(dry_run_request(request_id))
        magic, version, kind, answered_id, length = HEADER.unpack(read_exactly(sock, HEADER.size))
        if (magic, version, kind) != (MAGIC, VERSION, RESIZE_RESPONSE) or length < 1 or length > MAX_ANSWER_BYTES:
            raise SoakFailure(f"bad answer header {magic!r} v{version} type {kind} length {length}")
        body = read_exactly(sock, length)
        if answered_id != request_id or body[0] != 0:
            raise SoakFailure(f"request {request_id}: answer for id {answered_id} with status {body[0]}")


def kill_with_parent():
    """Runs in the child before exec: the kernel kills it if this script dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    """One of our JVMs; its fd count and RSS are read from /proc."""

    def __init__(self, name, jvm_opts, args, port, log_dir, deadline):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with open(self.log_path, "w") as log:
            # Through the start script (its JVM options; ours as JAVA_OPTS win); env and it exec: one pid.
            self.process = subprocess.Popen(["env", "JAVA_OPTS=" + " ".join(jvm_opts), str(SCRIPT), *args],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            preexec_fn=kill_with_parent)
        self.wait_listening(port, deadline)

    def wait_listening(self, port, deadline):
        while True:
            self.check_alive()
            deadline.check(f"waiting for the {self.name} to listen on {port}")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)

    def check_alive(self):
        if self.process.poll() is not None:
            raise SoakFailure(f"the {self.name} exited with status {self.process.returncode} (log: {self.log_path})")

    def fds(self):
        self.check_alive()
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise SoakFailure(f"no VmRSS for the {self.name}")

    def stop(self):
        processes.stop(self.process)


class Soak:
    """The phases against one proxy and its backend, and the samples they leave."""

    def __init__(self, args, proxy, proxy_port, backend, deadline):
        self.args, self.deadline = args, deadline
        self.proxy, self.proxy_port, self.backend = proxy, proxy_port, backend
        self.servers = (proxy, backend)
        self.request_ids = itertools.count(1)
        self.connections = 0
        self.started = time.monotonic()
        self.samples = []
        self.baseline = None

    def fds(self):
        return tuple(server.fds() for server in self.servers)

    def wait_for(self, condition, limit, doing):
        """Polls `condition` every 0.1 s until it holds (True) or `limit` seconds pass (False)."""
        end = time.monotonic() + limit
        while not condition():
            self.deadline.check(doing)
            if time.monotonic() >= end:
                return False
            time.sleep(0.1)
        return True

    def settle(self, readings=6, margin=True):
        """Waits, up to --settle seconds, for the fd counts to hold still over `readings` polls 0.1 s apart and,
        with `margin`, to be within the margin of the baseline (closes reach the servers a moment after the
        client's); the seconds it took. A count that does not come back is left for the sample to show."""
        start, history = time.monotonic(), []
        limit = (None if not margin else
                 (self.baseline[0] + self.args.fd_margin, self.baseline[1] + self.args.fd_margin))

        def settled():
            history.append(self.fds())
            recent = history[-readings:]
            return (len(recent) == readings and len(set(recent)) == 1
                    and (limit is None or all(n <= m for n, m in zip(recent[-1], limit))))
        if not self.wait_for(settled, self.args.settle, "waiting for the fd counts to settle"):
            print(f"  (fd counts not settled after {self.args.settle} s: {history[-readings:]})")
        return time.monotonic() - start

    def sample(self, label, settle_s=None, judged=True):
        fds = self.fds()
        row = {"label": label, "connections": self.connections,
               "elapsed_s": round(time.monotonic() - self.started, 1),
               "proxy_fds": fds[0], "proxy_rss_mb": round(self.proxy.rss_mb(), 1),
               "backend_fds": fds[1], "backend_rss_mb": round(self.backend.rss_mb(), 1),
               "settle_s": None if settle_s is None else round(settle_s, 1), "judged": judged}
        self.samples.append(row)
        print_row(row)
        return row

    def short_connections(self, count):
        """`count` short connections, `--concurrency` at once; the first failure stops them all and is raised."""
        left = iter(range(count))
        lock = threading.Lock()
        failures = []

        def work():
            while not failures:
                with lock:
                    if next(left, None) is None:
                        return
                    request_id = next(self.request_ids)
                try:
                    self.deadline.check("making short connections")
                    one_request(self.proxy_port, request_id, timeout=max(0.1, min(10.0, self.deadline.left())))
                except (OSError, SoakFailure) as e:
                    failures.append(e)
                    return
        threads = [threading.Thread(target=work, daemon=True) for _ in range(min(self.args.concurrency, count))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, self.deadline.left()) + 15)  # each connection has a timeout within the deadline
        if failures:
            raise SoakFailure(f"a short connection failed: {failures[0]!r}")
        if any(thread.is_alive() for thread in threads):
            raise SoakFailure("short connections still running past the time limit")
        self.connections += count

    def idle_round(self, number):
        count = self.args.idle
        held = []
        try:
            for _ in range(count):
                self.deadline.check(f"opening idle connections (round {number})")
                held.append(socket.create_connection((HOST, self.proxy_port), timeout=10))
            self.connections += count
            want = self.baseline[0] + 2 * count, self.baseline[1] + count
            if not self.wait_for(lambda: all(n >= w for n, w in zip(self.fds(), want)), self.args.settle,
                                 "waiting for the servers to hold the idle connections"):
                raise SoakFailure(f"round {number}: the servers hold {self.fds()} fds, not the {want} of "
                                  f"{count} idle connections (proxy: two each, backend: one each)")
            self.sample(f"round {number} held", judged=False)
            poller = select.poll()
            for sock in held:
                poller.register(sock, select.POLLIN)
            closed = poller.poll(0)
            if closed:
                raise SoakFailure(f"round {number}: {len(closed)} idle connections were closed or sent something")
        finally:
            for sock in held:
                sock.close()
        self.sample(f"round {number} closed", self.settle())

    def run(self):
        args = self.args
        self.sample("start", judged=False)
        self.short_connections(args.warm_up)
        settle_s = self.settle(readings=11, margin=False)  # one second still
        self.baseline = self.fds()
        self.sample("baseline (after warm-up)", settle_s)
        done = 0
        while done < args.short:
            batch = min(args.sample_every, args.short - done)
            self.short_connections(batch)
            done += batch
            self.sample(f"short {done}", self.settle())
        for number in range(1, args.rounds + 1):
            self.idle_round(number)

    def verdict(self):
        """The reasons the run is not flat (none: flat)."""
        args = self.args
        judged = [row for row in self.samples if row["judged"]]
        base, last = judged[0], judged[-1]
        reasons = []
        for server in ("proxy", "backend"):
            over = [row for row in judged if row[f"{server}_fds"] > base[f"{server}_fds"] + args.fd_margin]
            if over:
                worst = max(over, key=lambda row: row[f"{server}_fds"])
                reasons.append(f"{server} fds: {len(over)} samples above the baseline {base[f'{server}_fds']} + "
                               f"{args.fd_margin}, up to {worst[f'{server}_fds']} at '{worst['label']}'")
            bound = rss_bound(args, base[f"{server}_rss_mb"])
            growth = last[f"{server}_rss_mb"] - base[f"{server}_rss_mb"]
            if growth > bound:
                reasons.append(f"{server} RSS grew {growth:.1f} MB from the baseline "
                               f"{base[f'{server}_rss_mb']:.1f} MB "
                               f"to {last[f'{server}_rss_mb']:.1f} MB (bound: {bound:.1f} MB)")
        return reasons


def rss_bound(args, baseline_mb):
    return max(args.rss_mb, baseline_mb * args.rss_percent / 100)


COLUMNS = (("sample", "label", 24), ("conns", "connections", 7), ("time s", "elapsed_s", 7),
           ("proxy fds", "proxy_fds", 9), ("proxy RSS MB", "proxy_rss_mb", 12),
           ("backend fds", "backend_fds", 11), ("backend RSS MB", "backend_rss_mb", 14), ("settle s", "settle_s", 8))


def print_header():
    print(" | ".join(title.ljust(width) if key == "label" else title.rjust(width) for title, key, width in COLUMNS))
    print("-|-".join("-" * width for _, _, width in COLUMNS))


def print_row(row):
    cells = []
    for _, key, width in COLUMNS:
        value = row[key]
        text = "" if value is None else str(value)
        cells.append(text.ljust(width) if key == "label" else text.rjust(width))
    print(" | ".join(cells), flush=True)


def soak_jvm_opts(text, pre_touch):
    """The JVM options as words; with pre_touch, a heap fixed at its maximum and touched at start."""
    opts = text.split()
    if pre_touch:
        maximum = [opt[len("-Xmx"):] for opt in opts if opt.startswith("-Xmx")]
        if maximum and not any(opt.startswith("-Xms") for opt in opts):
            opts.append(f"-Xms{maximum[-1]}")
        if "-XX:+AlwaysPreTouch" not in opts:
            opts.append("-XX:+AlwaysPreTouch")
    return opts


def raise_fd_limit(needed):
    """The idle connections need fds in this script; the JVMs inherit the limit and need twice as many."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SoakFailure(f"the hard fd limit {hard} is below the {needed} the proxy needs (ulimit -Hn)")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def count(minimum):
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value
    return parse


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", type=count(1), default=20000, help="short connections in phase A [20000]")
    parser.add_argument("--idle", type=count(1), default=2000, help="idle connections a round in phase B [2000]")
    parser.add_argument("--rounds", type=count(0), default=10, help="rounds of idle connections [10]")
    parser.add_argument("--warm-up", type=count(1), default=2000, help="short connections before the baseline [2000]")
    parser.add_argument("--concurrency", type=count(1), default=50, help="short connections at once [50]")
    parser.add_argument("--sample-every", type=count(1), default=2000, help="short connections a sample [2000]")
    parser.add_argument("--proxy-jvm-opts", default="-XX:+UseSerialGC -Xmx128m",
                        help="our proxy's JVM options [README's \"-XX:+UseSerialGC -Xmx128m\"]")
    parser.add_argument("--backend-jvm-opts", default="-XX:+UseSerialGC -Xmx256m",
                        help="the backend's JVM options [\"-XX:+UseSerialGC -Xmx256m\": ample for dry runs]")
    parser.add_argument("--no-pre-touch", dest="pre_touch", action="store_false",
                        help="leave out -Xms (as -Xmx) and -XX:+AlwaysPreTouch")
    parser.add_argument("--limit", type=count(1), default=600, help="seconds for the whole run [600]")
    parser.add_argument("--settle", type=count(1), default=30,
                        help="seconds to wait for the fd counts to come down (or hold still) before a sample [30]")
    parser.add_argument("--fd-margin", type=count(0), default=10, help="fds a sample may be above the baseline [10]")
    parser.add_argument("--rss-mb", type=float, default=32.0, help="RSS growth allowed, MB [32]")
    parser.add_argument("--rss-percent", type=float, default=15.0, help="or this share of the baseline, if more [15]")
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.json",
                        help="where the JSON goes [target/bench/soak.json]")
    return parser.parse_args()


def main():
    args = parse_args()
    if not JAR.is_file():
        print(f"no {JAR}: build it first (mvn -q -B -DskipTests package)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally below stops the servers
    deadline = Deadline(args.limit)
    log_dir = Path(tempfile.mkdtemp(prefix="tcpbalancer-soak-"))
    servers, soak, reasons, jvm_opts = [], None, [], {}
    try:
        raise_fd_limit(2 * args.idle + args.concurrency + 1024)
        backend_port, proxy_port = free_port(HOST), free_port(HOST)
        backend_opts = soak_jvm_opts(args.backend_jvm_opts, args.pre_touch)
        proxy_opts = soak_jvm_opts(args.proxy_jvm_opts, args.pre_touch)
        jvm_opts = {"proxy": proxy_opts, "backend": backend_opts}
        servers.append(Server("backend", backend_opts,
                              ["backend", "-p", str(backend_port), "--host", HOST, "--name", "soak-backend"],
                              backend_port, log_dir, deadline))
        servers.append(Server("proxy", proxy_opts,
                              ["proxy", "-p", str(proxy_port), "--host", HOST, "-u", f"{HOST}:{backend_port}"],
                              proxy_port, log_dir, deadline))
        print(f"backend on {backend_port} (pid {servers[0].process.pid}), proxy on {proxy_port} "
              f"(pid {servers[1].process.pid}); {args.warm_up} warm-up, {args.short} short, "
              f"{args.rounds} x {args.idle} idle connections; limit {args.limit} s")
        print(f"backend JVM: {' '.join(backend_opts) or '(defaults)'}; "
              f"proxy JVM: {' '.join(proxy_opts) or '(defaults)'}")
        print_header()
        soak = Soak(args, servers[1], proxy_port, servers[0], deadline)
        soak.run()
        reasons = soak.verdict()
    except SoakFailure as e:
        reasons = [f"run failed: {e}"]
    finally:
        for server in reversed(servers):
            server.stop()
    if soak is not None and soak.samples:
        write_json(args, soak, reasons, jvm_opts)
    if reasons:
        print("NOT FLAT:\n  " + "\n  ".join(reasons) + f"\n  (server logs: {log_dir})")
        return 1
    shutil.rmtree(log_dir, ignore_errors=True)
    judged = [row for row in soak.samples if row["judged"]]
    base, last = judged[0], judged[-1]
    print(f"FLAT: fds within {args.fd_margin} of the baseline in all {len(judged)} samples; RSS "
          + ", ".join(f"{s} {last[f'{s}_rss_mb'] - base[f'{s}_rss_mb']:+.1f} MB "
                      f"(bound {rss_bound(args, base[f'{s}_rss_mb']):.0f})" for s in ("proxy", "backend")))
    return 0


def write_json(args, soak, reasons, jvm_opts):
    args.output.parent.mkdir(parents=True, exist_ok=True)
    settings = {key: value for key, value in vars(args).items() if key != "output"}
    with open(args.output, "w") as out:
        json.dump({"commit": processes.commit(ROOT), "date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
                   "settings": settings, "jvm_opts": jvm_opts, "flat": not reasons, "reasons": reasons,
                   "samples": soak.samples},
                  out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    sys.exit(main())
