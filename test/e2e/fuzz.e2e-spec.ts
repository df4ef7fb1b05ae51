import { ModulesContainer } from '@nestjs/core';
import fc from 'fast-check';
import { Server } from 'socket.io';
import { ERROR_STATUS, ErrorCode } from '@app/common';
import { makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { InjectOptions, randomIp, TestResponse, useTestApp } from '../support/app';
import { OpenApiDoc } from '../support/openapi';
import { registeredRoutes, RegisteredRoute } from '../support/routes';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
} from '../support/sockets';

/**
 * Property-based fuzzing of every JSON endpoint and every client socket event of the running app
 * (fast-check). Random and hostile bodies, path parameters and query strings (wrong types, huge
 * strings, deep nesting, `$` operators, `__proto__` and `constructor.prototype` keys, unicode,
 * nulls, arrays for objects) must never produce a 5xx, a hang or a crash: every answer comes
 * within REQUEST_MS in the envelope, every socket event is acknowledged in the acknowledgement's
 * shape and the socket stays connected, and Object.prototype is left as it was. Routes and events
 * are read from the running app, so a new one is fuzzed as soon as it exists.
 *
 * CI runs FUZZ_RUNS (10) cases per route and three times as many per event with a fixed seed;
 * `npm run fuzz` runs for FUZZ_SECONDS with a random seed. A failure prints fast-check's report:
 * its seed, its path and the shrunk input (FUZZ_SEED=<seed> runs that seed again).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261203);
/** With FUZZ_SECONDS, the three properties share that time (each still stops at FUZZ_RUNS runs). */
const SECONDS = process.env.FUZZ_SECONDS ? Number(process.env.FUZZ_SECONDS) : undefined;
const SHARE = { rest: 0.7, acknowledged: 0.2, unacknowledged: 0.1 };
/** The time limit of one property of a test given `share` of FUZZ_SECONDS split over `properties`. */
const timeLimit = (share: number, properties: number) =>
  SECONDS === undefined ? undefined : (SECONDS * 1000 * share) / properties;
/** Jest's limit for a test: its share of FUZZ_SECONDS, or what its runs take on a slow machine. */
const testTimeout = (share: number, perRunMs: number) =>
  120_000 + (SECONDS === undefined ? RUNS * perRunMs : SECONDS * 1000 * share * 1.5);
/** A request or acknowledgement slower than this is a hang. */
const REQUEST_MS = 5000;
/** Socket.IO disconnects a socket whose message is over SOCKET_MAX_BUFFER (security-limits.e2e-spec.ts): stay below it. */
const SOCKET_MAX_BUFFER = 100_000;
const UNCHECKED = 'fuzzed input: the envelope and the status class are asserted by the fuzz test itself';

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, Json> } }> };
}

// ---- Hostile values ------------------------------------------------------------------------------

const OPERATORS: Json[] = [
  { $gt: '' },
  { $ne: null },
  { $regex: '.*', $options: 'si' },
  { $where: 'sleep(2000) || true' },
  { $nor: [{ _id: null }] },
  { $in: [] },
  { $exists: true },
  { $expr: { $eq: [1, 1] } },
  { $function: { body: 'function() { return true }', args: [], lang: 'js' } },
];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  '$gt',
  '$ne',
  '$regex',
  '$nor',
  '$or',
  '$expr',
  '_id',
  'role',
  'isAdmin',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  'a.b',
  'a.$',
];
const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  '%00',
  '%',
  '%zz',
  '\uD800',
  '\u202E',
  '\uFEFF',
  '🎥📞',
  'Z̴̛͕a̷l̶g̷o̴',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${7*7}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'null',
  'true',
  '[]',
  '{}',
  '{"$ne":null}',
  '__proto__',
  'constructor.prototype',
  '665f1c2ab3e4d5f6a7b8c9d0',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
];

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.string({ minLength: 500, maxLength: 5000, unit: 'grapheme-ascii' }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
);
/** Longer than any field allows (and, past BODY_LIMIT or SOCKET_MAX_BUFFER, than any message). */
const hugeText = (max: number) =>
  fc
    .tuple(fc.integer({ min: 10_000, max }), fc.constantFrom('x', 'é', '🎥', '\u0000', '$'))
    .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324),
);
const scalar = fc.oneof(fc.constant(null), fc.boolean(), number, text);
const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE_KEYS));
const operator = fc.constantFrom(...OPERATORS);

