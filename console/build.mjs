// Builds the operator console into dist/console (served at /console by the app):
// one bundled, minified script (the page's code plus socket.io-client), the page and its
// stylesheet. Run by `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(here, '../dist/console');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  outfile: path.join(out, 'console.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
copyFileSync(path.join(here, 'console.css'), path.join(out, 'console.css'));

if (process.argv.includes('--report')) {
  for (const file of ['console.js', 'console.css', 'index.html']) {
    const body = readFileSync(path.join(out, file));
    process.stdout.write(`${file}: ${body.length} bytes, ${gzipSync(body).length} gzipped\n`);
  }
}
