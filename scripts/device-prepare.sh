#!/usr/bin/env bash
# Run HERE before scripts/device-check.sh. The GPU machine has CUDA but no Node.js and no network,
# so this packs what the check needs into .device/ (git-ignored; pass it to the device tool in
# `carry`): the addon and native tests built with CUDA for the GPU's architecture (CUDA_ARCH,
# default 90-real: H100/H200), the compiled TypeScript, the runtime npm packages, and this
# machine's Node binary, compressed.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${CUDA_ARCH:-90-real}

npx cmake-js rebuild --log-level warn --CDSEDJOULE_CUDA=ON --CDSEDJOULE_BUILD_TESTS=ON --CDCMAKE_CUDA_ARCHITECTURES="$arch"
npx tsc -p tsconfig.build.json

rm -rf .device
mkdir -p .device/Release .device/scripts
cp build/Release/sedjoule.node build/Release/sedjoule_native_tests build/Release/libsedjoule_fake_nvml*.so .device/Release/
# The fake powercap writer, which the sensor tests run, exists in builds that have it.
if [ -x build/Release/sedjoule_fake_powercap ]; then cp build/Release/sedjoule_fake_powercap .device/Release/; fi
cp -r dist package.json .device/
cp scripts/*.mjs scripts/*.py .device/scripts/
xz -T0 -6 -c "$(command -v node)" > .device/node.xz

# The runtime dependency closure of the CLI (yargs and what it needs), copied as installed.
node -e '
  const fs = require("fs"), path = require("path");
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pkg = JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies || {})) visit(dep);
  };
  visit("yargs");
  console.log([...seen].join("\n"));
' | while read -r name; do
  mkdir -p ".device/node_modules/$name"
  cp -r "node_modules/$name/." ".device/node_modules/$name/"
done

# Back to the default build for this machine.
npx cmake-js rebuild --log-level warn
du -sh .device
echo "ready: run scripts/device-check.sh on the device with carry [\".device\"]"
