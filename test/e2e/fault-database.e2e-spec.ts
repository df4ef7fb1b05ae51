import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser, userFields } from '../factories/users';
import { randomIp, ROOT, startTestApp, TestApp, TestResponse, uniqueName } from '../support/app';
import { freePort, MAIN_JS, spawnApi, spawnProcess, Spawned, stopProcess } from '../support/processes';

/**
 * The database dies under a running app and comes back. `npm run db`'s program (the embedded
 * database alone, on a TCP port of its own and a data directory of its own) is killed mid-run:
 * every request that needs it answers 503 SERVICE_UNAVAILABLE in the error envelope within 5 s,
 * the probes say live but not ready, and the process stays up. Started again on the same data,
 * the same app serves again without a restart, and every write it acknowledged is still there.
 * Both an in-process app (every answer checked against the OpenAPI document; a rejection nothing
 * handles fails the test) and the production build as a process of its own (which must still be
 * running at the end) use it. Last, the database is frozen (SIGSTOP): its connections stay open
 * and nothing answers, which must not hang a request either.
 */

const DB_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'embedded-db.main.js');
/** The longest any request may take while the database is down. */
const ANSWER_WITHIN_MS = 5_000;

let dataDir: string;
let appDataDir: string;
let dbPort: number;
let db: Spawned | undefined;
let t: TestApp;
let api: Spawned;
let apiUrl: string;

async function startDb(): Promise<void> {
  db = spawnProcess(process.execPath, [DB_MAIN], { DATA_DIR: dataDir, EMBEDDED_DB_PORT: String(dbPort) });
  await db.waitFor(/^MONGODB_URI=mongodb:\/\/127\.0\.0\.1:\d+\/$/, 60_000);
}

/** kill -9 of the database (its Node wrapper and the Go program, one process group). */
async function killDb(): Promise<void> {
  if (db) await stopProcess(db, 'SIGKILL');
  db = undefined;
}

beforeAll(async () => {
  for (const file of [DB_MAIN, MAIN_JS]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm test does)`);
  }
  dataDir = mkdtempSync(join(tmpdir(), 'vc-fault-db-'));
  appDataDir = mkdtempSync(join(tmpdir(), 'vc-fault-app-'));
  dbPort = await freePort();
  await startDb();
  const uri = `mongodb://127.0.0.1:${dbPort}/${uniqueName('fault')}`;
  t = await startTestApp({ env: { MONGODB_URI: uri } });
  const port = await freePort();
  api = spawnApi({
    MONGODB_URI: uri,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: appDataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  });
  apiUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetchApi('/api/health/live').catch(() => undefined))?.status === 200);
}, 120_000);

