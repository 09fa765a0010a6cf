#!/usr/bin/env python3
"""Our proxy's CPU per image, by thread group, over the requests scenario's load (not a throughput benchmark).

Three one-worker backends, our proxy (--balance SIDE), one client connection with window 6 (bench.py's
REQUESTS_CLIENT_ARGS); WARM warm-up passes over the images, then PASSES passes measured in one long run. Prints
the proxy's CPU seconds over the measured run from /proc (utime+stime), split into its event loops, its collector
(the serial collector runs in the VM Thread), its JIT compilers and the rest, and the CPU per image.

Usage: BENCH_IMAGES=DIR [WARM=10] bench/proxy_cpu.py [requests|connections] [PASSES]
       (TCPBALANCER_JAR picks the jar to measure, as for bin/tcpbalancer)
"""
import os
import sys
import tempfile
from pathlib import Path

import bench
import resize
from cpu_split import by_group, thread_cpu  # thread_cpu: CPU seconds of each live thread, keyed by "name#tid"


def main():
    side = sys.argv[1] if len(sys.argv) > 1 else "requests"
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    settings = bench.Settings.from_environment(os.environ)
    warm = bench.whole_number(os.environ, "WARM", 10, 1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        images = bench.image_files(settings.images)
        folder = resize.long_run_folder(images, passes, work / "long-run")
        backends, ports = bench.backend_processes(settings, work, 3)
        try:
            proxy, port = bench.balanced_proxy(settings, work, side, ports)
            try:
                bench.run_client(settings, work, port, bench.REQUESTS_CLIENT_ARGS + ["--times", str(warm)],
                                 warm_up=True)
                before, threads_before = proxy.usage(), thread_cpu(proxy.process.pid)
                report, _ = bench.run_client(settings, work, port, bench.REQUESTS_CLIENT_ARGS, folder)
                usage, threads_after = proxy.cpu_since(before), thread_cpu(proxy.process.pid)
            finally:
                proxy.stop()
        finally:
            for backend in backends:
                backend.stop()
    groups = by_group(threads_after, threads_before)
    groups["other"] += groups.pop("workers")  # a proxy has no resize workers
    count = report["images"]["resized"]
    print(f"{side}: {count} images, proxy CPU {usage['cpu_s']:.2f} s ({1000 * usage['cpu_s'] / count:.2f} ms an "
          f"image): " + ", ".join(f"{name} {cpu:.2f} s" for name, cpu in sorted(groups.items())))


if __name__ == "__main__":
    main()
