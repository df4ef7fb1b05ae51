#!/usr/bin/env node
// `npm run build`: a clean swc build of apps, libs and bench into dist/, then a stamp that
// build-and-run.mjs compares with the sources' times.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const swc = spawnSync('npx', ['swc', 'apps', 'libs', 'bench', '-d', 'dist', '--ignore', '**/*.spec.ts', '--quiet'], {
  cwd: root,
  stdio: 'inherit',
});
if (swc.status !== 0) process.exit(swc.status ?? 1);
writeFileSync(join(root, 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);