afterAll(async () => {
  if (api) await stopProcess(api, 'SIGKILL');
  // The app's driver closes cleanly only while the database answers.
  if (!db && dataDir) await startDb().catch(() => undefined);
  await t?.close();
  await killDb();
  for (const dir of [dataDir, appDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function waitUntil(done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A request to the separate API process, checked against the OpenAPI document like every other. */
async function fetchApi(url: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const started = Date.now();
  const res = await fetch(`${apiUrl}${url}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? bearer(init.token) : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 2),
  });
  const text = await res.text();
  const headers = Object.fromEntries(res.headers.entries());
  (await t.openapi()).assertDocumented({ method: init.method ?? 'GET', url, status: res.status, headers, text });
  const body: TestResponse['body'] = JSON.parse(text);
  return { status: res.status, body, ms: Date.now() - started };
}

interface Timed extends TestResponse {
  name: string;
  /** How long it took, and when it was answered (ms since the epoch). */
  ms: number;
  answeredAt: number;
}

async function timed(name: string, request: Parameters<TestApp['request']>[0]): Promise<Timed> {
  const started = Date.now();
  const res = await t.request(request);
  const answeredAt = Date.now();
  return { ...res, name, ms: answeredAt - started, answeredAt };
}

const unavailable = {
  success: false,
  status: 'error',
  errorCode: 'SERVICE_UNAVAILABLE',
  message: expect.any(String),
  timestamp: expect.any(String),
  errors: [],
};

/** Each answered 503 SERVICE_UNAVAILABLE in the error envelope, within 5 s. */
function expectUnavailableInTime(answers: Timed[]): void {
  for (const res of answers) {
    expect({ name: res.name, status: res.status, body: res.body }).toEqual({
      name: res.name,
      status: 503,
      body: unavailable,
    });
    expect({ name: res.name, fast: res.ms < ANSWER_WITHIN_MS }).toEqual({ name: res.name, fast: true });
  }
}

/** Requests each of which needs the database: reads and writes, public and authenticated. */
function databaseRequests(host: RegisteredUser, guest: RegisteredUser, callId: string): Promise<Timed>[] {
  const auth = bearer(host.token);
  return [
    timed('register', { method: 'POST', url: '/api/auth/register', body: userFields(), remoteAddress: randomIp() }),
    timed('login', {
      method: 'POST',
      url: '/api/auth/login',
      body: { email: guest.email, password: guest.password },
      remoteAddress: randomIp(),
    }),
    timed('profile', { url: '/api/auth/profile', headers: auth }),
    timed('contacts', { url: '/api/auth/contacts', headers: auth }),
    timed('create call', {
      method: 'POST',
      url: '/api/calls',
      headers: auth,
      body: { callType: 'audio', callMode: 'group', title: 'During the fault' },
    }),
    timed('call details', { url: `/api/calls/${callId}`, headers: auth }),
    timed('call history', { url: '/api/calls/history', headers: auth }),
    timed('chat', { method: 'POST', url: `/api/calls/${callId}/chat`, headers: auth, body: { message: 'hello' } }),
  ];
}

describe('the database goes down mid-run and comes back', () => {
  let host: RegisteredUser;
  let guest: RegisteredUser;
  let callId: string;
  const acknowledgedCalls: string[] = [];

  it('answers a burst of writes in flight when the database dies with 201 or 503, each within 5 s of it', async () => {
    host = await makeUser(t);
    guest = await makeUser(t);
    const added = await t.request({
      method: 'POST',
      url: '/api/auth/contacts',
      headers: bearer(host.token),
      body: { contactUserId: guest.id },
    });
    expect(added.status).toBe(201);
    callId = (await makeCall(t, host, { title: 'Before the fault' })).id as string;
    acknowledgedCalls.push(callId);

    const burst = Array.from({ length: 20 }, (_, i) =>
      timed(`burst ${i}`, {
        method: 'POST',
        url: '/api/calls',
        headers: bearer(host.token),
        body: { callType: 'video', callMode: 'group', title: `Burst ${i}` },
      }),
    );
    // Killed once the first writes are acknowledged, with the others on their way.
    await Promise.race(burst);
    await killDb();
    const killedAt = Date.now();
    const burstAnswers = await Promise.all(burst);

    for (const res of burstAnswers) {
      expect([201, 503]).toContain(res.status);
      expect(res.answeredAt - killedAt).toBeLessThan(ANSWER_WITHIN_MS);
      if (res.status === 201) acknowledgedCalls.push(res.body.data.call.id as string);
      else expect(res.body).toEqual(unavailable);
    }
    expect(acknowledgedCalls.length).toBeGreaterThan(1);
  });

  it('answers every request that needs the database 503 SERVICE_UNAVAILABLE within 5 s while it is down', async () => {
    // Twice: at once after the fault, and once the driver has given the server up.
    for (let round = 0; round < 2; round++) {
      expectUnavailableInTime(await Promise.all(databaseRequests(host, guest, callId)));
    }
  });

  it('stays live and says not ready, in process and as a process of its own, while it is down', async () => {
    expect((await t.request({ url: '/api/health/live' })).status).toBe(200);
    const ready = await t.request({ url: '/api/health/ready' });
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE', data: { ready: false } });

    expect((await fetchApi('/api/health/live')).status).toBe(200);
    expect((await fetchApi('/api/health/ready')).status).toBe(503);
    const login = await fetchApi('/api/auth/login', {
      method: 'POST',
      body: { email: host.email, password: host.password },
    });
    expect(login).toMatchObject({ status: 503, body: unavailable });
    expect(login.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(api.child.exitCode).toBeNull();
    expect(api.child.signalCode).toBeNull();
  });

  it('serves again once the database is back, without a restart, with every acknowledged write kept', async () => {
    await startDb();
    await waitUntil(async () => (await t.request({ url: '/api/health/ready' })).status === 200);

    const answers = await Promise.all(databaseRequests(host, guest, callId));
    const statuses = Object.fromEntries(answers.map((res) => [res.name, res.status]));
    expect(statuses).toEqual({
      register: 201,
      login: 200,
      profile: 200,
      contacts: 200,
      'create call': 201,
      'call details': 200,
      'call history': 200,
      chat: 201,
    });

    for (const id of acknowledgedCalls) {
      const res = await t.request({ url: `/api/calls/${id}`, headers: bearer(host.token) });
      expect({ id, status: res.status }).toEqual({ id, status: 200 });
    }
    const contacts = await t.request({ url: '/api/auth/contacts', headers: bearer(host.token) });
    expect(JSON.stringify(contacts.body.data)).toContain(guest.id);

    // The separate process recovers too, and never stopped.
    await waitUntil(async () => (await fetchApi('/api/health/ready')).status === 200);
    const login = await fetchApi('/api/auth/login', {
      method: 'POST',
      body: { email: guest.email, password: guest.password },
    });
    expect(login.status).toBe(200);
    expect(api.child.exitCode).toBeNull();
  });

  it('answers 503 within 5 s while the database is frozen (connections open, nothing answered), and serves after', async () => {
    const group = -db!.child.pid!;
    process.kill(group, 'SIGSTOP');
    try {
      expectUnavailableInTime(await Promise.all(databaseRequests(host, guest, callId)));
      expect((await t.request({ url: '/api/health/live' })).status).toBe(200);
      expect((await t.request({ url: '/api/health/ready' })).status).toBe(503);
    } finally {
      process.kill(group, 'SIGCONT');
    }
    await waitUntil(async () => (await t.request({ url: '/api/health/ready' })).status === 200);
    const profile = await t.request({ url: '/api/auth/profile', headers: bearer(host.token) });
    expect(profile.status).toBe(200);
  });
});
