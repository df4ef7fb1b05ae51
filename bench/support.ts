/** What every benchmark script shares: output, numeric settings from the environment, the project root. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const out = (line = '') => process.stdout.write(`${line}\n`);

/** A positive integer setting from the environment, or `fallback` when it is unset or empty. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** The folder holding package.json above this file (the source tree or the build output). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('project root not found');
    dir = dirname(dir);
  }
  return dir;
}
