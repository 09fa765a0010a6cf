#!/usr/bin/env python3
"""The backends' peak RSS under real resizing, run after run (issue 15's "flat from run to run"; not a benchmark).

Runs the footprint scenario's resize part (bench.py's resize_run: one JVM of three backends with two resize workers,
our proxy, the client; warm-up passes, then at least RESIZE_IMAGES_PER_RUN images, then a cold pass) RUNS times,
each with fresh processes, and prints each run's peak RSS of the backends' JVM (VmHWM), then the lowest, median and
highest. BACKEND_JVM_OPTS adds JVM options to the backends alone (after the script's, so they win); JVM_OPTS, as
for bench.py, adds to every program.

Usage: BENCH_IMAGES=DIR [RUNS=6] [BACKEND_JVM_OPTS='-Xmx...'] bench/backend_rss.py
       (TCPBALANCER_JAR picks the jar to measure, as for bin/tcpbalancer)
"""
import dataclasses
import os
import statistics
import tempfile
from pathlib import Path

import bench

BACKEND_JVM_OPTS = tuple(os.environ.get("BACKEND_JVM_OPTS", "").split())
script_three_backends = bench.three_backends


def three_backends(settings, work, workers):
    """bench.py's backends, with BACKEND_JVM_OPTS after everyone's JVM_OPTS."""
    return script_three_backends(dataclasses.replace(settings, jvm_opts=(*settings.jvm_opts, *BACKEND_JVM_OPTS)),
                                 work, workers)


def main():
    settings = bench.Settings.from_environment(os.environ)
    bench.three_backends = three_backends
    peaks = []
    for run in range(1, settings.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            result = bench.resize_run(settings, Path(tmp), "ours")
        peaks.append(result["backends_peak_rss_mb"])
        print(f"run {run}: backends' peak RSS {peaks[-1]:.0f} MB, {result['images_per_s']:.1f} images/s", flush=True)
    print(f"{len(peaks)} runs of {settings.images} (backends' added options: {' '.join(BACKEND_JVM_OPTS) or 'none'}):"
          f" peak RSS {min(peaks):.0f} / {statistics.median(peaks):.0f} / {max(peaks):.0f} MB (lowest / median /"
          f" highest): " + ", ".join(f"{peak:.0f}" for peak in peaks))


if __name__ == "__main__":
    main()
