#!/usr/bin/env bash
# The prepared device check, run on a machine with an NVIDIA GPU (the device tool), after
# scripts/device-prepare.sh here (it builds the addon and the native tests with nvcc for the GPU's
# architecture; the GPU machine has no Node.js and no network). About 9 minutes; every figure is
# written under $OUT (packed into $OUT/results.tgz at the end) and a short table is printed.
#   1. CUDA parity: the native kernel suite on the GPU (every kernel and pass, CUDA vs the float64
#      reference, per-kernel relative bounds), plus the CPU suite
#   2. NVML probe: counter and power update periods, idle power, counter vs integrated power
#   3. FP32 FMA peak, measured; conv2d GFLOP/s on the study's largest convolutions, % of that peak
#   4. dcase-crnn training step on CUDA vs PyTorch eager on the same GPU (TF32 off, and defaults)
#   5. Nsight Compute: executed FP32 operations of one training step's kernels vs the ledger
#   6. kernel-energy on dcase-crnn (per-kernel joules, closure against a whole step)
#   7. sensor-study on the GPU (update periods, step response, part-time window, naive methods)
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
mkdir -p "$D/Release" && tar -xJf "$D/release.tar.xz" -C "$D/Release"
NODE=/tmp/sedjoule-node
export SEDJOULE_ADDON=$D/Release/sedjoule.node
cli() { "$NODE" "$D/dist/cli.js" "$@"; }
step() { echo; echo "== $1 ($(date +%T))"; }
# STEPS="1 7" runs only those steps (default: all), and NATIVE_FILTER=name only those native tests,
# so a second run can spend its minutes where they are needed.
runs() { [[ " ${STEPS:-1 2 3 4 5 6 7} " == *" $1 "* ]]; }

{ nvidia-smi; nvidia-smi -q -d POWER,CLOCK,TEMPERATURE; } > "$OUT/nvidia-smi.txt" 2>&1
cli info --json > "$OUT/info.json" 2> "$OUT/info.err"
cli info

if runs 1; then
step "1. native suite with CUDA parity"
"$D/Release/sedjoule_native_tests" ${NATIVE_FILTER:+--filter "$NATIVE_FILTER"} > "$OUT/native-tests.txt" 2>&1
echo "exit $?" >> "$OUT/native-tests.txt"
grep -E "cuda parity|passed|failed|FAIL" "$OUT/native-tests.txt" | tail -8

fi
if runs 2; then
step "2. NVML probe"
cli probe --json --poll 3 --idle 5 --busy 5 > "$OUT/probe.json" 2> "$OUT/probe.err"
"$NODE" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const s of r.sources) {
    const p = (u) => (typeof u === "string" ? u : u.periodS === null ? "n/a" : `${(1000 * u.periodS).toFixed(1)} ms`);
    const b = s.busy || {};
    console.log(`${s.id} [${s.source}] counter ${p(s.counterUpdate)}, power ${p(s.powerUpdate)}, idle ${s.idle.powerW === null ? "n/a" : s.idle.powerW.toFixed(1) + " W"}, busy mean ${b.meanPowerW == null ? "n/a" : b.meanPowerW.toFixed(1) + " W"}, counter vs integrated ${b.relativeDifference == null ? "n/a" : (100 * b.relativeDifference).toFixed(2) + " %"}`);
  }' "$OUT/probe.json"

fi
if runs 3; then
step "3. FP32 peak and conv2d"
"$NODE" "$D/scripts/gpu-checks.mjs" peak-conv > "$OUT/peak-conv.json" 2> "$OUT/peak-conv.err"
"$NODE" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`FP32 FMA peak (measured): ${r.peak.gflops.toFixed(0)} GFLOP/s`);
  for (const c of r.convs) console.log(`${c.model} ${c.layer} ${c.pass.padEnd(16)} ${c.msPerCall.toFixed(3)} ms  ${c.gflops.toFixed(0)} GFLOP/s  ${(100 * c.ofPeak).toFixed(1)} %  ${c.shapes}`);
' "$OUT/peak-conv.json" || tail -5 "$OUT/peak-conv.err"

