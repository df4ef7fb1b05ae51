import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import boundaries from '../../../scripts/structure/boundaries.json';

const ROOT = join(__dirname, '..', '..', '..');
const CHECK = join(ROOT, 'scripts', 'structure', 'check-structure.mjs');

/** ESLint with only the boundary rules of eslint.config.mjs (no type information needed). */
const boundaryLint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    ...(boundaries as unknown as Linter.Config[]),
  ],
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await boundaryLint.lintText(code, { filePath: join(ROOT, filePath) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the boundary rule', () => {
  it.each([
    ['apps/api/src/core/fixture.ts', "import { UsersService } from '../modules/users';", /never import modules/],
    ['apps/api/src/core/http/fixture.ts', "import { buildApp } from '../../configure-app';", /wiring above them/],
    [
      'libs/common/src/fixture.ts',
      "import { APP_CONFIG } from '../../../apps/api/src/core/config/app-config';",
      /libs never import the app/,
    ],
    [
      'apps/api/src/modules/calls/fixture.ts',
      "import { UsersService } from '../users/users.service';",
      /public index\.ts/,
    ],
    [
      'apps/api/src/modules/calls/lifecycle/fixture.ts',
      "export { hashPassword } from '../../auth/password';",
      /public index\.ts/,
    ],
  ])('refuses %s importing across a boundary', async (filePath, code, message) => {
    const errors = await boundaryErrors(filePath, code);
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['apps/api/src/modules/calls/fixture.ts', "import { UsersService } from '../users';"],
    ['apps/api/src/modules/calls/lifecycle/fixture.ts', "import { CALL_MESSAGES } from '../calls.messages';"],
    ['apps/api/src/core/fixture.ts', "import { AppException } from '@app/common';"],
    ['apps/api/src/app.module.ts', "import { UsersModule } from './modules/users/users.module';"],
  ])('lets %s import within the rules', async (filePath, code) => {
    expect(await boundaryErrors(filePath, code)).toEqual([]);
  });
});

describe('the structure check (cycles, undeclared dependencies)', () => {
  const run = (root?: string) =>
    spawnSync(process.execPath, [CHECK, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });

  it('finds an import cycle, a type-only one included, and an undeclared package', () => {
    const root = mkdtempSync(join(tmpdir(), 'vc-structure-'));
    mkdirSync(join(root, 'apps', 'x'), { recursive: true });
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ dependencies: { rxjs: '1' }, devDependencies: { jest: '1' } }),
    );
    writeFileSync(join(root, 'apps', 'x', 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
    writeFileSync(
      join(root, 'apps', 'x', 'b.ts'),
      "import type { a } from './a';\nexport const b = 1 as unknown as typeof a;\n",
    );
    writeFileSync(
      join(root, 'apps', 'x', 'c.ts'),
      "import { of } from 'rxjs';\nimport { test } from 'jest';\nvoid of, test;\n",
    );
    const result = run(root);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('import cycle: apps/x/a.ts ⇄ apps/x/b.ts');
    expect(result.stdout).toContain('undeclared dependency: apps/x/c.ts imports jest (only in devDependencies)');
    expect(result.stdout).not.toContain('imports rxjs');
  });

  it('passes on this tree', () => {
    const result = run();
    expect(result.stdout).toMatch(/structure: \d+ files, 0 problem\(s\)/);
    expect(result.status).toBe(0);
  });
});
