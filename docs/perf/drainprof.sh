#!/bin/bash
# docs/perf/drainprof.sh BIN OUT: a closed loop of 8 s, then serve's and Redis's CPU per
# appeal while the backlog drains, and a 15 s CPU profile of serve (OUT/cpu.pprof). BIN must
# serve net/http/pprof on PERF_PPROF_ADDR (a perf-only file in cmd/minsheng, in a copy:
# see ../shared/tools/load/README.md).
set -euo pipefail
BIN=$1 OUT=$2
. "$(dirname "$0")/lib.sh"
stack "$OUT" yes
drive -from-offset 7000000 -mode closed -c 32 -d 8s >"$OUT/drive.json"
ok=$(jq .ok "$OUT/drive.json"); echo "taken in: $ok"
S0=$(cpu $MPID) R0=$(cpu $RPID)
sleep 16 # the coalescing window
curl -s -o "$OUT/cpu.pprof" "http://127.0.0.1:6061/debug/pprof/profile?seconds=15" & CP=$!
drain -replies "$ok" -petitions "$ok" -timeout 300s >"$OUT/drain.json" || echo NOT DRAINED
wait $CP || true
S1=$(cpu $MPID) R1=$(cpu $RPID)
jq -c '{drain_s, sends: .sends_to_twilio.mean_per_s, deliv: .backend_deliveries.mean_per_s}' "$OUT/drain.json"
echo "serve cpu ms/appeal $(echo "($S1-$S0)*10/$ok" | bc -l | cut -c1-6)  redis cpu ms/appeal $(echo "($R1-$R0)*10/$ok" | bc -l | cut -c1-6)"
