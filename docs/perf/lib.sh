# docs/perf/lib.sh, sourced by the scripts here: one stack of Redis (port 6397), the load
# tool's fake Twilio and webhook backend (18397) and `$BIN serve` (18398, pprof on 6061 when
# the binary serves it), configured as the load tool configures it; stopped on exit
# (KEEP=1 leaves Redis running to look at its keys).
LOAD=${LOAD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../shared/tools/load" 2>/dev/null && pwd || true)} # the load tool's sources
[ -n "$LOAD" ] || { echo "set LOAD to the load tool's directory (shared/tools/load)" >&2; exit 1; }
LG=${TMPDIR:-/tmp}/minsheng-loadgen
[ -x "$LG" ] || (cd "$LOAD" && go build -o "$LG" .)
RP=6397 FP=18397 MP=18398
ACCOUNT=AC0123456789abcdef0123456789abcdef TOKEN=loadtoken0123456789abcdef012345 SECRET=loadsecret0123456789
OFFICIAL=+8613800000001
R=(redis-cli -p $RP)
URL=http://127.0.0.1:$MP
RPID= FPID= MPID=

# stack OUT AOF SCHEDULE: start everything in the fresh directory OUT. AOF: yes|no (the
# load tool runs Redis with appendfsync everysec). SCHEDULE is appended to the official.
stack() {
  local out=$1 aof=$2 sched=${3:-}
  rm -rf "$out"; mkdir -p "$out/redis"
  redis-server --port $RP --bind 127.0.0.1 --dir "$out/redis" --save "" --appendonly "$aof" --appendfsync everysec \
    --daemonize no --logfile "$out/redis.log" & RPID=$!
  "$LG" fake -listen 127.0.0.1:$FP -secret $SECRET >"$out/fake.log" 2>&1 & FPID=$!
  trap 'kill $MPID $FPID 2>/dev/null; [ -n "${KEEP:-}" ] || kill $RPID 2>/dev/null || true' EXIT
  for _ in $(seq 50); do "${R[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
  cat >"$out/ms.yaml" <<EOC
timezone: Asia/Shanghai
log: { level: info, format: text }
http: { listen: "127.0.0.1:$MP", public_url: "$URL" }
redis: { addr: "127.0.0.1:$RP" }
sms:
  twilio: { account_sid: "$ACCOUNT", auth_token: "$TOKEN", api_base_url: "http://127.0.0.1:$FP", rate_per_second: 100000 }
officials:
  - { number: "$OFFICIAL", name: "张三", title: "市长" $sched }
backend:
  kind: webhook
  webhook: { url: "http://127.0.0.1:$FP", secret: "$SECRET" }
quiet_hours: { start: "", end: "" }
EOC
  MINSHENG_BACKEND_JOURNAL= PERF_PPROF_ADDR=127.0.0.1:6061 "$BIN" serve --config "$out/ms.yaml" >"$out/ms.log" 2>&1 & MPID=$!
  for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done
}

# drive ARGS…: signed inbound SMS to serve (loadgen drive), one new citizen per message.
drive() {
  "$LG" drive -url "$URL/sms/twilio" -public-url "$URL/sms/twilio" -token $TOKEN -account $ACCOUNT -to $OFFICIAL "$@"
}

# drain ARGS…: wait until the fakes have the replies and petitions (loadgen drain).
drain() { "$LG" drain -no-metrics -fake http://127.0.0.1:$FP -metrics "$URL/metrics" "$@"; }

# cpu PID: the process's CPU time so far, in clock ticks (1/100 s).
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
