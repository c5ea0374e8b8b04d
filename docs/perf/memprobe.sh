#!/bin/bash
# docs/perf/memprobe.sh BIN OUT [N] [SCHEDULE]: the load tool's memory phase on its own:
# N citizens (default 3000; use 20000 as the tool does) each leave one incomplete appeal;
# prints used_memory per draft and MEMORY USAGE by key pattern. SCHEDULE is appended to
# the official's config, e.g. ', schedule: { days: [1,2,3,4,5,6,7], from: "00:00", to: "23:59" }'
# for office hours at any time. KEEP=1 leaves its Redis (port 6397) running to look at the keys.
set -euo pipefail
LOAD=${LOAD:-$(cd "$(dirname "$0")/../../../shared/tools/load" 2>/dev/null && pwd)}  # the load tool's sources
LG=${TMPDIR:-/tmp}/minsheng-loadgen
[ -x "$LG" ] || (cd "$LOAD" && go build -o "$LG" .)
BIN=$1 OUT=$2 N=${3:-3000} SCHED=${4:-}
rm -rf "$OUT"; mkdir -p "$OUT/redis"
RP=6397 FP=18397 MP=18398
ACCOUNT=AC0123456789abcdef0123456789abcdef TOKEN=loadtoken0123456789abcdef012345 SECRET=loadsecret0123456789
OFFICIAL=+8613800000001
R=(redis-cli -p $RP)
redis-server --port $RP --bind 127.0.0.1 --dir "$OUT/redis" --save "" --appendonly no --daemonize no --logfile "$OUT/redis.log" & RPID=$!
$LG fake -listen 127.0.0.1:$FP -secret $SECRET >"$OUT/fake.log" 2>&1 & FPID=$!
trap 'kill $MPID $FPID 2>/dev/null; [ -n "${KEEP:-}" ] || kill $RPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do "${R[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
cat >"$OUT/ms.yaml" <<EOC
timezone: Asia/Shanghai
log: { level: info, format: text }
http: { listen: "127.0.0.1:$MP", public_url: "http://127.0.0.1:$MP" }
redis: { addr: "127.0.0.1:$RP" }
sms:
  twilio: { account_sid: "$ACCOUNT", auth_token: "$TOKEN", api_base_url: "http://127.0.0.1:$FP", rate_per_second: 100000 }
officials:
  - { number: "$OFFICIAL", name: "张三", title: "市长" $SCHED }
backend:
  kind: webhook
  webhook: { url: "http://127.0.0.1:$FP", secret: "$SECRET" }
quiet_hours: { start: "", end: "" }
EOC
MINSHENG_BACKEND_JOURNAL= $BIN serve --config "$OUT/ms.yaml" >"$OUT/ms.log" 2>&1 & MPID=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$MP/readyz >/dev/null && break; sleep 0.1; done
sleep 3
m0=$("${R[@]}" info memory | awk -F: '/^used_memory:/{print $2+0}')
$LG drive -url http://127.0.0.1:$MP/sms/twilio -public-url http://127.0.0.1:$MP/sms/twilio -token $TOKEN -account $ACCOUNT -to $OFFICIAL -from-offset 5000000 -mode closed -c 32 -d 300s -max $N -body incomplete >"$OUT/drive.json"
ok=$(jq .ok "$OUT/drive.json")
$LG drain -no-metrics -fake http://127.0.0.1:$FP -metrics http://127.0.0.1:$MP/metrics -replies $ok -petitions 0 -timeout 120s >"$OUT/drain.json" || echo NOT DRAINED
sleep 2
m1=$("${R[@]}" info memory | awk -F: '/^used_memory:/{print $2+0}')
"${R[@]}" info memory | grep -E "mem_clients_normal|used_memory_scripts:|used_memory_dataset:|used_memory_overhead"; "${R[@]}" info clients | grep connected_clients
echo "drafts $ok  bytes/draft $(( (m1-m0)/ok ))  keys $("${R[@]}" dbsize)"
"${R[@]}" --scan > "$OUT/keys.txt"
sed 's/^/MEMORY USAGE /' "$OUT/keys.txt" | "${R[@]}" > "$OUT/usage.txt"
paste "$OUT/keys.txt" "$OUT/usage.txt" | python3 -c '
import sys,re,collections
n=int(sys.argv[1]); c=collections.Counter(); b=collections.Counter()
for line in sys.stdin:
    k,u=line.rstrip("\n").rsplit("\t",1)
    p=re.sub(r"\{s\d+\}","{sK}",k); p=re.sub(r"\+\d{6,}","+N",p); p=re.sub(r"SM[0-9a-f]{8,}","SMx",p); p=re.sub(r"\d{6,}","N",p)
    c[p]+=1; b[p]+=int(u or 0)
for p,v in sorted(b.items(), key=lambda x:-x[1])[:25]:
    print("%8.1f B/draft %6d keys %7.0f B/key  %s"%(v/n,c[p],v/c[p],p))
' $ok
