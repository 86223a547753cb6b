/**
 * CommonJS hook that compiles TypeScript with SWC and the project's .swcrc for the tests' and the bench's
 * child processes. tsx (esbuild) cannot emit decorator metadata, which Nest's dependency
 * injection needs, so Herald and the bench driver module would not boot under it.
 * Usage: node -r ./test/support/swc-register.js <file.ts> (spawnApp in the tests, the bench servers)
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../.swcrc'), 'utf8'));
delete swcrc.$schema;

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcrc, filename, swcrc: false, configFile: false, sourceMaps: 'inline' });
  module._compile(code, filename);
};
