// The CLI's launcher (copied to dist/launch.cjs by the build). It runs dist/berth.cjs from a
// V8 code cache (dist/berth.cjs.cache) so the bundle is not compiled again on every
// command; a missing or stale cache only costs the compile, and is rewritten when possible.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'berth.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  /* first run after a build */
}
// The build makes sure the bundle is ASCII only (scripts/build.mjs), so latin1 reads it as it is,
// several times faster than decoding UTF-8, and V8 gets a one-byte string.
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      /* read-only install: run without a cache */
    }
  });
}
const mod = { exports: {}, filename: file, id: file, loaded: false };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
