// How the prebuilt addon is named, in pkg-prebuilds' convention (https://github.com/Julusian/pkg-prebuilds):
// read by scripts/install-addon.mjs, scripts/prebuild.mjs and the loader in src/native.ts. The
// Node-API versions come from package.json's "binary" field, which cmake-js reads too.
const { binary } = require('./package.json');

module.exports = { name: 'sedjoule', napi_versions: binary.napi_versions };
