import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { Connection } from 'mongoose';
import { bearer, makeUser } from '../factories/users';
import { exampleEnv, randomIp, ROOT, startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { freePort, spawnApi, spawnProcess, Spawned, stopProcess } from '../support/processes';

const CLI_JS = join(ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');
const ADMIN_PASSWORD = 'AdminPass123';

describe('admin account', () => {
  const apps: TestApp[] = [];
  const processes: Spawned[] = [];
  const dirs: string[] = [];
  /** The database of this file (one test uses a fresh one of its own). */
  let uri: string;
  let db: Connection;

  const adminEmail = () => `admin.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
  async function app(env: Record<string, string>): Promise<TestApp> {
    const started = await startTestApp({ env: { MONGODB_URI: uri, ...env } });
    apps.push(started);
    return started;
  }
  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vc-admin-'));
    dirs.push(dir);
    return dir;
  }
  const login = (t: TestApp, email: string, password: string) =>
    t.request({ method: 'POST', url: '/api/auth/login', body: { email, password }, remoteAddress: randomIp() });
  const profileOf = async (t: TestApp, token: string) =>
    (await t.request({ url: '/api/auth/profile', headers: bearer(token) })).body.data.user;
  const users = () => db.collection('users');

  beforeAll(async () => {
    if (!existsSync(CLI_JS)) throw new Error(`${CLI_JS} is missing: run "npm run build" first (npm test does)`);
    uri = testDatabaseUri();
    db = await mongoose.createConnection(uri).asPromise();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => stopProcess(p, 'SIGKILL')));
    await Promise.all(apps.map((t) => t.close()));
    await db.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('bootstrap from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
    it('creates the admin at start-up: verified, named Admin User, signs in with role admin', async () => {
      const email = adminEmail();
      const t = await app({ ADMIN_EMAIL: email, ADMIN_PASSWORD });
      const res = await login(t, email, ADMIN_PASSWORD);
      expect(res.status).toBe(200);
      expect(await profileOf(t, res.body.data.token)).toMatchObject({
        email,
        role: 'admin',
        isEmailVerified: true,
        firstName: 'Admin',
        lastName: 'User',
      });
    });

    it('creates one admin when two apps start at once on a fresh database, and none on a later start', async () => {
      const freshUri = testDatabaseUri();
      const email = adminEmail();
      const env = { MONGODB_URI: freshUri, ADMIN_EMAIL: email, ADMIN_PASSWORD };
      const [first] = await Promise.all([app(env), app(env)]);
      await app(env);
      const fresh = await mongoose.createConnection(freshUri).asPromise();
      try {
        expect(await fresh.collection('users').countDocuments({ email })).toBe(1);
        expect(await fresh.collection('users').countDocuments({})).toBe(1);
      } finally {
        await fresh.close();
      }
      expect((await login(first, email, ADMIN_PASSWORD)).status).toBe(200);
    });

    it('leaves an existing non-admin account with that email alone', async () => {
      const t = await app({});
      const user = await makeUser(t);
      await app({ ADMIN_EMAIL: user.email, ADMIN_PASSWORD });
      expect((await users().findOne({ email: user.email }))?.role).toBe('user');
      expect((await login(t, user.email, ADMIN_PASSWORD)).status).toBe(401);
    });

    it('refuses to start when ADMIN_PASSWORD breaks the password policy, naming it', async () => {
      const api = spawnApi({
        MONGODB_URI: testDatabaseUri(),
        DATA_DIR: dataDir(),
        ADMIN_EMAIL: adminEmail(),
        ADMIN_PASSWORD: 'weakling',
      });
      processes.push(api);
      const { code } = await api.exit;
      expect(code).toBe(78);
      const output = api.output.join('\n');
      expect(output).toMatch(/ADMIN_PASSWORD must be 8 to 72 characters/);
      expect(output).not.toContain('weakling');
    });
  });

  describe('npm run cli -- create-admin', () => {
    function cli(args: string[], env: Record<string, string> = {}): Spawned {
      const spawned = spawnProcess(process.execPath, [CLI_JS, ...args], {
        ...exampleEnv(),
        NODE_ENV: 'test',
        LOG_FORMAT: 'json',
        MONGODB_URI: uri,
        DATA_DIR: dataDir(),
        ...env,
      });
      processes.push(spawned);
      return spawned;
    }
    async function run(
      args: string[],
      env: Record<string, string> = {},
    ): Promise<{ code: number | null; output: string }> {
      const spawned = cli(args, env);
      const { code } = await spawned.exit;
      return { code, output: spawned.output.join('\n') };
    }

    describe('beside a server running on the embedded database of the same DATA_DIR', () => {
      let server: Spawned;
      let dir: string;
      let base: string;

      beforeAll(async () => {
        dir = dataDir();
        const port = await freePort();
        base = `http://127.0.0.1:${port}`;
        server = spawnApi({ MONGODB_URI: '', DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1' });
        processes.push(server);
        await server.waitFor(/Video Call API listening/);
      });

      it('creates the admin in that database (exit 0), who signs in through the running server', async () => {
        const email = adminEmail();
        const logged = server.output.length;
        const created = await run(['create-admin', '--email', email, '--password', ADMIN_PASSWORD], {
          MONGODB_URI: '',
          DATA_DIR: dir,
        });
        expect(created.code).toBe(0);
        expect(created.output).toMatch(/^admin account created: \S+ \(id [0-9a-f]{24}\)$/);

        const res = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: ADMIN_PASSWORD }),
        });
        expect(res.status).toBe(200);
        const { token } = ((await res.json()) as { data: { token: string } }).data;
        const profile = await fetch(`${base}/api/auth/profile`, { headers: bearer(token) });
        expect(((await profile.json()) as { data: { user: unknown } }).data.user).toMatchObject({
          email,
          role: 'admin',
        });
        // The CLI left the server's collections and indexes alone: nothing for the database to warn about.
        expect(server.output.slice(logged).filter((line) => /NamespaceExists|already exists/.test(line))).toEqual([]);
      });

      it('exits 75 with one line when the running database cannot be reached', async () => {
        unlinkSync(join(dir, 'embedded-db.json'));
        const result = await run(['create-admin', '--email', adminEmail(), '--password', ADMIN_PASSWORD], {
          MONGODB_URI: '',
          DATA_DIR: dir,
        });
        expect(result.code).toBe(75);
        expect(result.output.split('\n')).toEqual([
          expect.stringMatching(
            /^create-admin failed: the embedded database in .* is in use by another process .*cannot be read/,
          ),
        ]);
      });
    });

    it('creates an admin that can sign in, and is idempotent', async () => {
      const email = adminEmail();
      const args = ['create-admin', '--email', email, '--password', ADMIN_PASSWORD, '--first-name', 'Grace'];
      const created = await run(args);
      expect(created).toMatchObject({ code: 0, output: expect.stringMatching(/^admin account created: /) });
      expect(created.output).not.toContain(ADMIN_PASSWORD);

      const t = await app({});
      const res = await login(t, email, ADMIN_PASSWORD);
      expect(res.status).toBe(200);
      expect(await profileOf(t, res.body.data.token)).toMatchObject({
        role: 'admin',
        firstName: 'Grace',
        lastName: 'User',
      });

      const again = await run(args);
      expect(again).toMatchObject({ code: 0, output: expect.stringMatching(/is already an admin/) });
      expect(await users().countDocuments({ email })).toBe(1);
    });

    it('promotes an existing user only with --promote', async () => {
      const t = await app({});
      const user = await makeUser(t);
      const refused = await run(['create-admin', '--email', user.email, '--password', ADMIN_PASSWORD]);
      expect(refused).toMatchObject({ code: 1, output: expect.stringMatching(/add --promote/) });
      expect((await users().findOne({ email: user.email }))?.role).toBe('user');

      const promoted = await run(['create-admin', '--email', user.email, '--password', ADMIN_PASSWORD, '--promote']);
      expect(promoted).toMatchObject({ code: 0, output: expect.stringMatching(/promoted to admin/) });
      expect((await users().findOne({ email: user.email }))?.role).toBe('admin');
      // The account keeps its own password.
      expect((await login(t, user.email, user.password)).status).toBe(200);
    });

    it.each([
      ['no command', []],
      ['an unknown command', ['drop-everything']],
      ['a missing password', ['create-admin', '--email', 'x@example.com']],
      ['a weak password', ['create-admin', '--email', 'x@example.com', '--password', 'weak']],
      ['a bad email', ['create-admin', '--email', 'nope', '--password', ADMIN_PASSWORD]],
      ['an unknown option', ['create-admin', '--email', 'x@example.com', '--password', ADMIN_PASSWORD, '--root']],
    ])('prints the usage and exits 2 on %s', async (_why, args) => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.output).toContain('Usage: npm run cli -- <command>');
    });
  });
});
