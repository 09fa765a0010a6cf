#!/usr/bin/env python3
"""The CPU of every process of a resizing load, by thread group, per image (not a throughput benchmark).

`requests` or `connections`: the load of bench.py's `requests` scenario: three one-worker backends, our proxy
(--balance SIDE), one client connection with window 6 (REQUESTS_CLIENT_ARGS), resizing to 200x200. WARM unmeasured
passes over the images (default RESIZE_WARM_UP_ROUNDS, as the scenario) warm the servers up, then one measured
client run sends PASSES passes (at least REQUESTS_IMAGES_PER_RUN images, as the scenario does) over one long
connection.
`resize`: the load of bench.py's `resize` scenario (resize_run): one JVM of three backends and two resize workers
(three_backends), our proxy in front, the client with RESIZE_CLIENT_ARGS (three connections, window 2); WARM
unmeasured passes through the proxy (default: those of at least RESIZE_WARM_UP_IMAGES images, as the scenario),
then one measured client run of PASSES passes (at least RESIZE_IMAGES_PER_RUN images). CPU seconds come from /proc
(utime+stime of each thread), so what other
programs on the machine do changes the wall time much more than these figures (they still move with the load: a
busy machine's caches are shared). What is measured is what competes for the cores while the client's timer runs,
from its "Client: N images" line (RunReport starts its timer there) to its report's first line (printed once the
timer stopped):
- the servers (proxy, backends): each thread's CPU over that time, the warm-up left out;
- the client: a fresh process, as in the scenario; its start before its timer (JVM, classes, scan) and its report
  and exit after it are printed apart and not counted. Its threads are read every POLL_MS; what the readings
  missed (threads that ended between two) is "unseen", from the process's own total.

Thread groups, by the thread names the JVM and Vert.x give (Linux keeps 15 characters of them):
  event loops  vert.x-eventloop-thread-N: sockets, framing, the event bus's local delivery
  workers      vert.x-worker-thread-N: the resize worker in a backend, executeBlocking (file reads, writes) in the client
  collector    VM Thread: the serial collector runs its collections there (and safepoint operations)
  JIT          C1 / C2 CompilerThread
  other        the rest: main, Vert.x's internal blocking pool and checker, reference handler, ...

Usage: [BENCH_IMAGES=DIR] [WARM=PASSES] [POLL_MS=50] [PERF=FILE] bench/cpu_split.py [requests|connections|resize] [PASSES]
       [RUNS=1]: RUNS fresh loads one after the other, each printed, then each cell's median (min to max) over them.
       PERF=FILE: `perf record -g` of every process over the measured run into FILE (perf report --sort pid,sym
       -i FILE); the JVMs then run with frame pointers and write their perf maps.
       --threads prints every thread's CPU as well (to see what "other" is). TCPBALANCER_JAR picks the jar, as for
       bin/tcpbalancer; JVM_OPTS and CLIENT_JVM_OPTS reach the JVMs as in bench.py, BACKEND_JVM_OPTS the resize
       load's backends alone (after JVM_OPTS, so they win). JSON=FILE appends each run's table (CPU ms an image) to
       FILE as a line; `bench/cpu_split.py --median FILE...` prints the medians of the runs kept in them.
"""
import dataclasses
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench
import resize
from processes import thread_cpu

PERF_JVM_OPTS = ("-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit", "-XX:+PreserveFramePointer")
GROUPS = ("event loops", "workers", "collector", "JIT", "other")
# The resize scenario's client (bench.py's resize_run): three connections of two requests in flight each.
RESIZE_CLIENT_ARGS = ["--minconns", "3", "--maxconns", "3", "--window", "2"]


def group(thread):
    if thread.startswith("vert.x-eventloo"):
        return "event loops"
    if thread.startswith("vert.x-worker-t"):
        return "workers"
    if thread.startswith("VM Thread"):
        return "collector"
    if "CompilerThre" in thread:
        return "JIT"
    return "other"


def by_group(after, before=None):
    """Each group's CPU seconds between two readings of thread_cpu (threads born in between count in full)."""
    groups = dict.fromkeys(GROUPS, 0.0)
    for thread, cpu in after.items():
        groups[group(thread)] += cpu - (before or {}).get(thread, 0.0)
    return groups


