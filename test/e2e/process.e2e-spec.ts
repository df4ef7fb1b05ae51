import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ROOT } from '../support/app';
import {
  freePort,
  listeningTcpPorts,
  MAIN_JS,
  spawnApi,
  spawnProcess,
  Spawned,
  stopProcess,
} from '../support/processes';

/** The built API as a real process: start-up, configuration errors, shutdown and persistence. */
describe('the API process', () => {
  const started: Spawned[] = [];
  const dirs: string[] = [];

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vc-proc-'));
    dirs.push(dir);
    return dir;
  }
  function api(env: Record<string, string>): Spawned {
    const spawned = spawnApi(env);
    started.push(spawned);
    return spawned;
  }

  beforeAll(() => {
    if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does)`);
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => stopProcess(s, 'SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['BODY_LIMIT', '-5'],
    ['LOG_LEVEL', 'chatty'],
    ['TRUST_PROXY', 'true'],
    ['AGORA_APP_ID', 'short'],
    ['MONGODB_URI', 'postgres://localhost/x'],
  ])('exits non-zero naming %s when its value is bad', async (name, value) => {
    const proc = api({ [name]: value, DATA_DIR: dataDir() });
    const { code } = await proc.exit;
    expect(code).not.toBe(0);
    expect(proc.output.join('\n')).toMatch(new RegExp(`Invalid configuration: .*${name}`));
  });

  it('exits 78 (bad configuration) naming the variable, for the server, npm run db and the CLI alike', async () => {
    const dbMain = join(ROOT, 'dist', 'apps', 'api', 'src', 'embedded-db.main.js');
    const cli = join(ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');
    const env = { EMBEDDED_DB_PORT: 'not-a-port', DATA_DIR: dataDir() };
    const runs = [
      api(env),
      spawnProcess(process.execPath, [dbMain], env),
      spawnProcess(process.execPath, [cli, 'create-admin', '--email', 'a@b.co', '--password', 'Secret123'], env),
    ];
    started.push(...runs.slice(1));
    for (const run of runs) {
      expect((await run.exit).code).toBe(78);
      expect(run.output.join('\n')).toMatch(/Invalid configuration: .*EMBEDDED_DB_PORT/);
    }
  });

  it('writes no generated JWT secret for npm run db: only the server, which signs tokens, does', async () => {
    const dir = dataDir();
    const db = spawnProcess(process.execPath, [join(ROOT, 'dist', 'apps', 'api', 'src', 'embedded-db.main.js')], {
      DATA_DIR: dir,
    });
    started.push(db);
    await db.waitFor(/MONGODB_URI=/, 60_000);
    await stopProcess(db);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const proc = api({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:9/x', DATA_DIR: dataDir() });
    const { code } = await proc.exit;
    expect(code).not.toBe(0);
    expect(proc.output.join('\n')).toContain('JWT_SECRET is required when NODE_ENV=production');
  });

  it('reaches the embedded database through its socket only, unless EMBEDDED_DB_PORT asks for TCP', async () => {
    const dir = dataDir();
    const port = await freePort();
    // .env.example's EMBEDDED_DB_PORT=0: no TCP listener.
    const proc = api({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir });
    await proc.waitFor(/Video Call API listening/);
    const address = JSON.parse(readFileSync(join(dir, 'embedded-db.json'), 'utf8'));
    expect(address).toEqual({
      pid: expect.any(Number),
      socket: join(dir, 'embedded-db.sock'),
      uri: `mongodb://${encodeURIComponent(join(dir, 'embedded-db.sock'))}/`,
    });
    expect(listeningTcpPorts(address.pid)).toEqual([]);
    const health = await fetch(`http://127.0.0.1:${port}/api/health/ready`);
    expect(health.status).toBe(200);

    // The database's own start-up line is news, not a warning.
    const serving = proc.output.find((line) => line.includes('embedded-db: serving '));
    expect(serving).toBeDefined();
    expect(JSON.parse(serving!)).toMatchObject({ level: 30 });
    expect((await stopProcess(proc)).code).toBe(0);
  });

  it('starts on the embedded database, keeps data across restarts and stops cleanly on SIGTERM', async () => {
    const dir = dataDir();
    const [port, dbPort] = [await freePort(), await freePort()];
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, EMBEDDED_DB_PORT: String(dbPort) };

    const first = api(env);
    await first.waitFor(/Video Call API listening/);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.json());
    // The database check, not the overall status: a busy machine's CPU check says `warning`.
    expect(health).toMatchObject({ data: { checks: { database: { status: 'healthy' } } } });
    expect(first.output.join('\n')).toMatch(/JWT_SECRET is not set; using a generated one/);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(true);

    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:${dbPort}/video_call`).asPromise();
    await connection.collection('persistence_probe').insertOne({ kept: 'across restarts' });
    await connection.close();

    const stopped = await stopProcess(first);
    expect(stopped.code).toBe(0);
    expect(first.output.join('\n')).toMatch(/"msg":"stopped"/);
    // The embedded database went with it: its port is free again.
    await expect(fetch(`http://127.0.0.1:${port}/api/health/live`)).rejects.toThrow();

    const second = api(env);
    await second.waitFor(/Video Call API listening/);
    const again = await mongoose.createConnection(`mongodb://127.0.0.1:${dbPort}/video_call`).asPromise();
    const doc = await again.collection('persistence_probe').findOne({});
    await again.close();
    expect(doc).toMatchObject({ kept: 'across restarts' });
    // The collections existed already: the restart asked for none of them again.
    expect(second.output.filter((line) => /NamespaceExists|already exists/.test(line))).toEqual([]);
    expect((await stopProcess(second)).code).toBe(0);
  });
});
