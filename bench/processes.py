"""What bench.py and soak.py both need of the processes they start: a free port, a clean stop, the commit."""
import socket
import subprocess


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
