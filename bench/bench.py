#!/usr/bin/env python3
"""Benchmarks for tcpbalancer: ours against the direct path, HAProxy and vipsthumbnail, side by side in one run.

Absolute figures drift on a shared machine; what counts are the ratios measured in the same run, with runs
alternating between the two sides: the ratio of the medians, and the median of the ratios of neighbouring runs,
which share most of the drift. Servers (backends and proxies, ours and theirs alike) first carry the same
unmeasured warm-up load, so that what is measured is a running server, not the JIT compiling it; their CPU
seconds are counted over the measured load only. The client is a fresh process in every run, warm-up included.
Each scenario runs several times and reports the median with min and max; a run that is not valid (a request
unanswered, an output missing, an error) is reported and left out.

Usage: bench/run [scenario ...] [--images DIR ...] [--profile]   (scenarios: floor, proxy, resize, redis, requests,
requests-dry, footprint; default: all). Each scenario's JSON goes to target/bench/NAME.json (ignored by git): a run never
rewrites tracked files;
bench/results/ keeps the JSON of the runs bench/RESULTS.md reports, copied there on purpose.

The resize scenario measures each image set on its own, named in its table and JSON: samples/ (every clone has
it) and ../shared/bench-images when present, or the sets --images / RESIZE_IMAGES name. Each run sends at least
RESIZE_IMAGES_PER_RUN images (whole passes over the set) through the warm proxy and backends, and gives the
steady-state rate (the client's own timer over the run; vips over the same images) and the cold rate (the wall
time of one pass by a fresh client process, against fresh vipsthumbnail processes). Every result of either side
is checked: its source's format, the size of the fit, decoding completely (bench/resize.py). --profile adds the
per-stage profile of one warm worker (tcpbalancer.backend.ResizeProfile) beside vips's own time per image.

Our programs run through bin/tcpbalancer, which picks their JVM options (and maps their class data archives);
the *_JVM_OPTS knobs reach it as JAVA_OPTS, which win over its options.

Environment, each knob with its default in brackets (a bad value stops the run with a message naming it):
  RUNS                   runs per side [3]; --runs overrides it
  JVM_OPTS               options for all our JVMs [none]
  PROXY_JVM_OPTS         more options for our proxy [none: bin/tcpbalancer's]
  CLIENT_JVM_OPTS        more options for our client [none: bin/tcpbalancer's]
  CLIENT_CDS             1: the client's warm-up run writes a class data archive of its own, which its measured
                         run maps; 0: only bin/tcpbalancer's archive [0]
  WARM_UP_ROUNDS         unmeasured rounds before the measured 100 in the dry-run scenarios [400]
  PROXY_INSTANCES        our proxy's --instances [unset: the proxy's own default, one per core]
  RESIZE_IMAGES_PER_RUN  images per measured resize run, at least: whole passes over the set [150]; fewer than
                         150 is not a steady state, and the table says so
  RESIZE_WARM_UP_IMAGES  unmeasured images before them (whole passes), on both sides [1800: our servers' JIT
                         compilers are still busy after a few hundred; bench/RESULTS.md, "Issue 16's steady state"]
  RESIZE_WARM_UP_ROUNDS  the requests scenario's unmeasured passes before its measured run [10]
  REQUESTS_IMAGES_PER_RUN  images in the requests scenario's measured run, at least: whole passes over the set
                         [450: 150 for each of its three backends, the resize scenario's steady state]
  REDIS_WARM_UP_RUNS     unmeasured redis-benchmark runs before the measured one, on every side [2]
  IDLE_CONNECTIONS       footprint: connections each idle round opens through the proxy [2000]
  IDLE_ROUNDS            footprint: rounds of idle connections [10]
  STARTS                 footprint: starts timed per server [5]
  ORIGINAL_BACKEND       footprint: the original's backend command, {port} in it [unset: not measured]
  ORIGINAL_PROXY         footprint: the original's proxy command, {port} and {upstream} in it [unset]
  BENCH_IMAGES           the folder of images of the dry-run scenarios [../shared/bench-images beside the checkout
                         if it exists, else samples/]; the output and the JSON name the folder used
  RESIZE_IMAGES          the resize scenario's image sets, separated by ':' [samples/, and
                         ../shared/bench-images when it exists]; --images DIR (repeatable) overrides it
  RESIZE_PROFILE         1: the resize scenario also profiles one worker, as --profile does [0]
"""
import argparse
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional

