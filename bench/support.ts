/** What every benchmark script shares: output and its figures, numeric settings from the environment, the project root. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const out = (line = '') => process.stdout.write(`${line}\n`);

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

export const fmt = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `median (min–max)`. */
export const spread = (values: number[], digits = 0) =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;

/**
 * Each repetition's own ratio `a[i] / b[i]`, its two runs made back to back: on a shared machine
 * whose speed drifts between repetitions, a ratio of medians would pair runs made minutes apart.
 */
export const pairedRatios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);

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
