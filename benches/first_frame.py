#!/usr/bin/env python3
"""Time to the console's first frame: starts switchboard in a pseudo-terminal (80x24)
seven times and prints the median, min and max milliseconds until the end of the first
synchronized-output frame. Not a cargo bench (it needs the release binary and a pty):

    cargo build --release
    python3 benches/first_frame.py target/release/switchboard --demo
    python3 benches/first_frame.py target/release/switchboard --config sims.toml

Target (issue 14): first frame <= 50 ms, demo included.
"""
import os, pty, sys, time, select, signal
def measure(args, env_extra={}):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24", **env_extra)
        os.execvpe(args[0], args, env)
    import fcntl, termios, struct
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    t0 = time.monotonic()
    buf = b""
    first = None
    while time.monotonic() - t0 < 5:
        r, _, _ = select.select([fd], [], [], 0.01)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                break
            buf += d
            if b"\x1b[?2026l" in buf and first is None:
                first = time.monotonic() - t0
                break
    os.kill(pid, signal.SIGTERM)
    try: os.waitpid(pid, 0)
    except: pass
    return first
args = sys.argv[1:]
res = [measure(args) for _ in range(7)]
res = sorted(r for r in res if r is not None)
print("first frame ms: median %.1f  min %.1f  max %.1f" % (1000*res[len(res)//2], 1000*res[0], 1000*res[-1]))
