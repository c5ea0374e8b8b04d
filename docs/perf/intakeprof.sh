#!/bin/bash
# docs/perf/intakeprof.sh BIN OUT: a closed loop of 10 s (c=32): serve's and Redis's CPU
# per message taken in, and an 8 s CPU profile of serve (OUT/cpu-intake.pprof). BIN as for
# drainprof.sh.
set -euo pipefail
LOAD=${LOAD:-$(cd "$(dirname "$0")/../../../shared/tools/load" 2>/dev/null && pwd)}  # the load tool's sources
LG=${TMPDIR:-/tmp}/minsheng-loadgen
[ -x "$LG" ] || (cd "$LOAD" && go build -o "$LG" .)
BIN=$1 OUT=$2; rm -rf $OUT; mkdir -p $OUT/redis
RP=6395 FP=18395 MP=18396
ACCOUNT=AC0123456789abcdef0123456789abcdef TOKEN=loadtoken0123456789abcdef012345 SECRET=loadsecret0123456789
OFFICIAL=+8613800000001
redis-server --port $RP --bind 127.0.0.1 --dir $OUT/redis --save "" --appendonly yes --appendfsync everysec --daemonize no --logfile $OUT/redis.log & RPID=$!
$LG fake -listen 127.0.0.1:$FP -secret $SECRET >$OUT/fake.log 2>&1 & FPID=$!
trap 'kill $MPID $FPID $RPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p $RP ping >/dev/null 2>&1 && break; sleep 0.1; done
cat >$OUT/ms.yaml <<EOC
timezone: Asia/Shanghai
log: { level: info, format: text }
http: { listen: "127.0.0.1:$MP", public_url: "http://127.0.0.1:$MP" }
redis: { addr: "127.0.0.1:$RP" }
sms:
  twilio: { account_sid: "$ACCOUNT", auth_token: "$TOKEN", api_base_url: "http://127.0.0.1:$FP", rate_per_second: 100000 }
officials:
  - { number: "$OFFICIAL", name: "张三", title: "市长" }
backend:
  kind: webhook
  webhook: { url: "http://127.0.0.1:$FP", secret: "$SECRET" }
quiet_hours: { start: "", end: "" }
EOC
MINSHENG_BACKEND_JOURNAL= PERF_PPROF_ADDR=127.0.0.1:6061 $BIN serve --config $OUT/ms.yaml >$OUT/ms.log 2>&1 & MPID=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$MP/readyz >/dev/null && break; sleep 0.1; done
curl -s -o $OUT/cpu-intake.pprof "http://127.0.0.1:6061/debug/pprof/profile?seconds=8" &
CP=$!
S0=$(awk '{print $14+$15}' /proc/$MPID/stat); R0=$(awk '{print $14+$15}' /proc/$RPID/stat)
$LG drive -url http://127.0.0.1:$MP/sms/twilio -public-url http://127.0.0.1:$MP/sms/twilio -token $TOKEN -account $ACCOUNT -to $OFFICIAL -from-offset 7000000 -mode closed -c 32 -d 10s >$OUT/drive.json
S1=$(awk '{print $14+$15}' /proc/$MPID/stat); R1=$(awk '{print $14+$15}' /proc/$RPID/stat)
wait $CP
ok=$(jq .ok $OUT/drive.json); echo "taken in: $ok  $(jq -c '{throughput_ok_per_s, p99: .latency_ms.p99}' $OUT/drive.json)"
echo "intake: serve cpu us/msg $(echo "($S1-$S0)*10000/$ok" | bc -l | cut -c1-6)  redis cpu us/msg $(echo "($R1-$R0)*10000/$ok" | bc -l | cut -c1-6)"
