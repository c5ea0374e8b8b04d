#!/bin/bash
# docs/perf/intakeprof.sh BIN OUT: a closed loop of 10 s (c=32): serve's and Redis's CPU
# per message taken in, and an 8 s CPU profile of serve (OUT/cpu-intake.pprof). BIN as for
# drainprof.sh.
set -euo pipefail
BIN=$1 OUT=$2
. "$(dirname "$0")/lib.sh"
stack "$OUT" yes
curl -s -o "$OUT/cpu-intake.pprof" "http://127.0.0.1:6061/debug/pprof/profile?seconds=8" & CP=$!
S0=$(cpu $MPID) R0=$(cpu $RPID)
drive -from-offset 7000000 -mode closed -c 32 -d 10s >"$OUT/drive.json"
S1=$(cpu $MPID) R1=$(cpu $RPID)
wait $CP || true
ok=$(jq .ok "$OUT/drive.json"); echo "taken in: $ok  $(jq -c '{throughput_ok_per_s, p99: .latency_ms.p99}' "$OUT/drive.json")"
echo "intake: serve cpu us/msg $(echo "($S1-$S0)*10000/$ok" | bc -l | cut -c1-6)  redis cpu us/msg $(echo "($R1-$R0)*10000/$ok" | bc -l | cut -c1-6)"
