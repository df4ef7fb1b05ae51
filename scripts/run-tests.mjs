#!/usr/bin/env node
// `npm test`: lint (type-aware, with the boundary rules), type check, the structure check (no
// import cycle, no undeclared dependency), build, the embedded database's Go tests, then unit and e2e
// tests. Ends with one line `N passed, N failed` that counts every test and every check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
const failures = [];

function run(command, args, options = {}) {
  process.stdout.write(`\n$ ${command} ${args.join(' ')}\n`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
}

/** A step that is one check: lint, type check, build. */
function check(name, command, args) {
  const result = run(command, args);
  if (result.status === 0) passed += 1;
  else {
    failed += 1;
    failures.push(name);
  }
  return result.status === 0;
}

// Redis backs the scale-out tests (rate limits shared by two instances). Start a throwaway
// one on 127.0.0.1:6379 when none answers and redis-server is installed.
function ensureRedis() {
  if (process.env.TEST_REDIS_URL) return;
  const ping = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' });
  if (ping.stdout?.trim() === 'PONG') return;
  process.stdout.write('Redis is not answering on 127.0.0.1:6379; starting one (no persistence)\n');
  const started = spawnSync('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    tmpdir(),
    '--logfile',
    join(tmpdir(), 'redis-test.log'),
  ]);
  if (started.status !== 0)
    process.stdout.write('warning: redis-server could not be started; the Redis tests will fail\n');
}

ensureRedis();
check('lint', 'npx', ['eslint', '.']);
check('format', 'npx', ['prettier', '--check', '.']);
check('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
check('structure (cycles, undeclared dependencies)', 'node', ['scripts/structure/check-structure.mjs']);
const built = check('build', 'npm', ['run', 'build', '--silent']);

// Go tests of the embedded database's write front, counted test by test.
{
  process.stdout.write('\n$ go test -json ./... (tools/embedded-db)\n');
  const go = spawnSync('go', ['test', '-json', '-count=1', './...'], {
    cwd: join(root, 'tools', 'embedded-db'),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  let goPassed = 0;
  let goFailed = 0;
  for (const line of (go.stdout ?? '').split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    if (event.Action === 'output' && /^(--- FAIL|FAIL|panic:|\s+\S+_test\.go:\d+)/.test(event.Output ?? '')) {
      process.stdout.write(event.Output);
    }
    if (!event.Test) continue;
    if (event.Action === 'pass') goPassed += 1;
    if (event.Action === 'fail') {
      goFailed += 1;
      failures.push(`go: ${event.Test}`);
    }
  }
  if (go.status !== 0 && goFailed === 0) {
    process.stdout.write(go.stderr ?? '');
    goFailed += 1;
    failures.push('go test (build or package failure)');
  }
  process.stdout.write(`go: ${goPassed} passed, ${goFailed} failed\n`);
  passed += goPassed;
  failed += goFailed;
}

// Unit and e2e tests. The e2e process tests start the built app, so they need the build.
{
  const out = mkdtempSync(join(tmpdir(), 'vc-jest-'));
  const report = join(out, 'report.json');
  const args = ['jest', '--ci', '--json', `--outputFile=${report}`];
  if (!built) args.push('--selectProjects', 'unit');
  run('npx', args, { env: { ...process.env, FORCE_COLOR: '0' } });
  try {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    // A suite that fails before its tests run (syntax error, failing beforeAll) counts as a failure.
    const broken = result.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0);
    failed += broken.length;
    for (const suite of result.testResults) {
      if (suite.status === 'failed') failures.push(`jest: ${suite.name.replace(root + '/', '')}`);
    }
  } catch (error) {
    failed += 1;
    failures.push(`jest produced no report (${error.message})`);
  }
  rmSync(out, { recursive: true, force: true });
}

if (failures.length) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