import footprint
import processes
import resize
from processes import CLK_TCK, free_port

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "target" / "tcpbalancer.jar"
SCRIPT = ROOT / "bin" / "tcpbalancer"
SHARED_IMAGES = ROOT.parent / "shared" / "bench-images"
SAMPLES = ROOT / "samples"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
RESULTS = ROOT / "target" / "bench"
STEADY_STATE_IMAGES = 150
# Resize images a JVM server takes to stop compiling: about 25 s of the resize load on two cores (bench/RESULTS.md,
# "Issue 16's steady state": the backends' compilations fall from 4,700 in the first 5 s to under 100 by then).
WARM_UP_IMAGES = 1800
# The JIT compilers' threads, by the names the JVM gives them (Linux keeps 15 characters).
JIT_THREADS = ("C1 CompilerThre", "C2 CompilerThre")


class SettingsError(ValueError):
    """A knob the benchmarks cannot use; the message names the variable and its value."""


def image_files(folder):
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def whole_number(environ, name, default, minimum):
    text = environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def switch(environ, name, default):
    text = environ.get(name, "1" if default else "0")
    if text not in ("0", "1"):
        raise SettingsError(f"{name} must be 0 or 1, not {text!r}")
    return text == "1"


def options(environ, name, default):
    """JVM options as words; set but empty means none, not the default."""
    return tuple(environ.get(name, default).split())


def image_folder(environ):
    """The folder of images, and why that one: the project names its inputs rather than falling back silently."""
    if "BENCH_IMAGES" in environ:
        folder, source = Path(environ["BENCH_IMAGES"]).resolve(), "BENCH_IMAGES"
    elif SHARED_IMAGES.is_dir():
        folder, source = SHARED_IMAGES, "the shared bench images"
    else:
        folder, source = SAMPLES, f"FALLBACK to samples/: {SHARED_IMAGES} does not exist"
    if not folder.is_dir() or not image_files(folder):
        raise SettingsError(f"images ({source}): {folder} is not a folder holding {', '.join(IMAGE_SUFFIXES)} files")
    return folder, source


def resize_image_sets(text):
    """The resize scenario's image sets: those `text` names (':'-separated), else samples/ and the shared bench
    images when they exist. A set named but missing stops the run: nothing falls back to another set."""
    folders = [Path(f).resolve() for f in text.split(os.pathsep) if f] if text else \
        [SAMPLES] + ([SHARED_IMAGES] if SHARED_IMAGES.is_dir() else [])
    for folder in folders:
        if not folder.is_dir() or not image_files(folder):
            raise SettingsError(f"resize images: {folder} is not a folder holding {', '.join(IMAGE_SUFFIXES)} files")
    return tuple(folders)


