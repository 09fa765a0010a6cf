"""What bench.py and soak.py both need of the processes they start: a free port, a clean stop, the commit, the
CPU of each thread."""
import os
import socket
import subprocess
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port(host="127.0.0.1"):
    """A port nothing listens on now, on `host` (the kernel's pick)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def stop(process, timeout=30):
    """Asks `process` to stop (SIGTERM: our servers drain first), and kills it after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def commit(root):
    """The checkout's commit, marked -dirty when it has uncommitted changes, or "unknown"."""
    try:
        return subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def thread_cpu(pid):
    """CPU seconds of each live thread of `pid`, keyed by "name#tid" (a thread that has ended is not there)."""
    cpu = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return cpu  # the process ended meanwhile
    for tid in tids:
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        cpu[f"{name}#{tid}"] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return cpu
