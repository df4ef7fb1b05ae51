#!/usr/bin/env node
// `npm run start:dev`: build (swc, about a second), start the API, and on every change under
// apps/ or libs/ stop it, build again and restart it. Only Node's own fs.watch, so nothing
// beyond the build's own packages is needed (Nest CLI's watch mode asks for Node 22).
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'apps', 'api', 'src', 'main.js');
let child;
let timer;
let stopping = false;

function build() {
  return (
    spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' }).status === 0
  );
}

function start() {
  if (!build()) {
    process.stderr.write('build failed; waiting for the next change\n');
    return;
  }
  child = spawn(process.execPath, ['--enable-source-maps', main], { cwd: root, stdio: 'inherit' });
  child.once('exit', () => (child = undefined));
}

function stop() {
  if (!child) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

async function restart() {
  await stop();
  if (!stopping) start();
}

for (const dir of ['apps', 'libs']) {
  watch(join(root, dir), { recursive: true }, (_event, file) => {
    if (!file || !file.endsWith('.ts') || file.endsWith('.spec.ts')) return;
    // One rebuild for a burst of saves (an editor writes several files, or one file twice).
    clearTimeout(timer);
    timer = setTimeout(() => {
      process.stderr.write(`${dir}/${file} changed: restarting\n`);
      void restart();
    }, 200);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    stopping = true;
    clearTimeout(timer);
    await stop();
    process.exit(0);
  });
}

start();
