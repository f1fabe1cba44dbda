#!/usr/bin/env bash
# Run HERE before scripts/device-check.sh. The GPU machine has CUDA but no Node.js and no network,
# so this packs what the check needs into .device/ (git-ignored; pass it to the device tool in
# `carry`): the addon and native tests built with CUDA for the GPU's architecture (CUDA_ARCH,
# default 90-real: H100/H200), the compiled TypeScript, the runtime npm packages, and this
# machine's Node binary, compressed.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${CUDA_ARCH:-90-real}

# Its own build folder (build-device/, git-ignored), so this machine's build/ is left as it is and a
# second run recompiles only what changed.
npx cmake-js compile --log-level warn -O build-device --CDSEDJOULE_CUDA=ON --CDSEDJOULE_BUILD_TESTS=ON --CDCMAKE_CUDA_ARCHITECTURES="$arch"
npx tsc -p tsconfig.build.json

rm -rf .device
mkdir -p .device/scripts
# Compressed, as the Node binary below, to stay within what the device tool carries (64 MiB). The
# fake NVML libraries and the fake powercap writer are the native tests' test doubles.
tar -cJf .device/release.tar.xz -C build-device/Release sedjoule.node sedjoule_native_tests sedjoule_fake_powercap $(cd build-device/Release && ls libsedjoule_fake_nvml*.so)
cp -r dist package.json .device/
cp scripts/*.mjs scripts/*.py .device/scripts/
xz -T0 -6 -c "$(command -v node)" > .device/node.xz

# The runtime dependency closure of the package (its `dependencies` but the build tools), resolved
# as Node resolves them (a nested node_modules/ first, then the folders above), copied as installed.
node -e '
  const fs = require("fs"), path = require("path");
  const buildOnly = new Set(["cmake-js", "node-addon-api"]);
  const resolve = (from, name) => {
    for (let dir = from; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "node_modules", name);
      if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
      if (dir === path.dirname(dir)) throw new Error(`cannot resolve ${name} from ${from}`);
    }
  };
  const seen = new Set();
  const visit = (dir) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies || {})) visit(resolve(dir, dep));
  };
  const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
  for (const dep of Object.keys(root.dependencies)) if (!buildOnly.has(dep)) visit(resolve(process.cwd(), dep));
  console.log([...seen].map((d) => path.relative(process.cwd(), d)).join("\n"));
' | while read -r dir; do
  mkdir -p ".device/$dir"
  cp -r "$dir/." ".device/$dir/"
done

du -sh .device
echo "ready: run scripts/device-check.sh on the device with carry [\".device\"]"