@dataclass(frozen=True)
class Settings:
    """Every knob of the benchmarks, read once from the environment (the module docstring says what each does)."""
    runs: int
    jvm_opts: tuple
    proxy_jvm_opts: tuple
    client_jvm_opts: tuple
    client_cds: bool
    warm_up_rounds: int
    proxy_instances: Optional[int]
    resize_images_per_run: int
    resize_warm_up_images: int
    resize_warm_up_rounds: int
    redis_warm_up_runs: int
    images: Path
    images_source: str
    resize_image_sets: tuple
    resize_profile: bool
    requests_images_per_run: int = 3 * STEADY_STATE_IMAGES
    idle_connections: int = 2000
    idle_rounds: int = 10
    starts: int = 5
    original_backend: Optional[str] = None
    original_proxy: Optional[str] = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]):
        images, images_source = image_folder(environ)
        return cls(
            runs=whole_number(environ, "RUNS", 3, 1),
            jvm_opts=options(environ, "JVM_OPTS", ""),
            # README's options for our proxy: a small heap, as it keeps little on it.
            # bin/tcpbalancer picks each program's options (README.md, "Start script"); these add to them.
            proxy_jvm_opts=options(environ, "PROXY_JVM_OPTS", ""),
            client_jvm_opts=options(environ, "CLIENT_JVM_OPTS", ""),
            client_cds=switch(environ, "CLIENT_CDS", False),
            # A JVM server needs a few hundred rounds to reach its steady state (bench/RESULTS.md, "warm-up").
            warm_up_rounds=whole_number(environ, "WARM_UP_ROUNDS", 400, 1),
            proxy_instances=(whole_number(environ, "PROXY_INSTANCES", 0, 1)
                             if "PROXY_INSTANCES" in environ else None),
            resize_images_per_run=whole_number(environ, "RESIZE_IMAGES_PER_RUN", STEADY_STATE_IMAGES, 1),
            resize_warm_up_images=whole_number(environ, "RESIZE_WARM_UP_IMAGES", WARM_UP_IMAGES, 1),
            # The requests scenario compares two balancings of the same warm backends, each warmed as the other.
            resize_warm_up_rounds=whole_number(environ, "RESIZE_WARM_UP_ROUNDS", 10, 1),
            # Our proxy's JIT compilers settle by the third redis-benchmark run.
            redis_warm_up_runs=whole_number(environ, "REDIS_WARM_UP_RUNS", 2, 0),
            images=images,
            images_source=images_source,
            resize_image_sets=resize_image_sets(environ.get("RESIZE_IMAGES")),
            resize_profile=switch(environ, "RESIZE_PROFILE", False),
            requests_images_per_run=whole_number(environ, "REQUESTS_IMAGES_PER_RUN", 3 * STEADY_STATE_IMAGES, 1),
            idle_connections=whole_number(environ, "IDLE_CONNECTIONS", 2000, 1),
            idle_rounds=whole_number(environ, "IDLE_ROUNDS", 10, 1),
            starts=whole_number(environ, "STARTS", 5, 1),
            original_backend=environ.get("ORIGINAL_BACKEND") or None,
            original_proxy=environ.get("ORIGINAL_PROXY") or None)

    def meta(self):
        """The settings as each results JSON records them (the keys are the ones earlier results have)."""
        return {"images": str(self.images), "runs": self.runs, "jvm_opts": list(self.jvm_opts),
                "proxy_jvm_opts": list(self.proxy_jvm_opts), "client_jvm_opts": list(self.client_jvm_opts),
                "client_cds": self.client_cds, "warm_up_rounds": self.warm_up_rounds,
                "proxy_instances": "default" if self.proxy_instances is None else str(self.proxy_instances),
                "requests_images_per_run": self.requests_images_per_run}


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
        jit = {thread: seconds for thread, seconds in processes.thread_cpu(self.process.pid).items()
               if thread.startswith(JIT_THREADS)}
        return {"cpu_s": cpu, "peak_rss_mb": peak_kb / 1024, "jit_threads": jit}

    def cpu_since(self, before):
        """CPU seconds spent since an earlier usage() reading, the JIT compilers' part of them (a compiler thread
        that ended in between is left out: the JVM stops the ones it no longer needs), and the peak RSS so far."""
        now = self.usage()
        jit = sum(seconds - before["jit_threads"].get(thread, 0.0) for thread, seconds in now["jit_threads"].items())
        return {"cpu_s": now["cpu_s"] - before["cpu_s"], "jit_cpu_s": jit, "peak_rss_mb": now["peak_rss_mb"]}

    def stop(self):
        usage = self.usage()
        processes.stop(self.process)
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


# A run whose figures do not count: a request unanswered, an output missing, an error.
Invalid = resize.Invalid


def ours(settings, *args, jvm_opts=()):
    """Our program through its start script; `env` and the script exec, so the process's pid is the JVM's."""
    return ["env", "JAVA_OPTS=" + " ".join([*settings.jvm_opts, *jvm_opts]), str(SCRIPT), *args]


# The original sent every image of its 11 on each connection. Our client spreads a folder's images over the
# round's connections, so the dry-run scenarios use a folder of 100 x 11 links to the bench images: each of the
# 100 connections of a round then carries 11 requests, as the original's did.
DRY_RUN_FOLDER_SIZE = 100 * 11
DRY_RUN_ARGS = ["--dry-run", "--minconns", "100", "--maxconns", "100"]


def dry_run_folder(settings, work):
    folder = work / "dry-run-input"
    folder.mkdir()
    images = image_files(settings.images)
    for i in range(DRY_RUN_FOLDER_SIZE):
        source = images[i % len(images)]
        (folder / f"{i:04d}-{source.name}").symlink_to(source)
    return folder


def client_jvm_opts(settings, work, warm_up):
    """The client's JVM options: the warm-up run writes the class data archive, later runs use it."""
    if not settings.client_cds:
        return settings.client_jvm_opts
    archive = work / "client.jsa"
    return [*settings.client_jvm_opts,
            f"-XX:ArchiveClassesAtExit={archive}" if warm_up else f"-XX:SharedArchiveFile={archive}"]


def run_client(settings, work, proxy_port, extra, input_folder=None, warm_up=False, output=None):
    report = work / "report.json"
    result = run_measured(ours(settings, "client", "--proxy", f"127.0.0.1:{proxy_port}",
                               "--input", str(input_folder or settings.images), "--output", str(output or work / "out"),
                               "-w", "200", "-h", "200", "--report", str(report), *extra,
                               jvm_opts=client_jvm_opts(settings, work, warm_up)))
    if result["exit"] != 0 or not report.exists():
        raise Invalid(f"client exited {result['exit']}: {result['output'][-2000:]}")
    data = json.loads(report.read_text())
    return data, result


