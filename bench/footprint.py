"""What the footprint scenario of bench.py measures, apart from the servers it starts: memory read from /proc,
rounds of idle connections through a proxy, and the time from a server's start to its port accepting."""
import asyncio
import resource
import socket
import subprocess
import time


def memory_mb(pid):
    """A process's resident set now (VmRSS) and at its highest so far (VmHWM), in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {"rss_mb": out.get("VmRSS", 0.0), "peak_rss_mb": out.get("VmHWM", 0.0)}


def raise_fd_limit(needed):
    """Each idle connection takes two fds here (client and upstream ends): raises the soft limit to fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise RuntimeError(f"{needed} file descriptors needed, the hard limit is {hard} (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class Upstream:
    """A TCP server that holds every connection open until its peer closes it, counting the open ones."""

    def __init__(self):
        self.open = 0
        self.changed = asyncio.Event()
        self.server = None

    async def start(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0, backlog=4096)
        return self.server.sockets[0].getsockname()[1]

    async def handle(self, reader, writer):
        self.open += 1
        self.changed.set()
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            writer.close()
            self.open -= 1
            self.changed.set()

    async def wait_for(self, count, limit):
        deadline = time.monotonic() + limit
        while self.open != count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.open} connections open at the upstream, not {count}, after {limit} s")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                pass


async def _idle_rounds(start_proxy, pid_of, connections, rounds, limit, settle):
    upstream = Upstream()
    upstream_port = await upstream.start()
    proxy, proxy_port = start_proxy(upstream_port)
    pid = pid_of(proxy)
    samples = []
    try:
        for _ in range(rounds):
            clients = []
            for i in range(0, connections, 200):  # in batches: a burst of 2,000 SYNs would overflow the backlog
                batch = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", proxy_port)
                                               for _ in range(min(200, connections - i))))
                for _, writer in batch:
                    writer.write(b"x")  # a byte through each: the relay is in use, not only accepted
                clients.extend(batch)
            await upstream.wait_for(connections, limit)
            opened = memory_mb(pid)
            for _, writer in clients:
                writer.close()
            await asyncio.gather(*(writer.wait_closed() for _, writer in clients), return_exceptions=True)
            await upstream.wait_for(0, limit)
            samples.append({"open_rss_mb": opened["rss_mb"], "closed_rss_mb": memory_mb(pid)["rss_mb"]})
        peak = memory_mb(pid)["peak_rss_mb"]
        # What a server gives back once idle takes a while (the JVM trims glibc's heap every 5 s): one more
        # reading, a fixed time after the last round closed, not a wait for a figure.
        await asyncio.sleep(settle)
        return samples, peak, memory_mb(pid)["rss_mb"]
    finally:
        upstream.server.close()
        proxy.stop()


def idle_rounds(start_proxy, pid_of, connections, rounds, limit=120, settle=12):
    """`rounds` times: opens `connections` through the proxy `start_proxy(upstream_port)` starts (returning the
    server and its port), waits until the upstream holds them all, reads the proxy's RSS, closes them and waits
    until the upstream has seen them all close. Returns each round's RSS with the connections open and after they
    closed, the proxy's peak RSS, and its RSS `settle` seconds after the last round closed."""
    raise_fd_limit(2 * connections + 256)
    return asyncio.run(_idle_rounds(start_proxy, pid_of, connections, rounds, limit, settle))


def start_to_ready(command, port, limit=60):
    """Seconds from starting `command` to its `port` accepting a connection (tried every 2 ms), and its RSS then.
    The process is stopped again."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited ({process.returncode}) before listening on {port}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    seconds = time.monotonic() - started
                    return seconds, memory_mb(process.pid)["rss_mb"]
            except OSError:
                if time.monotonic() - started > limit:
                    raise RuntimeError(f"{command[0]} did not listen on {port} within {limit} s") from None
                time.sleep(0.002)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proxy_parts(environ):
    """The footprint scenario's proxy parts for our proxy alone (bench.py's own functions and settings): start to
    ready over STARTS starts, IDLE_ROUNDS rounds of IDLE_CONNECTIONS idle connections, the proxy scenario's peak."""
    import tempfile
    from pathlib import Path
    import bench
    settings = bench.Settings.from_environment(environ)
    with tempfile.TemporaryDirectory(prefix="footprint-proxy-") as folder:
        work = Path(folder)
        median, low, high, rss = bench.start_times(
            lambda port: bench.proxy_command(settings, "ours", work, port, bench.free_port()), settings.starts)
        out = {"proxy_start_ms": median * 1000, "proxy_start_min_ms": low * 1000, "proxy_start_max_ms": high * 1000,
               "proxy_ready_rss_mb": rss}

        def start_proxy(upstream_port):
            port = bench.free_port()
            command = bench.proxy_command(settings, "ours", work, port, upstream_port)
            return bench.Server("proxy-ours", command, [port], work), port

        rounds, peak, settled = idle_rounds(start_proxy, lambda server: server.process.pid,
                                            settings.idle_connections, settings.idle_rounds)
        out.update({"idle_peak_rss_mb": peak, "idle_open_rss_mb": [r["open_rss_mb"] for r in rounds],
                    "idle_closed_rss_mb": rounds[-1]["closed_rss_mb"], "idle_settled_rss_mb": settled})
        scenario = work / "proxy"
        scenario.mkdir()
        usage = bench.proxy_run(settings, scenario, "ours")
        out.update({"proxy_scenario_peak_rss_mb": usage["proxy_peak_rss_mb"],
                    "proxy_scenario_cpu_us_per_request":
                        usage["proxy_cpu_s"] / (bench.DRY_RUN_FOLDER_SIZE * 100) * 1e6})
        return out


if __name__ == "__main__":
    # python3 bench/footprint.py proxy: what the footprint scenario measures of our proxy, without the backends'
    # and the client's parts and HAProxy (bench.py's environment variables apply: PROXY_JVM_OPTS, IDLE_ROUNDS...).
    import json
    import os
    import sys
    if sys.argv[1:] != ["proxy"]:
        sys.exit("usage: python3 bench/footprint.py proxy")
    print(json.dumps(proxy_parts(os.environ), indent=2))
