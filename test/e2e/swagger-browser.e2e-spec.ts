import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestApp } from '../support/app';

const CHROMIUM = '/usr/bin/chromium';
/** Any name but localhost: browsers treat localhost as a secure context and forgive what other hosts do not. */
const HOST = 'api.test.internal';

interface BrowserRun {
  code: number | null;
  stdout: string;
}

/**
 * Headless Chromium opens `url` with HOST mapped to 127.0.0.1, runs the page's scripts until it is
 * idle and prints the resulting DOM. The same flags with `--screenshot=docs/swagger-ui.png` instead
 * of `--dump-dom` made the picture in the docs.
 */
function chromiumDom(url: string): Promise<BrowserRun> {
  const profile = mkdtempSync(join(tmpdir(), 'vc-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
    '--window-size=1000,1400',
    '--virtual-time-budget=15000',
    '--dump-dom',
    url,
  ];
  // A process group of its own, so a browser that hangs is stopped with all its helper processes.
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ code, stdout });
    });
  });
}

const missing = !existsSync(CHROMIUM);
// Without the browser the suite is skipped, and says why (`.ci/run` installs it).
if (missing)
  process.stderr.write(`Swagger UI browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
(missing ? describe.skip : describe)('Swagger UI in a real browser over plain HTTP', () => {
  const t = useTestApp();
  let docsUrl: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    docsUrl = `http://${HOST}:${port}/api/docs`;
  });

  it('renders the list of operations at a host name that is not localhost', async () => {
    const run = await chromiumDom(docsUrl);
    expect(run.code).toBe(0);
    const operations = run.stdout.match(/class="opblock opblock-(get|post|put|delete|patch)/g) ?? [];
    expect(operations.length).toBeGreaterThan(10);
    expect(run.stdout).toContain('/api/health/live');
  });
});
