#!/usr/bin/env bash
# The soak (issue 8), run on demand, not in CI: ten minutes at half the sustained load against the real server, then
# the figures: live heap and working set a minute in and at the end (flat: at most 10 % growth), the server's error
# log lines (none), and alert-grade probes lost (none). Exits non-zero when one of the three fails.
#   tests/soak.sh                      # 600 s at 25,000 messages/s × 4 signals, 5,000 devices, 1,000 places
#   SOAK_SECONDS=120 SOAK_RATE=10000 tests/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${SOAK_SECONDS:-600}"
rate="${SOAK_RATE:-25000}"
dotnet build -c Release src/Pax.Live.Server -nologo -clp:ErrorsOnly
dotnet build -c Release tests/Pax.Live.LoadTool -nologo -clp:ErrorsOnly
json="$(mktemp)"
trap 'rm -f "$json"' EXIT
uptime
dotnet tests/Pax.Live.LoadTool/bin/Release/net10.0/Pax.Live.LoadTool.dll \
  --devices 5000 --places 1000 --rate "$rate" --signals 4 --seconds "$seconds" --warmup 30 --probes 5 \
  --no-ceiling --soak --json "$json" || true
uptime
python3 - "$json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
r = s["runtime"]
growth = 100 * (r["heapAfterFullGcMiB"] - r["heapAfterWarmupMiB"]) / r["heapAfterWarmupMiB"]
checks = [
    ("live heap growth after warm-up <= 10 %", growth <= 10, f"{r['heapAfterWarmupMiB']:.0f} -> {r['heapAfterFullGcMiB']:.0f} MiB ({growth:+.1f} %)"),
    ("no error log lines", r["errorLines"] == 0, f"{r['errorLines']} lines"),
    ("no alert-grade probe lost", s["alertsLost"] == 0, f"{s['alertsReceived']}/{s['probesSent']} received"),
]
print(f"soak: {s['seconds']} s, accepted {s['acceptedSignalsPerSecond']:.0f} signals/s, "
      f"working set {r['workingSetAfterWarmupMiB']:.0f} -> {r['workingSetMiB']:.0f} MiB, peak RSS {s['serverPeakRssMiB']:.0f} MiB")
ok = True
for name, passed, figure in checks:
    print(f"  {'PASS' if passed else 'FAIL'}  {name}: {figure}")
    ok &= passed
sys.exit(0 if ok else 1)
PY
