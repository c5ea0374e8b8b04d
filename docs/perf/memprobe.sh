#!/bin/bash
# docs/perf/memprobe.sh BIN OUT [N] [SCHEDULE]: the load tool's memory phase on its own:
# N citizens (default 3000; use 20000 as the tool does) each leave one incomplete appeal;
# prints used_memory per draft and MEMORY USAGE by key pattern. SCHEDULE is appended to
# the official's config, e.g. ', schedule: { days: [1,2,3,4,5,6,7], from: "00:00", to: "23:59" }'
# for office hours at any time. KEEP=1 leaves its Redis (port 6397) running to look at the keys.
set -euo pipefail
BIN=$1 OUT=$2 N=${3:-3000}
. "$(dirname "$0")/lib.sh"
stack "$OUT" no "${4:-}"
sleep 3
m0=$("${R[@]}" info memory | awk -F: '/^used_memory:/{print $2+0}')
drive -from-offset 5000000 -mode closed -c 32 -d 300s -max "$N" -body incomplete >"$OUT/drive.json"
ok=$(jq .ok "$OUT/drive.json")
drain -replies "$ok" -petitions 0 -timeout 120s >"$OUT/drain.json" || echo NOT DRAINED
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
' "$ok"