/** Any JSON value, with operators and prototype keys among its keys and values. */
const { value } = fc.letrec<{ value: unknown; array: unknown[]; object: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: operator },
    { weight: 1, arbitrary: tie('array') },
    { weight: 1, arbitrary: tie('object') },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
}));

/** Nesting far past BODY_MAX_DEPTH, as text (a value that deep would overflow a JSON encoder's stack on the way). */
const deepJson = fc
  .tuple(fc.integer({ min: 20, max: 5000 }), fc.constantFrom('array', 'object', '__proto__'))
  .map(([depth, kind]) => {
    if (kind === 'array') return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const open = kind === 'object' ? '{"a":' : '{"__proto__":';
    return `${open.repeat(depth)}1${'}'.repeat(depth)}`;
  });

/** Raw bodies: broken JSON, other content types, prototype keys the parser must refuse. */
const rawBody = fc.oneof(
  fc.record({
    contentType: fc.constant('application/json'),
    payload: fc.oneof(
      deepJson,
      fc.constantFrom(
        '',
        '{',
        '{"a":1,}',
        'null',
        '"text"',
        '12',
        '[]',
        '{"__proto__":{"polluted":"yes"}}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"a":{"__proto__":{"polluted":"yes"}}}',
        '{"a":1,"a":{"$gt":""}}',
        '\uFEFF{}',
        '{"\\u0000":1}',
      ),
      fc.string(),
    ),
  }),
  fc.record({
    contentType: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/xml',
      'application/json, text/plain',
      '',
    ),
    payload: fc.oneof(fc.string(), fc.constantFrom('a=1&__proto__[polluted]=yes', '<a/>', '--x--')),
  }),
);

// ---- Checks ----------------------------------------------------------------------------------------

/** What the prototypes of plain values hold before any case runs. */
const prototypeNames = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort().join(),
  array: Object.getOwnPropertyNames(Array.prototype).sort().join(),
  fn: Object.getOwnPropertyNames(Function.prototype).sort().join(),
});
const pristine = prototypeNames();

/** What a prototype pollution would have changed, or [] when nothing did. */
function pollution(): string[] {
  const found: string[] = [];
  const probe = {} as Json;
  for (const name of ['polluted', 'isAdmin', '_id', 'role', 'a', '']) {
    if (probe[name] !== undefined) found.push(`({})[${JSON.stringify(name)}] is ${JSON.stringify(probe[name])}`);
  }
  const now = prototypeNames();
  for (const name of ['object', 'array', 'fn'] as const) {
    if (now[name] !== pristine[name]) found.push(`${name} prototype now has ${now[name]}`);
  }
  return found;
}

/** Rejects after `ms` with `what`, so a hang fails the case instead of the whole file. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const STATUS_OF: Record<string, number> = ERROR_STATUS;

/** What is wrong with a REST answer: a 5xx, or a body out of the envelope. Empty when nothing is. */
function envelopeProblems(res: TestResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  const json = String(res.headers['content-type'] ?? '').startsWith('application/json');
  if (res.status < 400) {
    // Success answers that are not JSON (Prometheus text) are checked by the OpenAPI tests.
    if (json && (res.body?.success !== true || !('data' in res.body))) problems.push('not the success envelope');
    return problems;
  }
  const body = res.body as Json | undefined;
  const envelope =
    body?.success === false &&
    body.status === 'error' &&
    typeof body.message === 'string' &&
    typeof body.errorCode === 'string' &&
    typeof body.timestamp === 'string' &&
    Array.isArray(body.errors);
  if (!envelope) problems.push(`not the error envelope: ${res.text.slice(0, 300)}`);
  else if (STATUS_OF[body.errorCode as ErrorCode] !== res.status)
    problems.push(`errorCode ${String(body.errorCode)} with status ${res.status}`);
  return problems;
}

/** What is wrong with a socket acknowledgement. */
function ackProblems(answer: AckAnswer | undefined): string[] {
  if (answer?.success === true) return 'data' in answer ? [] : ['a success without data'];
  if (
    answer?.success === false &&
    typeof answer.errorCode === 'string' &&
    typeof answer.message === 'string' &&
    Array.isArray(answer.errors)
  ) {
    return answer.errorCode === 'INTERNAL_ERROR' ? [`errorCode INTERNAL_ERROR: ${answer.message}`] : [];
  }
  return [`not an acknowledgement: ${JSON.stringify(answer)?.slice(0, 300)}`];
}

