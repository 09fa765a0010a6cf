#!/usr/bin/env python3
"""Benchmarks for tcpbalancer: ours against the direct path, HAProxy and vipsthumbnail, side by side in one run.

Absolute figures drift on a shared machine; what counts are the ratios measured in the same run, with runs
alternating between the two sides: the ratio of the medians, and the median of the ratios of neighbouring runs,
which share most of the drift. Servers (backends and proxies, ours and theirs alike) first carry the same
unmeasured warm-up load, so that what is measured is a running server, not the JIT compiling it; their CPU
seconds are counted over the measured load only. The client is a fresh process in every run, warm-up included. Each scenario runs several times and reports the median with min and max;
a run that is not valid (a request unanswered, an output missing, an error) is reported and left out.

Usage: bench/run [scenario ...]   (scenarios: floor, proxy, resize, redis; default: all)
Environment: RUNS (runs per side, default 3), JVM_OPTS (options for our JVMs, none by default), PROXY_JVM_OPTS
(more options for our proxy, default README's "-XX:+UseSerialGC -Xmx128m"), CLIENT_JVM_OPTS (more options for
our client, default README's "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"), CLIENT_CDS (0: the client runs
without the class data archive its warm-up run writes, as README gives), WARM_UP_ROUNDS (default 400),
PROXY_INSTANCES (our proxy's --instances, default: one per core), RESIZE_ROUNDS (passes over the images in the
resize scenario, default 3), REDIS_WARM_UP_RUNS (unmeasured redis-benchmark runs first, default 2).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "target" / "tcpbalancer.jar"
SHARED_IMAGES = ROOT.parent / "shared" / "bench-images"
IMAGES = SHARED_IMAGES if SHARED_IMAGES.is_dir() else ROOT / "samples"
RESULTS = ROOT / "bench" / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, limit=90):
    deadline = time.time() + limit
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}) before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {limit} s")


class Server:
    """A long-running process; its CPU seconds and peak RSS are read from /proc before it is stopped."""

    def __init__(self, name, command, ports, log_dir):
        self.name = name
        self.log = open(log_dir / f"{name}.log", "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        for port in ports:
            wait_for_port(port, self.process)

    def usage(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
        peak_kb = 0
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak_kb = int(line.split()[1])
        return {"cpu_s": cpu, "peak_rss_mb": peak_kb / 1024}

    def cpu_since(self, before):
        """CPU seconds spent since an earlier usage() reading, and the peak RSS so far."""
        now = self.usage()
        return {"cpu_s": now["cpu_s"] - before["cpu_s"], "peak_rss_mb": now["peak_rss_mb"]}

    def stop(self):
        usage = self.usage()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        return usage


def run_measured(command, limit=600):
    """Runs a command to its end; returns exit code, output, CPU seconds and peak RSS (wait4's rusage)."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + limit
        while True:
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                process.kill()
                raise RuntimeError(f"{command[0]} did not finish within {limit} s")
            time.sleep(0.02)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return {"exit": os.waitstatus_to_exitcode(status), "output": output,
            "cpu_s": rusage.ru_utime + rusage.ru_stime, "peak_rss_mb": rusage.ru_maxrss / 1024}


# JVM options for our processes, e.g. JVM_OPTS="-Xmx256m -XX:+UseSerialGC" (none by default).
JVM_OPTS = os.environ.get("JVM_OPTS", "").split()
# Our proxy runs with the JVM options README.md gives for it (a small heap; it keeps little on it).
PROXY_JVM_OPTS = os.environ.get("PROXY_JVM_OPTS", "-XX:+UseSerialGC -Xmx128m").split()
# Our client, a short-lived load generator, runs with the options README.md gives for load runs: the quick
# C1 compiler only (C2 would spend half the run compiling), and a small heap.
CLIENT_JVM_OPTS = os.environ.get("CLIENT_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split()
# As README.md gives too, the client's first (warm-up) run of a scenario saves the classes it loaded in a class
# data archive, which the measured run maps instead of loading and verifying them again (CLIENT_CDS=0: not).
CLIENT_CDS = os.environ.get("CLIENT_CDS", "1") != "0"


def ours(*args, jvm_opts=()):
    return ["java", *JVM_OPTS, *jvm_opts, "-jar", str(JAR), *args]


def image_count():
    return len([p for p in IMAGES.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")])


# The original sent every image of its 11 on each connection. Our client spreads a folder's images over the
# round's connections, so the dry-run scenarios use a folder of 100 x 11 links to the bench images: each of the
# 100 connections of a round then carries 11 requests, as the original's did.
DRY_RUN_FOLDER_SIZE = 100 * 11
DRY_RUN_ARGS = ["--dry-run", "--minconns", "100", "--maxconns", "100"]
# Rounds of the unmeasured warm-up load in the dry-run scenarios: a JVM server reaches its steady state after
# 200 to 400 rounds (its JIT compilers take half its CPU at first; after 200 rounds our proxy still used a quarter
# more CPU in the next 100 than in the 100 after those, after 400 the same).
WARM_UP_ROUNDS = int(os.environ.get("WARM_UP_ROUNDS", "400"))


def dry_run_folder(work):
    folder = work / "dry-run-input"
    folder.mkdir()
    images = sorted(p for p in IMAGES.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for i in range(DRY_RUN_FOLDER_SIZE):
        source = images[i % len(images)]
        (folder / f"{i:04d}-{source.name}").symlink_to(source)
    return folder


def client_jvm_opts(work, warm_up):
    """The client's JVM options: the warm-up run writes the class data archive, later runs use it."""
    if not CLIENT_CDS:
        return CLIENT_JVM_OPTS
    archive = work / "client.jsa"
    return [*CLIENT_JVM_OPTS, f"-XX:ArchiveClassesAtExit={archive}" if warm_up else f"-XX:SharedArchiveFile={archive}"]


def run_client(work, proxy_port, extra, input_folder=IMAGES, warm_up=False):
    report = work / "report.json"
    result = run_measured(ours("client", "--proxy", f"127.0.0.1:{proxy_port}", "--input", str(input_folder),
                               "--output", str(work / "out"), "-w", "200", "-h", "200",
                               "--report", str(report), *extra, jvm_opts=client_jvm_opts(work, warm_up)))
    if result["exit"] != 0 or not report.exists():
        raise Invalid(f"client exited {result['exit']}: {result['output'][-2000:]}")
    data = json.loads(report.read_text())
    return data, result


class Invalid(Exception):
    pass


def dry_run_load(work, port, server):
    """The warm-up, then the measured 100 rounds of 100 connections x 11 requests to `port`; checks that every
    request was answered. Returns the client's report, the client's usage and `server`'s usage over the
    measured rounds."""
    folder = dry_run_folder(work)
    run_client(work, port, DRY_RUN_ARGS + ["--times", str(WARM_UP_ROUNDS)], folder, warm_up=True)
    before = server.usage()
    report, client = run_client(work, port, DRY_RUN_ARGS + ["--times", "100"], folder)
    usage = server.cpu_since(before)
    expected = DRY_RUN_FOLDER_SIZE * 100
    if report["images"]["resized"] != expected:
        raise Invalid(f"{report['images']['resized']} of {expected} requests answered")
    return report, client, usage


def floor_run(work):
    """The original's headline: client straight to one backend, dry run, 100 connections x 11 requests, 100 rounds."""
    port = free_port()
    backend = Server("backend", ours("backend", "-p", str(port), "--host", "127.0.0.1", "--name", "b1",
                                     "--workers", "1"), [port], work)
    try:
        report, client, server = dry_run_load(work, port, backend)
    finally:
        backend.stop()
    return {"connections_per_s": report["connectionsPerSecond"], "requests_per_s": report["requestsPerSecond"],
            "p50_ms": report["latencyMillis"]["p50"], "p99_ms": report["latencyMillis"]["p99"],
            "backend_cpu_s": server["cpu_s"], "backend_peak_rss_mb": server["peak_rss_mb"],
            "client_cpu_s": client["cpu_s"], "client_peak_rss_mb": client["peak_rss_mb"]}


def three_backends(work, workers):
    ports = [free_port() for _ in range(3)]
    verticles = {"resize-workers": {"verticle": "resize-worker", "instances": workers}}
    for i, port in enumerate(ports, 1):
        verticles[f"backend-{i}"] = {"verticle": "backend",
                                     "config": {"host": "127.0.0.1", "port": port, "name": f"backend-{i}"}}
    conf = work / "backends.json"
    conf.write_text(json.dumps({"verticles": verticles}))
    return Server("backends", ours("-conf", str(conf)), ports, work), ports


def start_proxy(kind, work, backend_ports):
    port = free_port()
    if kind == "ours":
        upstreams = [arg for p in backend_ports for arg in ("-u", f"127.0.0.1:{p}")]
        instances = ["--instances", os.environ["PROXY_INSTANCES"]] if "PROXY_INSTANCES" in os.environ else []
        return Server("proxy-ours", ours("proxy", "-p", str(port), "--host", "127.0.0.1", *instances, *upstreams,
                                         jvm_opts=PROXY_JVM_OPTS), [port], work), port
    config = work / "haproxy.cfg"
    servers = "\n".join(f"    server b{i} 127.0.0.1:{p}" for i, p in enumerate(backend_ports))
    config.write_text(f"""global
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend front
    bind 127.0.0.1:{port}
    default_backend back
backend back
    balance roundrobin
{servers}
""")
    return Server("proxy-haproxy", ["haproxy", "-db", "-f", str(config)], [port], work), port


def proxy_run(work, kind):
    """The floor-it load through a proxy in front of three backends: ours or HAProxy in the proxy's place."""
    backends, ports = three_backends(work, 1)
    try:
        proxy, port = start_proxy(kind, work, ports)
        try:
            report, _, usage = dry_run_load(work, port, proxy)
        finally:
            proxy.stop()
    finally:
        backends.stop()
    return {"connections_per_s": report["connectionsPerSecond"], "requests_per_s": report["requestsPerSecond"],
            "p99_ms": report["latencyMillis"]["p99"], "proxy_cpu_s": usage["cpu_s"],
            "proxy_peak_rss_mb": usage["peak_rss_mb"]}


RESIZE_ROUNDS = int(os.environ.get("RESIZE_ROUNDS", "3"))
# Passes of the unmeasured warm-up in the resize scenario: the backends' JIT compilers are still busy after a few.
RESIZE_WARM_UP_ROUNDS = int(os.environ.get("RESIZE_WARM_UP_ROUNDS", "10"))


def run_vips(jobs, out):
    """vipsthumbnail over the jobs, split over two parallel processes."""
    halves = [jobs[0::2], jobs[1::2]]
    processes = [subprocess.Popen(["vipsthumbnail", "-s", "200x200", "-o", str(out) + "/%s-vips.jpg", *half],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for half in halves]
    for process in processes:
        if process.wait() != 0:
            raise Invalid("vipsthumbnail failed: " + process.stderr.read().decode(errors="replace"))


def resize_run(work, kind):
    """Real resizing to 200x200: ours (proxy and three backends) or vipsthumbnail as two parallel processes."""
    expected = image_count() * RESIZE_ROUNDS
    if kind == "vips":
        files = [str(p) for p in sorted(IMAGES.iterdir()) if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
        jobs = files * RESIZE_ROUNDS
        out = work / "vips"
        out.mkdir()
        run_vips(files * RESIZE_WARM_UP_ROUNDS, out)  # warm-up: the same passes as ours gets
        started = time.time()
        run_vips(jobs, out)
        seconds = time.time() - started
        if len(list(out.iterdir())) != image_count():
            raise Invalid("vipsthumbnail wrote " + str(len(list(out.iterdir()))) + " images")
        return {"images_per_s": expected / seconds}
    backends, ports = three_backends(work, 2)
    try:
        proxy, port = start_proxy("ours", work, ports)
        try:
            args = ["--minconns", "3", "--maxconns", "3", "--window", "2"]
            run_client(work, port, args + ["--times", str(RESIZE_WARM_UP_ROUNDS)], warm_up=True)
            proxy_before, backends_before = proxy.usage(), backends.usage()
            report, client = run_client(work, port, args + ["--times", str(RESIZE_ROUNDS)])
            proxy_usage, backends_usage = proxy.cpu_since(proxy_before), backends.cpu_since(backends_before)
        finally:
            proxy.stop()
    finally:
        backends.stop()
    if report["images"]["resized"] != expected:
        raise Invalid(f"{report['images']['resized']} of {expected} images resized")
    return {"images_per_s": report["images"]["resized"] / report["seconds"],
            "backends_cpu_s": backends_usage["cpu_s"], "proxy_cpu_s": proxy_usage["cpu_s"],
            "client_cpu_s": client["cpu_s"]}


# Unmeasured redis-benchmark runs before the measured one, on every side: our proxy's JIT compilers still take
# about 5% of its CPU in the second run and settle in the third.
REDIS_WARM_UP_RUNS = int(os.environ.get("REDIS_WARM_UP_RUNS", "2"))


def redis_run(work, kind):
    """redis-benchmark direct, through our proxy, or through HAProxy."""
    redis_port = free_port()
    redis = Server("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], [redis_port], work)
    try:
        proxy = None
        port = redis_port
        if kind != "direct":
            proxy, port = start_proxy(kind, work, [redis_port])
        try:
            benchmark = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", "100000", "-c", "50",
                         "-t", "set,get", "--csv"]
            for _ in range(REDIS_WARM_UP_RUNS):
                run_measured(benchmark)
            result = run_measured(benchmark)
        finally:
            if proxy:
                proxy.stop()
    finally:
        redis.stop()
    rows = [line.replace('"', "").split(",") for line in result["output"].splitlines() if line.startswith('"SET"')
            or line.startswith('"GET"')]
    if result["exit"] != 0 or len(rows) != 2 or "rror" in result["output"]:
        raise Invalid("redis-benchmark: " + result["output"][-1000:])
    # columns: test, rps, avg, min, p50, p95, p99, max
    return {"ops_per_s": statistics.mean(float(r[1]) for r in rows),
            "p99_ms": max(float(r[6]) for r in rows)}


def summarize(runs):
    """Median, min and max of each metric over the valid runs."""
    summary = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        summary[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return summary


def measure(name, sides, run, repeats):
    """Runs each side `repeats` times, alternating sides run by run. Each side keeps its runs' figures in order,
    None for an invalid run, so that runs made back to back can be paired (see `ratios`)."""
    results = {side: [] for side in sides}
    invalid = {side: [] for side in sides}
    for i in range(repeats):
        for side in sides:
            work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            try:
                results[side].append(run(work, side) if side else run(work))
                print(f"  {name} {side or ''} run {i + 1}: ok", file=sys.stderr)
            except Invalid as e:
                results[side].append(None)
                invalid[side].append(str(e))
                print(f"  {name} {side or ''} run {i + 1}: INVALID: {e}", file=sys.stderr)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    out = {}
    for side in sides:
        valid = [r for r in results[side] if r is not None]
        out[side] = {"runs": len(valid), "invalid": invalid[side], "summary": summarize(valid) if valid else {},
                     "each_run": results[side]}
    return out


def print_table(title, results):
    print(f"\n== {title}")
    for side, data in results.items():
        label = side or "ours"
        print(f"  {label}: {data['runs']} valid runs" + (f", {len(data['invalid'])} INVALID" if data["invalid"] else ""))
        for metric, stats in data["summary"].items():
            print(f"    {metric:<22} median {stats['median']:>11.2f}   min {stats['min']:>11.2f}   max {stats['max']:>11.2f}")


def ratios(results, numerator, denominator, metrics):
    """For each metric: the ratio of the two sides' medians, and the median (with min and max) of the ratios of
    the runs made back to back. The machine's speed drifts from minute to minute; a pair of neighbouring runs
    shares most of it."""
    out = {}
    a = results[numerator]
    b = results[denominator]
    for metric in metrics:
        if metric not in a["summary"] or metric not in b["summary"] or not b["summary"][metric]["median"]:
            continue
        paired = [x[metric] / y[metric] for x, y in zip(a["each_run"], b["each_run"])
                  if x is not None and y is not None and y[metric]]
        out[metric] = {"of_medians": a["summary"][metric]["median"] / b["summary"][metric]["median"],
                       "paired": {"median": statistics.median(paired), "min": min(paired), "max": max(paired)}}
    if out:
        print(f"  {numerator}/{denominator}: " + ", ".join(
            f"{m} {v['of_medians']:.2f} (paired runs {v['paired']['median']:.2f}, {v['paired']['min']:.2f} to "
            f"{v['paired']['max']:.2f})" for m, v in out.items()))
    return out


def commit():
    try:
        return subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", default=["floor", "proxy", "resize", "redis"])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "3")))
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"commit": commit(), "date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
            "images": str(IMAGES), "runs": args.runs, "jvm_opts": JVM_OPTS, "proxy_jvm_opts": PROXY_JVM_OPTS,
            "client_jvm_opts": CLIENT_JVM_OPTS, "client_cds": CLIENT_CDS,
            "warm_up_rounds": WARM_UP_ROUNDS,
            "proxy_instances": os.environ.get("PROXY_INSTANCES", "default")}
    for scenario in args.scenarios:
        if scenario == "floor":
            results = measure("floor", [None], floor_run, args.runs)
            print_table("floor it: client -> one backend, dry run, 100 connections x 100 rounds", results)
            out = {"results": results}
        elif scenario == "proxy":
            results = measure("proxy", ["ours", "haproxy"], proxy_run, args.runs)
            print_table("through the proxy: dry run, 100 connections x 100 rounds, three backends", results)
            out = {"results": results, "ratios": ratios(results, "ours", "haproxy", ["requests_per_s",
                   "connections_per_s", "p99_ms", "proxy_cpu_s", "proxy_peak_rss_mb"])}
        elif scenario == "resize":
            results = measure("resize", ["ours", "vips"], resize_run, args.runs)
            print_table(f"real resizing to 200x200, {RESIZE_ROUNDS} passes over the images", results)
            out = {"results": results, "ratios": ratios(results, "ours", "vips", ["images_per_s"])}
        elif scenario == "redis":
            results = measure("redis", ["direct", "ours", "haproxy"], redis_run, args.runs)
            print_table("redis-benchmark -n 100000 -c 50 -t set,get", results)
            out = {"results": results, "ratios": {**{"ours/haproxy": ratios(results, "ours", "haproxy",
                   ["ops_per_s", "p99_ms"])}, **{"ours/direct": ratios(results, "ours", "direct", ["ops_per_s"])}}}
        else:
            parser.error(f"unknown scenario {scenario}")
        (RESULTS / f"{scenario}.json").write_text(json.dumps({**meta, **out}, indent=2) + "\n")


if __name__ == "__main__":
    main()
