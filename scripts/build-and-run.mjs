#!/usr/bin/env node
// `npm start`, `npm run db`, `npm run bench…`, `npm run cli`: compile when a source is newer than
// the last build (swc, about a second), then run the compiled entry in this same process, so
// signals sent to npm's child reach the program itself.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: build-and-run.mjs <path of the entry under dist, without .js>\n');
  process.exit(2);
}

function newestSource(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(...['apps', 'libs', 'bench'].map((dir) => newestSource(join(root, dir))));
if (sources > builtAt()) {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
process.argv.splice(2, 1);
await import(pathToFileURL(join(root, 'dist', `${entry}.js`)).href);