def dry_run_load(settings, work, port, server):
    """The warm-up, then the measured 100 rounds of 100 connections x 11 requests to `port`; checks that every
    request was answered. Returns the client's report, the client's usage and `server`'s usage over the
    measured rounds."""
    folder = dry_run_folder(settings, work)
    run_client(settings, work, port, DRY_RUN_ARGS + ["--times", str(settings.warm_up_rounds)], folder,
               warm_up=True)
    before = server.usage()
    report, client = run_client(settings, work, port, DRY_RUN_ARGS + ["--times", "100"], folder)
    usage = server.cpu_since(before)
    expected = DRY_RUN_FOLDER_SIZE * 100
    if report["images"]["resized"] != expected:
        raise Invalid(f"{report['images']['resized']} of {expected} requests answered")
    return report, client, usage


def floor_run(settings, work, side):
    """The original's headline: client straight to one backend, dry run, 100 connections x 11 requests, 100 rounds."""
    port = free_port()
    backend = Server("backend", ours(settings, "backend", "-p", str(port), "--host", "127.0.0.1", "--name", "b1",
                                     "--workers", "1"), [port], work)
    try:
        report, client, server = dry_run_load(settings, work, port, backend)
    finally:
        backend.stop()
    return {"connections_per_s": report["connectionsPerSecond"], "requests_per_s": report["requestsPerSecond"],
            "p50_ms": report["latencyMillis"]["p50"], "p99_ms": report["latencyMillis"]["p99"],
            "backend_cpu_s": server["cpu_s"], "backend_peak_rss_mb": server["peak_rss_mb"],
            "client_cpu_s": client["cpu_s"], "client_peak_rss_mb": client["peak_rss_mb"]}


def three_backends(settings, work, workers):
    ports = [free_port() for _ in range(3)]
    verticles = {"resize-workers": {"verticle": "resize-worker", "instances": workers}}
    for i, port in enumerate(ports, 1):
        verticles[f"backend-{i}"] = {"verticle": "backend",
                                     "config": {"host": "127.0.0.1", "port": port, "name": f"backend-{i}"}}
    conf = work / "backends.json"
    conf.write_text(json.dumps({"verticles": verticles}))
    return Server("backends", ours(settings, "-conf", str(conf)), ports, work), ports


def start_proxy(settings, kind, work, backend_ports, check="resize", extra=()):
    """Our proxy or HAProxy (`kind`: "ours" or "haproxy") on a free port, balancing over `backend_ports`;
    `check` is our proxy's health check ("connect" for upstreams that are not tcpbalancer backends), `extra` more
    flags for it."""
    port = free_port()
    if kind == "ours":
        upstreams = [arg for p in backend_ports for arg in ("-u", f"127.0.0.1:{p}")] + ["--check", check, *extra]
        instances = [] if settings.proxy_instances is None else ["--instances", str(settings.proxy_instances)]
        return Server("proxy-ours", ours(settings, "proxy", "-p", str(port), "--host", "127.0.0.1", *instances,
                                         *upstreams, jvm_opts=settings.proxy_jvm_opts), [port], work), port
    config = haproxy_config(work, port, backend_ports)
    return Server("proxy-haproxy", ["haproxy", "-db", "-f", str(config)], [port], work), port


def proxy_run(settings, work, kind):
    """The floor-it load through a proxy in front of three backends: ours or HAProxy in the proxy's place."""
    return dry_run_through(settings, work, lambda ports: start_proxy(settings, kind, work, ports))


def dry_run_through(settings, work, start):
    """The floor-it load through the proxy `start(backend_ports)` starts in front of three backends."""
    backends, ports = three_backends(settings, work, 1)
    try:
        proxy, port = start(ports)
        try:
            report, _, usage = dry_run_load(settings, work, port, proxy)
        finally:
            proxy.stop()
    finally:
        backends.stop()
    return {"connections_per_s": report["connectionsPerSecond"], "requests_per_s": report["requestsPerSecond"],
            "p99_ms": report["latencyMillis"]["p99"], "proxy_cpu_s": usage["cpu_s"],
            "proxy_peak_rss_mb": usage["peak_rss_mb"]}


