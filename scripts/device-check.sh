#!/usr/bin/env bash
# The prepared device check, run on a machine with an NVIDIA GPU (the device tool), after
# scripts/device-prepare.sh here. Writes every figure under $OUT and prints a short summary.
#   energy: the probe on the real GPU (update periods, idle power, counter vs integrated power)
#           and a 30 s busy/idle square wave.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sedjoule-device-out}
mkdir -p "$OUT"
D=$PWD/.device
if [ ! -f "$D/node.xz" ]; then
  echo "no .device/: run scripts/device-prepare.sh first and carry .device" >&2
  exit 2
fi
xz -d -c "$D/node.xz" > /tmp/sedjoule-node && chmod +x /tmp/sedjoule-node
NODE=/tmp/sedjoule-node
export SEDJOULE_ADDON=$D/Release/sedjoule.node
cli() { "$NODE" "$D/dist/cli.js" "$@"; }

{ nvidia-smi; nvidia-smi -q -d POWER,CLOCK,TEMPERATURE; } > "$OUT/nvidia-smi.txt" 2>&1
cli info --json > "$OUT/info.json" 2> "$OUT/info.err"
cli info

echo "== energy probe"
cli probe --json --poll 3 --idle 5 --busy 5 > "$OUT/probe.json" 2> "$OUT/probe.err"
"$NODE" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const s of r.sources) {
    const p = (u) => (typeof u === "string" ? u : u.periodS === null ? "n/a" : `${(1000 * u.periodS).toFixed(1)} ms`);
    const b = s.busy || {};
    console.log(`${s.id} [${s.source}] counter ${p(s.counterUpdate)}, power ${p(s.powerUpdate)}, idle ${s.idle.powerW === null ? "n/a" : s.idle.powerW.toFixed(1) + " W"}, busy mean ${b.meanPowerW == null ? "n/a" : b.meanPowerW.toFixed(1) + " W"}, counter vs integrated ${b.relativeDifference == null ? "n/a" : (100 * b.relativeDifference).toFixed(2) + " %"} (load: ${b.load || "-"})`);
  }' "$OUT/probe.json"

echo "== 30 s busy/idle square wave on the GPU"
"$NODE" "$D/scripts/square-wave.mjs" --seconds 30 --half 3 --kind gpu --json > "$OUT/square-wave.json" 2> "$OUT/square-wave.err"
"$NODE" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`load: ${r.load}`);
  for (const w of r.windows) console.log(w.name.padEnd(8), w.sources.map((s) => `${s.id} ${s.joules === null ? "n/a" : s.joules.toFixed(1) + " J"} mean ${s.meanPowerW == null ? "n/a" : s.meanPowerW.toFixed(1) + " W"}`).join("; "));
' "$OUT/square-wave.json"
ls -la "$OUT"
