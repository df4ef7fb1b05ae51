#!/usr/bin/env node
// `npm start`, `npm run db`, `npm run bench…`: compile (swc, about a second), then run the
// compiled entry in this same process, so signals sent to npm's child reach the program itself.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: build-and-run.mjs <path of the entry under dist, without .js>\n');
  process.exit(2);
}
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
process.argv.splice(2, 1);
await import(pathToFileURL(join(root, 'dist', `${entry}.js`)).href);