def resize_run(settings, work, kind):
    """Real resizing to 200x200 of one image set (settings.images): ours (proxy and three backends, one JVM with two
    resize workers) or vipsthumbnail as two parallel processes. After the same warm-up passes (at least
    RESIZE_WARM_UP_IMAGES images), the steady state: at least RESIZE_IMAGES_PER_RUN images (ours timed by the client
    itself), with the share of our servers' CPU their JIT compilers still took; then the cold pass: one pass over the
    set by a fresh client process, or by fresh vipsthumbnails, timed from start to exit. Every result is checked."""
    images = image_files(settings.images)
    passes = resize.passes_for(len(images), settings.resize_images_per_run)
    warm_up_passes = resize.passes_for(len(images), settings.resize_warm_up_images)
    long_run = resize.long_run_folder(images, passes, work / "long-run")
    inputs = {p.name: p.name.split("-", 1)[1] for p in long_run.iterdir()}
    expected = resize.expected_results(images)
    steady_out, cold_out = work / "steady", work / "cold"
    steady_out.mkdir()
    cold_out.mkdir()
    if kind == "vips":
        warm_out = work / "warm-up"
        warm_out.mkdir()
        resize.run_vips(images * warm_up_passes, warm_out)  # the same passes as ours gets
        seconds, cpu = resize.run_vips(sorted(long_run.iterdir()), steady_out)
        resize.check_results(steady_out, inputs, expected, "vips")
        cold_seconds, _ = resize.run_vips(images, cold_out)
        resize.check_results(cold_out, {p.name: p.name for p in images}, expected, "vips, cold")
        return {"images_per_s": len(inputs) / seconds, "cold_images_per_s": len(images) / cold_seconds,
                "vips_cpu_s": cpu}
    backends, ports = three_backends(settings, work, 2)
    try:
        proxy, port = start_proxy(settings, "ours", work, ports)
        try:
            args = ["--minconns", "3", "--maxconns", "3", "--window", "2"]
            run_client(settings, work, port, args + ["--times", str(warm_up_passes)], warm_up=True,
                       output=work / "warm-up")
            proxy_before, backends_before = proxy.usage(), backends.usage()
            report, client = run_client(settings, work, port, args, long_run, output=steady_out)
            proxy_usage, backends_usage = proxy.cpu_since(proxy_before), backends.cpu_since(backends_before)
            started = time.time()
            cold, _ = run_client(settings, work, port, args, output=cold_out)
            cold_seconds = time.time() - started
        finally:
            proxy.stop()
    finally:
        backends.stop()
    if report["images"]["resized"] != len(inputs) or cold["images"]["resized"] != len(images):
        raise Invalid(f"{report['images']['resized']} of {len(inputs)} images resized, "
                      f"{cold['images']['resized']} of {len(images)} in the cold pass")
    resize.check_results(steady_out, inputs, expected, "ours")
    resize.check_results(cold_out, {p.name: p.name for p in images}, expected, "ours, cold")
    return {"images_per_s": report["images"]["resized"] / report["seconds"],
            "cold_images_per_s": len(images) / cold_seconds,
            "backends_cpu_s": backends_usage["cpu_s"], "proxy_cpu_s": proxy_usage["cpu_s"],
            "client_cpu_s": client["cpu_s"], "backends_peak_rss_mb": backends_usage["peak_rss_mb"],
            "servers_jit_share": (proxy_usage["jit_cpu_s"] + backends_usage["jit_cpu_s"])
            / (proxy_usage["cpu_s"] + backends_usage["cpu_s"])}


def redis_run(settings, work, kind):
    """redis-benchmark direct, through our proxy, or through HAProxy."""
    redis_port = free_port()
    redis = Server("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], [redis_port], work)
    try:
        proxy = None
        port = redis_port
        if kind != "direct":
            proxy, port = start_proxy(settings, kind, work, [redis_port], check="connect")
        try:
            benchmark = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", "100000", "-c", "50",
                         "-t", "set,get", "--csv"]
            for _ in range(settings.redis_warm_up_runs):
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


def measure(settings, name, sides, run):
    """Runs each side `settings.runs` times, alternating sides run by run. Each side keeps its runs' figures in
    order, None for an invalid run, so that runs made back to back can be paired (see `ratios`)."""
    results = {side: [] for side in sides}
    invalid = {side: [] for side in sides}
    for i in range(settings.runs):
        for side in sides:
            work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            try:
                results[side].append(run(settings, work, side))
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


@dataclass(frozen=True)
class Comparison:
    """Sides to set against each other as ratios, metric by metric."""
    numerator: str
    denominator: str
    metrics: tuple


@dataclass(frozen=True)
class Scenario:
    """One benchmark. `title` may name a setting in braces; `sides` (None: ours alone, no comparison) are run in
    turn by `run(settings, work, side)`, which returns one run's metrics or raises Invalid."""
    title: str
    sides: tuple
    run: Callable
    comparisons: tuple = ()

    def compare(self, results):
        """The JSON's "ratios": one comparison's metrics as they are, several keyed by "numerator/denominator"."""
        measured = {f"{c.numerator}/{c.denominator}": ratios(results, c.numerator, c.denominator, c.metrics)
                    for c in self.comparisons}
        return next(iter(measured.values())) if len(measured) == 1 else measured


