#!/bin/bash
# docs/perf/drainprof.sh BIN OUT: a closed loop of 8 s, then serve's and Redis's CPU per
# appeal while the backlog drains, and a 15 s CPU profile of serve (OUT/cpu.pprof). BIN must
# serve net/http/pprof on PERF_PPROF_ADDR (a perf-only file in cmd/minsheng, in a copy:
# see ../shared/tools/load/README.md).
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
$LG drive -url http://127.0.0.1:$MP/sms/twilio -public-url http://127.0.0.1:$MP/sms/twilio -token $TOKEN -account $ACCOUNT -to $OFFICIAL -from-offset 7000000 -mode closed -c 32 -d 8s >$OUT/drive.json
ok=$(jq .ok $OUT/drive.json); echo "taken in: $ok"
S0=$(awk '{print $14+$15}' /proc/$MPID/stat); R0=$(awk '{print $14+$15}' /proc/$RPID/stat)
sleep 16  # the coalescing window
curl -s -o $OUT/cpu.pprof "http://127.0.0.1:6061/debug/pprof/profile?seconds=15" &
CP=$!
$LG drain -no-metrics -fake http://127.0.0.1:$FP -metrics http://127.0.0.1:$MP/metrics -replies $ok -petitions $ok -timeout 300s >$OUT/drain.json || echo NOT DRAINED
wait $CP || true
S1=$(awk '{print $14+$15}' /proc/$MPID/stat); R1=$(awk '{print $14+$15}' /proc/$RPID/stat)
jq -c '{drain_s, sends: .sends_to_twilio.mean_per_s, deliv: .backend_deliveries.mean_per_s}' $OUT/drain.json
echo "serve cpu ms/appeal $(echo "($S1-$S0)*10/$ok" | bc -l)  redis cpu ms/appeal $(echo "($R1-$R0)*10/$ok" | bc -l)"
