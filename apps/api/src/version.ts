import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  name: string;
  version: string;
  description: string;
  dependencies: Record<string, string>;
}

function findPackageJson(): PackageJson {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    } catch {
      dir = join(dir, '..');
    }
  }
  throw new Error('package.json not found above ' + __dirname);
}

/** The project's own package.json, read once at start. */
export const PACKAGE = findPackageJson();