/** Runs a property and returns fast-check's report (seed, shrunk counterexample) if it failed. */
async function failureOf<T>(
  name: string,
  property: fc.IAsyncProperty<T>,
  runs: number,
  limitMs: number | undefined,
): Promise<string[]> {
  const details = await fc.check(property, {
    numRuns: runs,
    seed: SEED,
    includeErrorInReport: true,
    interruptAfterTimeLimit: limitMs,
  });
  counted += details.numRuns;
  if (!details.failed) return [];
  // Huge inputs make huge reports: the seed and path replay the case in full.
  const report = fc.defaultReportMessage(details) ?? 'failed';
  return [`${name}: ${report.length > 3000 ? `${report.slice(0, 3000)}…` : report}`];
}
let counted = 0;

// ---- The app ---------------------------------------------------------------------------------------

const t = useTestApp({
  // Thousands of requests and events from a few accounts: the limits are tested in rate-limit and security-limits.
  env: {
    THROTTLE_DEFAULT_LIMIT: '1000000',
    THROTTLE_AUTH_LIMIT: '1000000',
    THROTTLE_ADMIN_LIMIT: '1000000',
    THROTTLE_SEARCH_LIMIT: '1000000',
    SOCKET_EVENT_RATE: '100000',
    SOCKET_EVENT_BURST: '100000',
    SOCKET_MAX_BUFFER: String(SOCKET_MAX_BUFFER),
  },
});

let url: string;
let doc: OpenApiDoc;
let routes: RegisteredRoute[];
let user: RegisteredUser;
let admin: RegisteredUser;
let victim: RegisteredUser;
let callId: string;
const errors: string[] = [];
const onError = (error: unknown) => errors.push(`uncaught: ${String((error as Error)?.stack ?? error)}`);

beforeAll(async () => {
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  url = await listenForSockets(t);
  doc = (await t.openapi()).document;
  routes = registeredRoutes(t);
  [user, victim, admin] = await Promise.all([makeUser(t), makeUser(t), makeStaff(t, 'admin')]);
  callId = (await makeCall(t, user, { inviteUserIds: [victim.id] })).id as string;
});

afterAll(() => {
  process.off('uncaughtException', onError);
  process.off('unhandledRejection', onError);
  closeSockets();
});

afterEach(() => {
  expect(pollution()).toEqual([]);
  expect(errors).toEqual([]);
});

const profileOf = async (account: RegisteredUser) =>
  (await t.request({ url: '/api/auth/profile', headers: bearer(account.token), remoteAddress: randomIp() })).status;

/**
 * A fuzzed request may sign the account out, change its password, suspend or delete it (an admin
 * route with a valid body), or end the call: each route starts from accounts that work and a call
 * of its own, so every route gets past authentication and the 404 stage.
 */
async function freshFixtures(): Promise<void> {
  if ((await profileOf(user)) !== 200) user = await makeUser(t);
  if ((await profileOf(admin)) !== 200) admin = await makeStaff(t, 'admin');
  if ((await profileOf(victim)) !== 200) victim = await makeUser(t);
  callId = (await makeCall(t, user, { inviteUserIds: [victim.id] })).id as string;
}

// ---- REST ------------------------------------------------------------------------------------------

const operationOf = (route: RegisteredRoute): Operation | undefined =>
  (doc.paths[route.path.replace(/:(\w+)/g, '{$1}')] as Record<string, unknown> | undefined)?.[
    route.method.toLowerCase()
  ] as Operation | undefined;

/** The documented JSON body of a route as {field: example}, or undefined when it takes none. */
function documentedBody(route: RegisteredRoute): Json | undefined {
  let schema = operationOf(route)?.requestBody?.content?.['application/json']?.schema;
  if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop() ?? ''];
  if (!schema?.properties) return undefined;
  return Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, field.example]));
}

const queryNamesOf = (route: RegisteredRoute) =>
  (operationOf(route)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);

/** The real id a path parameter takes, so that handlers get past the 404 stage. */
const realId = (param: string): string => (param === 'userId' || param === 'contactUserId' ? victim.id : callId);

/** encodeURIComponent, or the text as it is when it cannot be encoded (a lone surrogate). */
function encode(part: string): string {
  try {
    return encodeURIComponent(part);
  } catch {
    return part.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80');
  }
}