def process_cpu(pid):
    """CPU seconds of `pid` so far, its waited-for children's included (the start script's own commands), and of
    them the kernel's (system time)."""
    fields = [int(f) for f in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1:15]]
    # fields (after the state): utime at 10, stime 11, cutime 12, cstime 13
    return sum(fields[10:14]) / bench.CLK_TCK, (fields[11] + fields[13]) / bench.CLK_TCK


@dataclasses.dataclass
class ClientRun:
    """The measured client's run: its report, and its CPU before, during and after its timer."""
    report: dict
    start_s: float  # before its timer: JVM start, classes, the scan (the servers idle meanwhile)
    timed_s: float  # while its timer ran, which is what competes with the servers
    timed_kernel_s: float
    after_s: float  # its report and exit, after its timer stopped
    threads_at_start: dict
    threads_at_end: dict


def watched_client(settings, work, port, folder, client_args, poll_ms, on_start, on_end):
    """Runs the measured client to its end, reading its log and its threads' CPU every `poll_ms`. Its timer runs
    from its "Client: N images" line (RunReport starts it there) to its report (the report's first line, printed
    once the timer stopped): `on_start(pid)` and `on_end()` are called as each line is seen."""
    report = work / "report.json"
    log_path = work / "client.log"
    command = bench.ours(settings, "client", "--proxy", f"127.0.0.1:{port}", "--input", str(folder),
                         "--output", str(work / "out"), "-w", "200", "-h", "200", "--report", str(report),
                         *client_args, jvm_opts=bench.client_jvm_opts(settings, work, False))
    seen, start, end = {}, None, None
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 600
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                process.kill()
                raise bench.Invalid("the client did not finish within 600 s")
            try:
                text = log_path.read_text(errors="replace")
                if start is None and " images in " in text:
                    on_start(process.pid)
                    start = (process_cpu(process.pid), thread_cpu(process.pid))
                    seen.update(start[1])
                elif start is not None and end is None and "tcpbalancer client: " in text:
                    # Threads that ended (or all of them, if it is exiting now) count with their last reading.
                    end = (process_cpu(process.pid), {**seen, **thread_cpu(process.pid)})
                    on_end()
                else:
                    seen.update(thread_cpu(process.pid))
            except OSError:
                pass  # it exited meanwhile: wait4 tells
            time.sleep(poll_ms / 1000)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or not report.exists() or start is None:
        raise bench.Invalid(f"client exited {process.returncode}: {log_path.read_text()[-2000:]}")
    total = (usage.ru_utime + usage.ru_stime, usage.ru_stime)
    if end is None:  # the report and the exit came within one reading: they count with the timed run
        end = (total, seen)
        on_end()
    (start_total, start_kernel), (end_total, end_kernel) = start[0], end[0]
    return ClientRun(bench.json.loads(report.read_text()), start_total, end_total - start_total,
                     end_kernel - start_kernel, total[0] - end_total, start[1], end[1])


def class_data_archives(settings):
    """Writes each program's class data archive now if the jar has none yet: bin/tcpbalancer otherwise writes it at
    a program's second start (2 to 3 s of CPU in a child of the measured client)."""
    for program in ("client", "proxy", "backend"):
        subprocess.run(bench.ours(settings, "--make-cds", program), check=True, capture_output=True, timeout=120)


def requests_servers(settings, side, warm, work):
    """The requests scenario's servers, warmed as it warms them: three one-worker backends and the proxy."""
    backends, ports = bench.backend_processes(settings, work, 3)
    try:
        if hasattr(bench, "warm_backends"):  # as the requests scenario warms them (so older checkouts still run)
            bench.warm_backends(dataclasses.replace(settings, resize_warm_up_rounds=warm), work, ports)
        proxy, port = bench.balanced_proxy(settings, work, side, ports)
        bench.run_client(settings, work, port, bench.REQUESTS_CLIENT_ARGS + ["--times", str(warm)], warm_up=True)
    except BaseException:
        for backend in backends:
            backend.stop()
        raise
    return [proxy, *backends], port, bench.REQUESTS_CLIENT_ARGS