fi
if runs 4; then
step "4. dcase-crnn training step vs PyTorch"
"$NODE" "$D/scripts/gpu-checks.mjs" step 30 > "$OUT/step.json" 2> "$OUT/step.err" || tail -5 "$OUT/step.err"
python3 "$D/scripts/gpu_step_peer.py" 30 > "$OUT/step-peer.json" 2> "$OUT/step-peer.err" || tail -5 "$OUT/step-peer.err"
"$NODE" -e '
  const fs = require("fs");
  const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  let p = null; try { p = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); } catch {}
  console.log(`sedjoule: ${s.msPerStep.toFixed(2)} ms/step (kernels ${s.gpuMsPerStep.toFixed(2)} ms of GPU time)`);
  if (p) console.log(`PyTorch ${p.torch}: ${p.msPerStepFp32.toFixed(2)} ms/step FP32, ${p.msPerStepTf32Default.toFixed(2)} ms/step with TF32 defaults; sedjoule/PyTorch FP32 time ratio ${(s.msPerStep / p.msPerStepFp32).toFixed(2)} (target <= 1.5)`);
  for (const t of s.top.slice(0, 6)) console.log(`  ${t.layer} ${t.name} ${t.pass}: ${t.msPerStep.toFixed(3)} ms`);
' "$OUT/step.json" "$OUT/step-peer.json" || true

fi
if runs 5; then
step "5. Nsight Compute FP32 operations vs the ledger"
if command -v ncu >/dev/null; then
  timeout 150 ncu --csv --page raw --metrics smsp__sass_thread_inst_executed_op_ffma_pred_on.sum,smsp__sass_thread_inst_executed_op_fadd_pred_on.sum,smsp__sass_thread_inst_executed_op_fmul_pred_on.sum \
    "$NODE" "$D/scripts/gpu-checks.mjs" ncu-step "$OUT/ncu-ledger.json" > "$OUT/ncu.csv" 2> "$OUT/ncu.err"
  "$NODE" "$D/scripts/ncu-compare.mjs" "$OUT/ncu.csv" "$OUT/ncu-ledger.json" > "$OUT/ncu-compare.txt" 2>&1
  cat "$OUT/ncu-compare.txt"
else
  echo "ncu not found: skipped" | tee "$OUT/ncu-compare.txt"
fi

fi
if runs 6; then
step "6. kernel-energy dcase-crnn"
cli kernel-energy --model dcase-crnn --min-updates 20 --idle 5 --max-seconds 120 --json > "$OUT/kernel-energy.json" 2> "$OUT/kernel-energy.err"
"$NODE" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = r.closure;
  console.log(`idle ${r.idle.powerW.toFixed(1)} W; step ${r.step.energy.joulesPerCall.toFixed(3)} ± ${r.step.energy.uncertaintyJPerCall.toFixed(3)} J net; kernels ${c.kernelsJ.toFixed(3)} ± ${c.kernelsUncertaintyJ.toFixed(3)} J; closure ratio ${c.ratio.toFixed(3)}, time coverage ${(100 * c.timeCoverage).toFixed(1)} %`);
  for (const k of r.kernels.filter((k) => k.energy).slice(0, 8)) console.log(`  ${k.name} ${k.pass} x${k.callsPerStep}: ${(1e3 * k.energy.joulesPerCall).toFixed(3)} mJ/call, ${k.energy.meanPowerW.toFixed(0)} W, ${k.energy.gflopPerJoule === null ? "-" : k.energy.gflopPerJoule.toFixed(1)} GFLOP/J`);
' "$OUT/kernel-energy.json" || tail -5 "$OUT/kernel-energy.err"

fi
if runs 7; then
step "7. sensor study on the GPU"
# Shorter than the defaults (about 2.5 minutes): 8 steps, 12 phases, loads of 0.1, 1 and 10 s.
cli sensor-study --out "$OUT/sensor-study" --device gpu --step-cycles 8 --burst-phases 12 --burst-gap 0.6 \
  --naive-durations 0.1,1,10 --protocol-s 4 --no-progress > "$OUT/sensor-study.txt" 2> "$OUT/sensor-study.err"
head -40 "$OUT/sensor-study.txt"; tail -3 "$OUT/sensor-study.err"
fi

step "done"
# One archive comes back whole where many small files may not: everything above, packed.
ls -la "$OUT"
tar -czf /tmp/sedjoule-results.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -delete && mv /tmp/sedjoule-results.tgz "$OUT/results.tgz"