/** Malformed and tricky percent-encodings, put in the URL as they are (not encoded again). */
const RAW_URL_PARTS = [
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  '%u0041',
  '%2e%2e',
  '..%2F..%2F',
  '%252e',
  '..',
  '.',
  '+',
  '%20',
];
const RAW_QUERIES = [
  'limit=%',
  '%ZZ=1',
  'a=%E0%A4%A',
  'a[=1',
  '[]=1',
  '&&&',
  '=',
  '=x',
  'page=1&page=2&page=3',
  'limit[]=1&limit[]=2',
  'a[b][c][d][e][f][g][h][i][j][k][l][m][n]=1',
  '__proto__%5Bpolluted%5D=yes',
  'constructor%5Bprototype%5D%5Bpolluted%5D=yes',
  'q=%00',
];

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; contentType: string; payload: string };
type Auth = 'token' | 'none' | 'garbage';
interface RestCase {
  /** null: the real id of an object the handler finds (realId); `raw`: put in the URL as it is. */
  params: Record<string, string | null | { raw: string }>;
  query: [string, string][];
  rawQuery: string[];
  accept: string | null;
  body: Body;
  auth: Auth;
}

function restCase(route: RegisteredRoute): fc.Arbitrary<RestCase> {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const documented = documentedBody(route);
  const fields = Object.keys(documented ?? {});
  const names = queryNamesOf(route);
  const paramValue = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: text },
    { weight: 1, arbitrary: hugeText(20_000) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_PARTS).map((raw) => ({ raw })) },
  );
  const queryKey = fc.oneof(
    ...(names.length ? [{ weight: 4, arbitrary: fc.constantFrom(...names) }] : []),
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...(names.length ? names : ['q'])), fc.constantFrom('[$gt]', '[$ne]', '[]', '[0]', '.a'))
        .map(([name, suffix]) => `${name}${suffix}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__[polluted]',
        '__proto__',
        'constructor[prototype][polluted]',
        'constructor.prototype.polluted',
        '$where',
        '$nor[0][_id]',
      ),
    },
  );
  const queryValue = fc.oneof(
    text,
    number.map(String),
    fc.constantFrom('1000000', '-1', '0', '1.5', 'abc', '', 'true', '[]', 'desc', 'asc'),
    hugeText(20_000),
  );
  // The documented body with some fields replaced: past the "unknown field" stage, into each field's rules.
  const mutated = fc
    .tuple(fc.subarray(fields), fc.array(fc.tuple(key, value), { maxLength: 2 }), fc.array(value, { minLength: 8 }))
    .map(([replaced, extra, values]) => {
      const body: Json = { ...documented };
      replaced.forEach((field, i) => (body[field] = values[i % values.length]));
      for (const [name, v] of extra) Object.defineProperty(body, name, { value: v, enumerable: true, writable: true });
      return body;
    });
  const body: fc.Arbitrary<Body> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 3, arbitrary: value.map((v) => ({ kind: 'json' as const, value: v })) },
    ...(fields.length ? [{ weight: 5, arbitrary: mutated.map((v) => ({ kind: 'json' as const, value: v })) }] : []),
    {
      weight: 1,
      arbitrary: hugeText(150_000).map((s) => ({ kind: 'json' as const, value: { [fields[0] ?? 'a']: s } })),
    },
    { weight: 2, arbitrary: rawBody.map((raw) => ({ kind: 'raw' as const, ...raw })) },
  );
  return fc.record({
    params: fc.record(Object.fromEntries(params.map((p) => [p, paramValue]))),
    query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }),
    rawQuery: fc.array(fc.constantFrom(...RAW_QUERIES), { maxLength: 2 }),
    accept: fc.option(fc.constantFrom('application/xml', 'text/html', '*/*', '', 'application/json;q=0', 'ü')),
    body,
    auth: fc.oneof(
      { weight: 8, arbitrary: fc.constant('token' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
    ),
  });
}

function requestOf(route: RegisteredRoute, c: RestCase): InjectOptions {
  const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
    const v = c.params[name];
    return v !== null && typeof v === 'object' ? v.raw : encode(v ?? realId(name));
  });
  const query = [
    ...c.query.map(([k, v]) => `${encode(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encode(v)}`),
    ...c.rawQuery,
  ];
  const token = route.path.startsWith('/api/admin/') ? admin.token : user.token;
  const headers: Record<string, string> =
    c.auth === 'token' ? bearer(token) : c.auth === 'garbage' ? { authorization: 'Bearer x.y.z' } : {};
  if (c.accept !== null) headers.accept = c.accept;
  const options: InjectOptions = {
    method: route.method as InjectOptions['method'],
    url: query.length ? `${path}?${query.join('&')}` : path,
    headers,
    remoteAddress: randomIp(),
    unchecked: UNCHECKED,
  };
  if (c.body.kind === 'json') options.body = c.body.value;
  if (c.body.kind === 'raw') {
    options.payload = c.body.payload;
    if (c.body.contentType) headers['content-type'] = c.body.contentType;
  }
  return options;
}

/**
 * A health endpoint answers 503 when one of its checks fails (the CPU check on a loaded machine):
 * its documented health answer, not a failure of the request. The OpenAPI document checks it.
 */
const healthAnswer = (route: RegisteredRoute, options: InjectOptions, res: TestResponse) =>
  res.status === 503 && /\/health(\/|$)/.test(route.path) && options.url.split('?')[0] === route.path;

describe('fuzzing every JSON endpoint', () => {
  it('fuzzes the routes of every module', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'GET /api/calls/:id', 'PUT /api/admin/users/:userId']),
    );
    expect(routes.length).toBeGreaterThanOrEqual(60);
  });

  it(
    'answers random and hostile requests on every route within the time limit, in the envelope, never 5xx',
    async () => {
      const failures: string[] = [];
      const before = counted;
      const statuses = new Map<number, number>();
      const checker = await t.openapi();
      for (const route of routes) {
        await freshFixtures();
        const property = fc.asyncProperty(restCase(route), async (c) => {
          const options = requestOf(route, c);
          const res = await within(t.request(options), REQUEST_MS, `${route.method} ${options.url.slice(0, 200)}`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problems = healthAnswer(route, options, res)
            ? checker.problems({ method: route.method, url: options.url, ...res })
            : envelopeProblems(res);
          problems.push(...pollution());
          if (problems.length) throw new Error(`${res.status}: ${problems.join('; ')}`);
        });
        const limit = timeLimit(SHARE.rest, routes.length);
        failures.push(...(await failureOf(`${route.method} ${route.path}`, property, RUNS, limit)));
      }
      // eslint-disable-next-line no-console -- the count reached is the run's figure (docs/security.md)
      console.log(
        `fuzz: ${counted - before} REST cases on ${routes.length} routes (seed ${SEED ?? 'random'}); statuses:`,
        Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      );
      expect(failures).toEqual([]);
    },
    testTimeout(SHARE.rest, 4_000),
  );
});

// ---- Sockets ---------------------------------------------------------------------------------------

/** Socket.IO's own events a client may not emit (the client library throws). */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** The app's Socket.IO server: the one its gateways hold (read from Nest's container). */
function socketServer(): Server {
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      for (const name of Object.keys(instance)) if (instance[name] instanceof Server) return instance[name];
    }
  }
  throw new Error('no gateway holds the Socket.IO server');
}

/** Every event the server listens to on a connected socket (the gateways' handlers and those bound by hand). */
function clientEvents(): string[] {
  const [socket] = socketServer().of('/').sockets.values();
  if (!socket) throw new Error('no socket connected');
  return socket
    .eventNames()
    .map(String)
    .filter((name) => !RESERVED.has(name) && name !== 'error');
}

/** A socket payload: any value, or the shape of the events' DTOs with real ids and hostile fields. */
const socketPayload = (roomId: string, targetUserId: string) =>
  fc.oneof(
    { weight: 2, arbitrary: value },
    {
      weight: 5,
      arbitrary: fc.record(
        {
          roomId: fc.oneof(fc.constant(roomId), value),
          targetUserId: fc.oneof(fc.constant(targetUserId), value),
          callData: fc.oneof(fc.constant({ callId: roomId }), value),
          signal: value,
          type: fc.oneof(fc.constantFrom('offer', 'answer', 'ice-candidate'), value),
          message: fc.oneof(text, value, hugeText(60_000)),
          messageType: fc.oneof(fc.constantFrom('text', 'emoji', 'system'), value),
          isAudioEnabled: fc.oneof(fc.boolean(), value),
          isVideoEnabled: fc.oneof(fc.boolean(), value),
          isScreenSharing: fc.oneof(fc.boolean(), value),
          response: fc.oneof(fc.constantFrom('accepted', 'declined'), value),
          userData: value,
          echo: value,
          __proto__: fc.oneof(operator, value),
        },
        { requiredKeys: [] },
      ),
    },
  );

describe('fuzzing every client socket event', () => {
  let socket: ClientSocket;
  let events: string[];

  /** The user's socket, connected again if a case (or a fixture's change) closed it. */
  async function connected(): Promise<ClientSocket> {
    if (!socket?.connected) socket = await connectSocket(url, user.token);
    return socket;
  }

  beforeAll(async () => {
    await freshFixtures();
    await connected();
    events = clientEvents();
  });

  it('listens to the events of every gateway', () => {
    expect(events).toEqual(
      expect.arrayContaining(['ping', 'join-room', 'send-message', 'webrtc-signal', 'call-response']),
    );
  });

  it(
    'acknowledges random and hostile payloads on every event in the acknowledgement shape, and stays connected',
    async () => {
      const failures: string[] = [];
      const before = counted;
      const eventNames = [...events, 'not-an-event'];
      for (const event of eventNames) {
        await freshFixtures();
        const property = fc.asyncProperty(
          event === 'not-an-event'
            ? fc.string({ minLength: 1 }).filter((name) => !RESERVED.has(name))
            : fc.constant(event),
          fc.array(socketPayload(callId, victim.id), { maxLength: 3 }),
          async (name, args) => {
            const s = await connected();
            if (Buffer.byteLength(JSON.stringify(args)) > SOCKET_MAX_BUFFER - 1000) return;
            const answer = await within(
              emitWithAck<AckAnswer>(s, name, ...args),
              REQUEST_MS,
              `${name} ${JSON.stringify(args).slice(0, 200)}`,
            ).catch((error: Error) => ({ success: 'none', message: error.message }) as unknown as AckAnswer);
            const problems = [...ackProblems(answer), ...pollution()];
            if (!s.connected) problems.push('the socket was disconnected');
            if (problems.length) throw new Error(problems.join('; '));
          },
        );
        const limit = timeLimit(SHARE.acknowledged, eventNames.length);
        failures.push(...(await failureOf(event, property, RUNS * 3, limit)));
      }
      // eslint-disable-next-line no-console -- the count reached is the run's figure (docs/security.md)
      console.log(`fuzz: ${counted - before} socket cases on ${events.length} events (seed ${SEED ?? 'random'})`);
      expect(failures).toEqual([]);
    },
    testTimeout(SHARE.acknowledged, 4_000),
  );

  it(
    'answers an event sent without an acknowledgement with an error event at most, and keeps serving the socket',
    async () => {
      await freshFixtures();
      const s = await connected();
      const seen: unknown[] = [];
      s.on('error', (payload: unknown) => seen.push(payload));
      const property = fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...events),
          fc.string({ minLength: 1 }).filter((name) => !RESERVED.has(name)),
        ),
        fc.array(socketPayload(callId, victim.id), { maxLength: 3 }),
        async (name, args) => {
          if (Buffer.byteLength(JSON.stringify(args)) > SOCKET_MAX_BUFFER - 1000) return;
          const socket = await connected();
          socket.emit(name, ...args);
          // Events of one socket are handled in order: the ping's answer comes after the event's.
          const pong = await within(emitWithAck<AckAnswer>(socket, 'ping', {}), REQUEST_MS, `ping after ${name}`);
          const problems = [...ackProblems(pong), ...seen.splice(0).flatMap((e) => ackProblems(e as AckAnswer))];
          if (!socket.connected) problems.push('the socket was disconnected');
          if (problems.length) throw new Error(problems.join('; '));
        },
      );
      const limit = timeLimit(SHARE.unacknowledged, 1);
      const before = counted;
      const failures = await failureOf('events without acknowledgement', property, RUNS * 5, limit);
      // eslint-disable-next-line no-console -- the count reached is the run's figure (docs/security.md)
      console.log(`fuzz: ${counted - before} socket cases without acknowledgement (seed ${SEED ?? 'random'})`);
      expect(failures).toEqual([]);
    },
    testTimeout(SHARE.unacknowledged, 2_000),
  );

  it('still answers normal requests and events afterwards', async () => {
    await freshFixtures();
    const s = await connected();
    expect(await emitWithAck<AckAnswer>(s, 'ping', { echo: 'after' })).toMatchObject({
      success: true,
      data: { pong: true, echo: 'after' },
    });
    expect(await profileOf(user)).toBe(200);
    const live = await t.request({ url: '/api/health/live' });
    expect(live.status).toBe(200);
    expect(pollution()).toEqual([]);
  });
});