def resize_servers(settings, warm, work):
    """The resize scenario's servers, warmed as resize_run warms them: one JVM of three backends and two resize
    workers, our proxy, WARM passes through it."""
    backend_opts = tuple(os.environ.get("BACKEND_JVM_OPTS", "").split())
    backends, ports = bench.three_backends(
        dataclasses.replace(settings, jvm_opts=(*settings.jvm_opts, *backend_opts)), work, 2)
    try:
        proxy, port = bench.start_proxy(settings, "ours", work, ports)
        bench.run_client(settings, work, port, RESIZE_CLIENT_ARGS + ["--times", str(warm)], warm_up=True,
                         output=work / "warm-up")
    except BaseException:
        backends.stop()
        raise
    return [proxy, backends], port, RESIZE_CLIENT_ARGS


def measure(settings, side, passes, warm, poll_ms, work, perf_file=None):
    class_data_archives(settings)
    images = bench.image_files(settings.images)
    folder = resize.long_run_folder(images, passes, work / "long-run")
    if side == "resize":
        servers, port, client_args = resize_servers(settings, warm, work)
    else:
        servers, port, client_args = requests_servers(settings, side, warm, work)
    try:
        before, after, profiler = {}, {}, []

        def timer_started(client_pid):
            before.update({s.name: (process_cpu(s.process.pid), thread_cpu(s.process.pid)) for s in servers})
            if perf_file:
                pids = ",".join(str(p) for p in (client_pid, *(s.process.pid for s in servers)))
                profiler.append(subprocess.Popen(["perf", "record", "-g", "-F", "999", "-p", pids, "-o",
                                                  perf_file], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        def timer_stopped():
            after.update({s.name: (process_cpu(s.process.pid), thread_cpu(s.process.pid)) for s in servers})

        try:
            client = watched_client(settings, work, port, folder, client_args, poll_ms, timer_started,
                                    timer_stopped)
        finally:
            for perf in profiler:
                perf.send_signal(signal.SIGINT)
                perf.wait(timeout=60)
        rows = {"client": (client.timed_s, client.timed_kernel_s,
                           by_group(client.threads_at_end, client.threads_at_start), client.threads_at_end,
                           client.threads_at_start)}
        for server in servers:
            (total_before, kernel_before), threads_before = before[server.name]
            (total, kernel), threads = after[server.name]
            rows[server.name] = (total - total_before, kernel - kernel_before, by_group(threads, threads_before),
                                 threads, threads_before)
    finally:
        for server in servers:
            server.stop()
    expected = len(images) * passes
    report = client.report
    if report["images"]["resized"] != expected:
        raise bench.Invalid(f"{report['images']['resized']} of {expected} images resized")
    return expected, report, rows, client


def print_table(side, count, report, rows, show_threads):
    columns = (*GROUPS, "unseen")
    load = "the resize scenario's load" if side == "resize" else f"--balance {side}"
    print(f"{load}: {count} images in {report['seconds']:.1f} s (wall time: not a figure to compare), "
          f"CPU ms an image")
    print("| process | " + " | ".join(columns) + " | total | total s | of it kernel |")
    print("|---" * (len(columns) + 4) + "|")
    sums = dict.fromkeys(columns, 0.0)
    grand = grand_kernel = 0.0
    for name, (total, kernel, groups, threads, threads_before) in rows.items():
        cells = dict(groups, unseen=total - sum(groups.values()))
        for column in columns:
            sums[column] += cells[column]
        grand += total
        grand_kernel += kernel
        print(f"| {name} | " + " | ".join(f"{1000 * cells[c] / count:.1f}" for c in columns)
              + f" | **{1000 * total / count:.1f}** | {total:.2f} | {kernel:.2f} |")
    print("| all | " + " | ".join(f"{1000 * sums[c] / count:.1f}" for c in columns)
          + f" | **{1000 * grand / count:.1f}** | {grand:.2f} | {grand_kernel:.2f} |")
    workers = sum(rows[n][2]["workers"] for n in rows if n.startswith("backend"))
    print(f"W (resize workers) {1000 * workers / count:.1f} ms an image, O (everything else) "
          f"{1000 * (grand - workers) / count:.1f} ms an image")
    if show_threads:
        for name, (_, _, _, threads, threads_before) in rows.items():
            spent = {t: c - threads_before.get(t, 0.0) for t, c in threads.items()}
            print(f"{name}: " + ", ".join(f"{t} {c:.2f}" for t, c in sorted(spent.items(), key=lambda i: -i[1])
                                          if c >= 0.01))


def per_image(rows, count):
    """Each process's CPU ms an image by group (and unseen, total, kernel), and an "all" row: what a run's table
    shows, as numbers (what JSON=FILE keeps and the median table combines)."""
    columns = (*GROUPS, "unseen")
    table = {}
    for name, (total, kernel, groups, _, _) in rows.items():
        cells = dict(groups, unseen=total - sum(groups.values()))
        table[name] = {**{c: 1000 * cells[c] / count for c in columns}, "total": 1000 * total / count,
                       "kernel": 1000 * kernel / count}
    table["all"] = {c: sum(row[c] for row in table.values()) for c in (*columns, "total", "kernel")}
    return table


def print_medians(tables):
    """Each cell's median over runs' per_image tables, min to max of the totals in brackets."""
    columns = (*GROUPS, "unseen", "total")
    print(f"Medians of {len(tables)} runs, CPU ms an image (totals: median (min to max))")
    print("| process | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name in tables[0]:
        cells = []
        for column in columns:
            values = [table[name][column] for table in tables if name in table]
            cell = f"{statistics.median(values):.1f}"
            if column == "total":
                cell = f"**{cell}** ({min(values):.1f} to {max(values):.1f})"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    if sys.argv[1:2] == ["--median"]:
        # Runs made apart (e.g. two checkouts in turns), each kept with JSON=FILE: their medians.
        print_medians([json.loads(line) for f in sys.argv[2:] for line in Path(f).read_text().splitlines() if line])
        return
    args = [a for a in sys.argv[1:] if a != "--threads"]
    side = args[0] if args else "requests"
    if side not in ("requests", "connections", "resize"):
        raise SystemExit(f"cpu_split.py: unknown load {side!r} (expected requests, connections or resize)")
    settings = bench.Settings.from_environment(os.environ)
    images = bench.image_files(settings.images)
    per_run = settings.resize_images_per_run if side == "resize" else settings.requests_images_per_run
    passes = int(args[1]) if len(args) > 1 else resize.passes_for(len(images), per_run)
    # As each scenario warms its servers: the resize scenario RESIZE_WARM_UP_IMAGES, the requests one its passes.
    default_warm = (resize.passes_for(len(images), settings.resize_warm_up_images) if side == "resize"
                    else settings.resize_warm_up_rounds)
    warm = bench.whole_number(os.environ, "WARM", default_warm, 1)
    poll_ms = bench.whole_number(os.environ, "POLL_MS", 50, 1)
    runs = bench.whole_number(os.environ, "RUNS", 1, 1)
    json_file = os.environ.get("JSON")
    perf_file = os.environ.get("PERF")
    if perf_file:
        # Java frames named in perf's report: each JVM writes /tmp/perf-PID.map as it exits.
        settings = dataclasses.replace(settings, jvm_opts=settings.jvm_opts + PERF_JVM_OPTS)
    tables = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            count, report, rows, client = measure(settings, side, passes, warm, poll_ms, Path(tmp), perf_file)
        print(f"{settings.images}:")
        print_table(side, count, report, rows, "--threads" in sys.argv)
        print(f"(not counted: the client's start, before its timer, {client.start_s:.2f} s; its report and exit "
              f"after it, {client.after_s:.2f} s)", flush=True)
        tables.append(per_image(rows, count))
        if json_file:
            with open(json_file, "a") as out:
                out.write(json.dumps(tables[-1]) + "\n")
    if runs > 1:
        print_medians(tables)


if __name__ == "__main__":
    main()