def backend_processes(settings, work, count):
    """`count` backend processes of one resize worker each: one backend is one core's worth of resizing."""
    servers, ports = [], []
    try:
        for i in range(1, count + 1):
            port = free_port()
            servers.append(Server(f"backend-{i}", ours(settings, "backend", "-p", str(port), "--host", "127.0.0.1",
                                                       "--name", f"backend-{i}", "--workers", "1"), [port], work))
            ports.append(port)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers, ports


def balanced_proxy(settings, work, side, ports):
    """The proxy of a request-balancing side: ours balancing requests or connections, or HAProxy (mode tcp)."""
    if side == "haproxy":
        return start_proxy(settings, "haproxy", work, ports)
    return start_proxy(settings, "ours", work, ports, extra=("--balance", side))


# One long connection with enough requests in flight for three backends: what request balancing is for.
REQUESTS_CLIENT_ARGS = ["--minconns", "1", "--maxconns", "1", "--window", "6"]


def warm_backends(settings, work, ports):
    """The warm-up passes sent to each backend straight, before the proxy's own: through the proxy, the warm-up's
    passes (a connection each, spread over the backends whichever the balancing) give each backend a third of them,
    too few for its JIT, so three JVMs would still be compiling the resize code in the measured run
    (bench/RESULTS.md, "Branch `overhead`")."""
    for port in ports:
        run_client(settings, work, port, REQUESTS_CLIENT_ARGS + ["--times", str(settings.resize_warm_up_rounds)],
                   warm_up=True)


def requests_run(settings, work, side):
    """Real resizing over one client connection through a proxy in front of three one-worker backends. The
    measured run is one round over a folder of links (every image, once a pass), so one connection carries every
    request with its window full to the end; a pass a round would open a connection per pass and drain the window
    at each round's end, leaving backends idle while the round's last answers come."""
    images = image_files(settings.images)
    passes = resize.passes_for(len(images), settings.requests_images_per_run)
    long_run = resize.long_run_folder(images, passes, work / "long-run")
    expected = len(images) * passes
    backends, ports = backend_processes(settings, work, 3)
    try:
        warm_backends(settings, work, ports)
        proxy, port = balanced_proxy(settings, work, side, ports)
        try:
            run_client(settings, work, port, REQUESTS_CLIENT_ARGS + ["--times", str(settings.resize_warm_up_rounds)],
                       warm_up=True)
            before = proxy.usage()
            report, _ = run_client(settings, work, port, REQUESTS_CLIENT_ARGS, long_run)
            usage = proxy.cpu_since(before)
        finally:
            proxy.stop()
    finally:
        for backend in backends:
            backend.stop()
    if report["images"]["resized"] != expected:
        raise Invalid(f"{report['images']['resized']} of {expected} images resized")
    return {"images_per_s": report["images"]["resized"] / report["seconds"],
            "p99_ms": report["latencyMillis"]["p99"], "proxy_cpu_s": usage["cpu_s"]}


def requests_dry_run(settings, work, side):
    """The proxy scenario's load (dry run, 100 connections) with request balancing, connection balancing, HAProxy."""
    return dry_run_through(settings, work, lambda ports: balanced_proxy(settings, work, side, ports))


def haproxy_config(work, port, backend_ports):
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
    return config


def proxy_command(settings, kind, work, port, upstream_port):
    """The command of a proxy of `kind` (ours, haproxy, original) on `port` in front of one TCP upstream."""
    if kind == "ours":
        return ours(settings, "proxy", "-p", str(port), "--host", "127.0.0.1", "-u", f"127.0.0.1:{upstream_port}",
                    "--check", "connect", jvm_opts=settings.proxy_jvm_opts)
    if kind == "haproxy":
        return ["haproxy", "-db", "-f", str(haproxy_config(work, port, [upstream_port]))]
    return settings.original_proxy.format(port=port, upstream=f"127.0.0.1:{upstream_port}").split()


def backend_command(settings, kind, port):
    if kind == "ours":
        return ours(settings, "backend", "-p", str(port), "--host", "127.0.0.1")
    return settings.original_backend.format(port=port).split()


def start_times(command_for, starts):
    """Median, min and max seconds from start to the port accepting over `starts` starts, and the RSS then."""
    seconds, rss = [], []
    for _ in range(starts):
        port = free_port()
        took, resident = footprint.start_to_ready(command_for(port), port)
        seconds.append(took)
        rss.append(resident)
    return statistics.median(seconds), min(seconds), max(seconds), statistics.median(rss)


