#!/usr/bin/env python3
"""A pcap of SIP calls whose rows look like the output benchmark's (benches/output.rs):
random E.164 numbers (+44 and ten digits calling +61 and nine), one call in four still
ringing (INVITE, 180), the others answered (INVITE, 180, 200, ACK), so sngrep's call list
differs from one page to the next as much as the console's live pane does. Stdlib only.

    python3 benches/sip_pcap.py /tmp/random.pcap 10000
    mkdir -p /tmp/sngrep-home && echo "set cl.scrollstep 44" >/tmp/sngrep-home/.sngreprc
    HOME=/tmp/sngrep-home python3 benches/pty_bytes.py keys --size 200x50 \
        --keys pgdn,pgdn,pgdn --window 600 -- sngrep -I /tmp/random.pcap

sngrep's PageDown moves `cl.scrollstep` rows (4 by default); 44 is its whole page at
200x50, so the second and third keys show only new rows (the first moves the window
by one row, as the console's first PageDown does). Measured 2026-11-29, sngrep 1.6:
a whole new page is 1,970-1,995 B on random numbers, 1,325-1,426 B on --sequential.

(`--sequential` writes the kind of data sngrep's 1,685 B were first measured on: numbers
that count up, +442079460000, +442079460001 …, so a page down changes two digits a row.)
"""
import random
import struct
import sys


def udp_packet(src, dst, sport, dport, payload):
    """Ethernet + IPv4 + UDP around `payload` (checksums left 0: sngrep does not check)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(src), bytes(dst)
    )
    eth = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + b"\x08\x00"
    return eth + ip + udp


def sip(first_line, call_id, from_uri, to_uri, cseq):
    return (
        f"{first_line}\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{call_id}\r\n"
        f"From: <sip:{from_uri}@acme.example.net>;tag=a{call_id}\r\n"
        f"To: <sip:{to_uri}@10.0.0.2>\r\n"
        f"Call-ID: call-{call_id:05}@10.0.0.1\r\n"
        f"CSeq: {cseq}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "calls.pcap"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    sequential = "--sequential" in sys.argv
    rng = random.Random(1)
    a, b = [10, 0, 0, 1], [10, 0, 0, 2]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    t = 1_700_000_000.0

    def packet(src, dst, payload):
        nonlocal t
        t += 0.001
        frame = udp_packet(src, dst, 5060, 5060, payload)
        sec, usec = int(t), int((t % 1) * 1e6)
        out.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    for i in range(n):
        if sequential:
            frm, to = f"+44207946{i % 10_000:04}", f"+1415555{i % 10_000:04}"
        else:
            frm = f"+44{rng.randrange(10**10):010}"
            to = f"+61{rng.randrange(10**9):09}"
        invite = f"INVITE sip:{to}@10.0.0.2 SIP/2.0"
        packet(a, b, sip(invite, i, frm, to, "1 INVITE"))
        packet(b, a, sip("SIP/2.0 180 Ringing", i, frm, to, "1 INVITE"))
        if i % 4 != 0:
            packet(b, a, sip("SIP/2.0 200 OK", i, frm, to, "1 INVITE"))
            packet(a, b, sip(f"ACK sip:{to}@10.0.0.2 SIP/2.0", i, frm, to, "1 ACK"))
    with open(path, "wb") as f:
        f.write(b"".join(out))
    print(f"{path}: {n} calls, {len(out) - 1} packets")


if __name__ == "__main__":
    main()
