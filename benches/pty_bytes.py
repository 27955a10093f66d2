#!/usr/bin/env python3
"""Bytes a terminal program writes, counted in a pseudo-terminal (what `script -q -f`
records, without tmux in between). Two modes, each run three times, median printed:

  idle: after a warm-up, the bytes per second over a window with no key pressed
      python3 benches/pty_bytes.py idle --size 80x24 --seconds 20 -- \\
          target/release/switchboard --config one.toml
  keys: after a warm-up, the keys one by one (names: pgdn, pgup, down, up, tab, or
      text); prints the bytes each key caused (what arrives within --window ms)
      python3 benches/pty_bytes.py keys --size 200x50 --keys pgdn,pgdn -- \\
          sngrep -I /tmp/random.pcap

benches/real_ticking.sh runs the idle measurement of issue 14 (one provider, 8 calls
ticking, 80x24, 20 s) against the simulator.
"""
import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import termios
import time

KEYS = {"pgdn": b"\x1b[6~", "pgup": b"\x1b[5~", "down": b"\x1b[B", "up": b"\x1b[A", "tab": b"\t"}


def spawn(cmd, cols, rows):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        os.execvpe(cmd[0], cmd, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, fd


def drain(fd, seconds):
    """Reads for `seconds`; returns the bytes read."""
    end = time.monotonic() + seconds
    got = b""
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return got
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                got += os.read(fd, 65536)
            except OSError:
                return got


def stop(pid, fd):
    try:
        os.kill(pid, signal.SIGTERM)
        drain(fd, 0.5)
        os.waitpid(pid, 0)
    except OSError:
        pass
    os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["idle", "keys"])
    ap.add_argument("--size", default="80x24")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--keys", default="pgdn")
    ap.add_argument("--window", type=float, default=400.0, help="ms after a key")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dump", help="write the last run's measured bytes here")
    import sys

    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("the command goes after --")
    cut = argv.index("--")
    a, cmd = ap.parse_args(argv[:cut]), argv[cut + 1 :]
    cols, rows = (int(v) for v in a.size.split("x"))
    results = []
    for _ in range(a.runs):
        pid, fd = spawn(cmd, cols, rows)
        drain(fd, a.warmup)
        if a.mode == "idle":
            got = drain(fd, a.seconds)
            results.append([len(got) / a.seconds])
        else:
            per_key = []
            got = b""
            for name in a.keys.split(","):
                os.write(fd, KEYS.get(name, name.encode()))
                got = drain(fd, a.window / 1000)
                per_key.append(len(got))
                drain(fd, 0.3)
            results.append(per_key)
        if a.dump:
            with open(a.dump, "wb") as f:
                f.write(got)
        stop(pid, fd)
    for i, r in enumerate(results):
        print(f"run {i + 1}: " + ", ".join(f"{v:.1f}" for v in r))
    cols_ = list(zip(*results))
    label = "B/s" if a.mode == "idle" else "B per key"
    print(f"median {label}: " + ", ".join(f"{statistics.median(c):.1f}" for c in cols_))


if __name__ == "__main__":
    main()
