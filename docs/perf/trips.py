#!/usr/bin/env python3
import sys,re,json
# docs/perf/trips.py OUTDIR: Redis round trips per message from a load run's monitor.txt, by the
# load tool's rule and two others (see docs/perf/README.md); idle rate subtracted as the tool does
d=sys.argv[1]
rt=json.load(open(d+'/rt-minsheng.json')); r=json.load(open(d+'/roundtrips.json'))
a0=rt['start_unix_ms']/1000; e=a0+r['total_window_s']; n=r['messages']
i1=a0-0.0; i0=a0-r.get('idle_window_s',5)  # idle window ends where the drive starts (approx.)
pat=re.compile(r'^(\d+\.\d+) \[\d+ ([^\]]+)\]')
rules={'tool':0,'gap':0,'run':0}; idle={'tool':0,'gap':0,'run':0}
lastc=None; lastt=0; prevline_t=0; prevclient=None; prevrun=None
for line in open(d+'/monitor.txt',errors='replace'):
    m=pat.match(line)
    if not m: continue
    t=float(m.group(1)); who=m.group(2)
    if who=='lua':
        prevline_t=t; continue
    c={'tool': not (who==lastc and t-lastt<0.00002),
       'gap': not (who==prevclient and t-prevline_t<0.00002),
       'run': who!=prevrun}
    lastc=who; lastt=t; prevclient=who; prevline_t=t; prevrun=who
    for k,v in c.items():
        if not v: continue
        if a0<=t<e: rules[k]+=1
        if i0-1<=t<i0+4: idle[k]+=1
for k in rules:
    print("%-5s %.2f trips/msg (idle %.1f/s)"%(k,(rules[k]-idle[k]/5*(e-a0))/n, idle[k]/5))