def cluster_join_seconds(settings, work, starts):
    """A clustered backend joining a running one: seconds from its start to its port accepting (median)."""
    name = f"bench-{os.getpid()}"
    first_port, first_hz, second_hz = free_port(), free_port(), free_port()
    members = f"127.0.0.1:{first_hz},127.0.0.1:{second_hz}"
    env = {"TCPBALANCER_CLUSTER_MEMBERS": members, "TCPBALANCER_CLUSTER_NAME": name,
           "TCPBALANCER_CLUSTER_HOST": "127.0.0.1"}

    def clustered(port, hz):
        return ["env", *(f"{k}={v}" for k, v in env.items()), f"TCPBALANCER_CLUSTER_PORT={hz}",
                *ours(settings, "backend", "-p", str(port), "--host", "127.0.0.1", "--cluster")]

    first = Server("backend-cluster-1", clustered(first_port, first_hz), [first_port], work)
    try:
        return start_times(lambda port: clustered(port, second_hz), starts)[0]
    finally:
        first.stop()


def subfolder(work, name):
    """A folder of its own for one of the scenarios the footprint scenario runs inside its run."""
    folder = work / name
    folder.mkdir()
    return folder


def footprint_run(settings, work, kind):
    """Memory and start-up of one side: ours (through bin/tcpbalancer), HAProxy, or the original where given."""
    out = {}
    if kind == "ours" or (kind == "original" and settings.original_backend):
        median, low, high, rss = start_times(lambda port: backend_command(settings, kind, port), settings.starts)
        out.update({"backend_start_ms": median * 1000, "backend_start_min_ms": low * 1000,
                    "backend_start_max_ms": high * 1000, "backend_ready_rss_mb": rss})
    if kind == "haproxy" or kind == "ours" or settings.original_proxy:
        median, low, high, rss = start_times(lambda port: proxy_command(settings, kind, work, port, free_port()),
                                             settings.starts)
        out.update({"proxy_start_ms": median * 1000, "proxy_start_min_ms": low * 1000,
                    "proxy_start_max_ms": high * 1000, "proxy_ready_rss_mb": rss})

        def start_proxy(upstream_port):
            port = free_port()
            return Server(f"proxy-{kind}", proxy_command(settings, kind, work, port, upstream_port), [port], work), port

        rounds, peak, settled = footprint.idle_rounds(start_proxy, lambda server: server.process.pid,
                                                      settings.idle_connections, settings.idle_rounds)
        open_rss = [r["open_rss_mb"] for r in rounds]
        out.update({"idle_peak_rss_mb": peak, "idle_first_round_rss_mb": open_rss[0],
                    "idle_last_round_rss_mb": open_rss[-1], "idle_growth_mb": open_rss[-1] - open_rss[0],
                    "idle_closed_rss_mb": rounds[-1]["closed_rss_mb"], "idle_settled_rss_mb": settled})
    if kind == "ours":
        out["cluster_join_ms"] = cluster_join_seconds(settings, work, settings.starts) * 1000
        floor = floor_run(settings, subfolder(work, "floor"), None)
        out.update({"backend_floor_peak_rss_mb": floor["backend_peak_rss_mb"],
                    "client_floor_peak_rss_mb": floor["client_peak_rss_mb"],
                    "backend_resize_peak_rss_mb":
                        resize_run(settings, subfolder(work, "resize"), "ours")["backends_peak_rss_mb"]})
    if kind in ("ours", "haproxy"):
        out["proxy_scenario_peak_rss_mb"] = proxy_run(settings, subfolder(work, "proxy"), kind)["proxy_peak_rss_mb"]
    if not out:
        raise Invalid("the original is not installed here (ORIGINAL_BACKEND, ORIGINAL_PROXY)")
    return out


SCENARIOS = {
    "floor": Scenario("floor it: client -> one backend, dry run, 100 connections x 100 rounds", (None,), floor_run),
    "proxy": Scenario("through the proxy: dry run, 100 connections x 100 rounds, three backends",
                      ("ours", "haproxy"), proxy_run,
                      (Comparison("ours", "haproxy", ("requests_per_s", "connections_per_s", "p99_ms",
                                                      "proxy_cpu_s", "proxy_peak_rss_mb")),)),
    "resize": Scenario("real resizing to 200x200 of {images}", ("ours", "vips"),
                       resize_run, (Comparison("ours", "vips", ("images_per_s", "cold_images_per_s")),)),
    "redis": Scenario("redis-benchmark -n 100000 -c 50 -t set,get", ("direct", "ours", "haproxy"), redis_run,
                      (Comparison("ours", "haproxy", ("ops_per_s", "p99_ms")),
                       Comparison("ours", "direct", ("ops_per_s",)))),
    "requests": Scenario("one connection, real resizing to 200x200 of {images}, at least {requests_images_per_run} images a "
                         "run, three one-worker "
                         "backends: --balance requests, --balance connections, HAProxy mode tcp",
                         ("requests", "connections", "haproxy"), requests_run,
                         (Comparison("requests", "connections", ("images_per_s", "p99_ms")),
                          Comparison("requests", "haproxy", ("images_per_s", "p99_ms")))),
    "requests-dry": Scenario("dry run, 100 connections x 100 rounds, three backends: --balance requests, "
                             "--balance connections, HAProxy mode tcp", ("requests", "connections", "haproxy"),
                             requests_dry_run,
                             (Comparison("requests", "connections", ("requests_per_s", "p99_ms", "proxy_cpu_s")),
                              Comparison("requests", "haproxy", ("requests_per_s", "p99_ms")))),
    "footprint": Scenario("footprint: peak RSS, {idle_rounds} rounds of {idle_connections} idle connections, "
                          "start to ready over {starts} starts", ("ours", "haproxy", "original"), footprint_run,
                          (Comparison("ours", "haproxy", ("proxy_start_ms", "idle_peak_rss_mb",
                                                          "proxy_scenario_peak_rss_mb")),)),
}


