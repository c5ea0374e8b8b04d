#!/bin/bash
# docs/perf/ratio.sh BIN OUT: the load tool's intake ratio taken apart by CPU: the same closed
# loop (c = 32, 8 s) against the bare baseline (loadgen baseline: form parsing and one XADD),
# serve, and the baseline again, with the CPU per message of the server, Redis and the load
# generator itself. On a machine where the three share the cores, throughput follows the sum.
set -euo pipefail
BIN=$1 OUT=$2
. "$(dirname "$0")/lib.sh"
stack "$OUT" yes
BP=18399
"$LG" baseline -listen 127.0.0.1:$BP -redis 127.0.0.1:$RP >"$OUT/baseline.log" 2>&1 & BPID=$!
sleep 1
run() { # name url pid from-offset
  local name=$1 url=$2 pid=$3 s0 r0 s1 r1 ok lg
  s0=$(cpu "$pid") r0=$(cpu $RPID)
  /usr/bin/time -f "%U %S" -o "$OUT/$name.time" "$LG" drive -url "$url" -public-url "$url" -token $TOKEN \
    -account $ACCOUNT -to $OFFICIAL -from-offset "$4" -mode closed -c 32 -d 8s >"$OUT/$name.json"
  s1=$(cpu "$pid") r1=$(cpu $RPID)
  ok=$(jq .ok "$OUT/$name.json")
  lg=$(tail -1 "$OUT/$name.time" | awk -v n="$ok" '{printf "%d", ($1+$2)*1e6/n}')
  echo "$name: $(jq -r .throughput_ok_per_s "$OUT/$name.json")/s  server $(( (s1-s0)*10000/ok )) µs/msg  redis $(( (r1-r0)*10000/ok )) µs/msg  loadgen $lg µs/msg"
}
run baseline "http://127.0.0.1:$BP/sms/twilio" $BPID 8000000
run minsheng "$URL/sms/twilio" "$MPID" 9000000
run baseline2 "http://127.0.0.1:$BP/sms/twilio" $BPID 10000000
kill $BPID
