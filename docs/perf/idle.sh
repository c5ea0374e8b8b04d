#!/bin/bash
# docs/perf/idle.sh BIN OUT [SECONDS]: Redis commands per second of an idle serve, averaged
# over SECONDS (default 120) after N=2000 appeals were carried and drained: the load tool
# looks at 5 s, and the queues' sweep for stale entries (every queue.ClaimIdle, 60 s:
# XAUTOCLAIM and the retry promotion per stream and shard) lands in them or not.
set -euo pipefail
BIN=$1 OUT=$2 SECS=${3:-120}
. "$(dirname "$0")/lib.sh"
stack "$OUT" yes ""
drive -from-offset 7000000 -mode closed -c 16 -d 60s -max 2000 -body complete >"$OUT/drive.json"
ok=$(jq .ok "$OUT/drive.json")
drain -replies "$ok" -petitions "$ok" -timeout 120s >"$OUT/drain.json" || echo NOT DRAINED
sleep 5
"${R[@]}" monitor >"$OUT/monitor.txt" & MON=$!
sleep "$SECS"; kill $MON
awk -v s="$SECS" '$3 !~ /lua/ && NF > 3 { n++; c[$4]++ } END {
  printf "idle: %.2f commands/s over %d s\n", n/s, s
  for (k in c) printf "  %-16s %.2f/s\n", k, c[k]/s }' "$OUT/monitor.txt"
