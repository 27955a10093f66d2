#!/bin/sh
# Issue 14's idle figure for the real binary: one provider (the first simulator,
# one domain, 8 calls in progress, no new calls), 80x24, the bytes the console writes
# in a pseudo-terminal (what `script -q -f` records) over 20 s after a 5 s warm-up,
# median of 3 runs. Target: 35 + 12 x 8 = 131 B/s.
#
#   cargo build --release && sh benches/real_ticking.sh [target/release/switchboard]
set -eu
bin=${1:-target/release/switchboard}
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" sim --domains 1 --live-calls 8 --calls-per-minute 0 --write-config "$dir/all.toml" \
    >"$dir/sim.log" 2>&1 &
sim=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$dir/all.toml" ] && break; sleep 0.5; done
# The first provider only.
awk '/^\[\[provider\]\]/{n++} n==1' "$dir/all.toml" >"$dir/one.toml"
chmod 600 "$dir/one.toml"
# A private home: no history store or settings of the user's.
HOME=$dir XDG_CONFIG_HOME=$dir/config XDG_DATA_HOME=$dir/data XDG_STATE_HOME=$dir/state \
    python3 "$here/pty_bytes.py" idle --size 80x24 --warmup 5 --seconds 20 --runs 3 \
    --dump "$dir/last.bin" -- "$bin" --config "$dir/one.toml"