def run_resize_scenario(settings, meta):
    """The resize scenario, once per image set, each named in its table and in target/bench/resize.json."""
    scenario = SCENARIOS["resize"]
    if SHARED_IMAGES not in settings.resize_image_sets:
        print(f"\nresize: {SHARED_IMAGES} is " + ("not measured in this run" if SHARED_IMAGES.is_dir()
                                                  else "not present: not measured"))
    sets = []
    for folder in settings.resize_image_sets:
        count = len(image_files(folder))
        passes = resize.passes_for(count, settings.resize_images_per_run)
        one_set = dataclasses.replace(settings, images=folder, images_source="resize image set")
        results = measure(one_set, "resize", scenario.sides, scenario.run)
        warm_up = count * resize.passes_for(count, settings.resize_warm_up_images)
        steady = count * passes >= STEADY_STATE_IMAGES
        print_table(scenario.title.format(images=folder) + f": {count} images x {passes} passes = {count * passes} "
                    f"per run" + ("" if steady else f" (FEWER THAN {STEADY_STATE_IMAGES}: NOT A STEADY STATE)")
                    + f", after {warm_up} warm-up images; cold = one pass by fresh processes", results)
        entry = {"images": str(folder), "files": [p.name for p in image_files(folder)], "passes": passes,
                 "images_per_run": count * passes, "warm_up_images": warm_up, "steady_state": steady,
                 "results": results,
                 "ratios": scenario.compare(results)}
        if settings.resize_profile:
            work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
            try:
                entry["profile"] = resize.profile(JAR, folder, work, settings.jvm_opts)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        sets.append(entry)
    (RESULTS / "resize.json").write_text(json.dumps({**meta, "images": [e["images"] for e in sets],
                                                     "resize_images_per_run": settings.resize_images_per_run,
                                                     "image_sets": sets}, indent=2) + "\n")


def run_scenario(settings, name, meta):
    """Measures one scenario, prints its table and ratios, and writes target/bench/NAME.json."""
    if name == "resize":
        run_resize_scenario(settings, meta)
        return
    scenario = SCENARIOS[name]
    results = measure(settings, name, scenario.sides, scenario.run)
    print_table(scenario.title.format(**dataclasses.asdict(settings)), results)
    out = {"results": results}
    if scenario.comparisons:
        out["ratios"] = scenario.compare(results)
    (RESULTS / f"{name}.json").write_text(json.dumps({**meta, **out}, indent=2) + "\n")


def at_least_one(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="scenario", default=list(SCENARIOS),
                        help=f"one of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--runs", type=at_least_one, help="runs per side (default: RUNS, else 3)")
    parser.add_argument("--images", action="append", metavar="DIR",
                        help="an image set of the resize scenario; repeat for several (default: RESIZE_IMAGES, "
                             "else samples/ and ../shared/bench-images when present)")
    parser.add_argument("--profile", action="store_true",
                        help="resize: also profile one warm worker's stages beside vips's time per image")
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")
    try:
        settings = Settings.from_environment(os.environ)
    except SettingsError as e:
        parser.error(str(e))
    if args.runs is not None:
        settings = dataclasses.replace(settings, runs=args.runs)
    if args.images:
        try:
            settings = dataclasses.replace(settings, resize_image_sets=resize_image_sets(os.pathsep.join(args.images)))
        except SettingsError as e:
            parser.error(str(e))
    if args.profile:
        settings = dataclasses.replace(settings, resize_profile=True)
    print(f"images: {settings.images} ({len(image_files(settings.images))} files; {settings.images_source})")
    if "resize" in args.scenarios:
        print("resize image sets: " + ", ".join(f"{f} ({len(image_files(f))} files)" for f in settings.resize_image_sets))
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"commit": processes.commit(ROOT), "date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
            **settings.meta()}
    for name in args.scenarios:
        run_scenario(settings, name, meta)


if __name__ == "__main__":
    main()
