import { makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { InjectOptions, randomIp, TestResponse, useTestApp } from '../support/app';
import { OpenApiDoc } from '../support/openapi';
import { registeredRoutes, RegisteredRoute } from '../support/routes';

/**
 * Operator and prototype injection into every input of every route the running app registers:
 * bodies, query strings and path parameters. A case passes when it is refused (400, or the
 * route's own 4xx for an id that matches nothing), never answered 2xx or 5xx, and leaves
 * Object.prototype as it was. A new route is covered as soon as it is registered.
 */

type Json = Record<string, unknown>;
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  example?: unknown;
  items?: Schema;
}
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** Each operator as a client would smuggle it into a JSON field. */
const OPERATORS: Record<string, unknown> = {
  $gt: { $gt: '' },
  $ne: { $ne: null },
  $regex: { $regex: '.*', $options: 'si' },
  $where: { $where: 'sleep(2000) || true' },
  $nor: { $nor: [{ _id: null }] },
};

/** The same operators in a query string, in the bracket syntax of `qs` and PHP, for a parameter `name`. */
const queryOperators = (name: string) => [
  `${name}[$gt]=`,
  `${name}[$ne]=x`,
  `${name}[$regex]=.*`,
  `${name}[$where]=sleep(2000)`,
  `${name}[$nor][0][_id]=x`,
];

/** Keys that pollute a prototype when an input is merged naively, in a query string. */
const QUERY_PROTOTYPE_KEYS = [
  '__proto__[polluted]=yes',
  '__proto__.polluted=yes',
  '__proto__=yes',
  'constructor[prototype][polluted]=yes',
  'constructor.prototype.polluted=yes',
  'constructor=yes',
  'prototype=yes',
  '$where=sleep(2000)',
  '$nor[0][_id]=x',
];

/** Path parameter values: operators, an operator object as text, and prototype names. */
const PATH_VALUES = [
  '$gt',
  '$ne',
  '$regex',
  '$where',
  '$nor',
  '{"$ne":null}',
  '{"$gt":""}',
  '[$regex]=.*',
  '.*',
  '__proto__',
  'constructor',
  'prototype',
  'constructor.prototype',
  '__proto__.polluted',
];

/** What the prototypes of plain values hold before any case runs. */
const pristine = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  fn: Object.getOwnPropertyNames(Function.prototype).sort(),
};

/** What a prototype pollution would have changed, or [] when nothing did. */
function pollution(): string[] {
  const found: string[] = [];
  const probe = {} as Json;
  for (const key of ['polluted', 'isAdmin', '_id', 'role']) {
    if (probe[key] !== undefined) found.push(`({}).${key} is ${JSON.stringify(probe[key])}`);
  }
  const now = {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    fn: Object.getOwnPropertyNames(Function.prototype).sort(),
  };
  for (const name of ['object', 'array', 'fn'] as const) {
    if (now[name].join() !== pristine[name].join()) found.push(`${name} prototype now has ${now[name].join()}`);
  }
  return found;
}

describe('operator and prototype injection on every route', () => {
  const t = useTestApp({
    // Hundreds of cases from one account: the rate limits are tested in security-limits.e2e-spec.ts.
    env: {
      THROTTLE_DEFAULT_LIMIT: '100000',
      THROTTLE_AUTH_LIMIT: '100000',
      THROTTLE_ADMIN_LIMIT: '100000',
      THROTTLE_SEARCH_LIMIT: '100000',
    },
  });
  let doc: OpenApiDoc;
  let routes: RegisteredRoute[];
  let user: RegisteredUser;
  let admin: RegisteredUser;
  let victim: RegisteredUser;
  let callId: string;

  beforeAll(async () => {
    doc = (await t.openapi()).document;
    routes = registeredRoutes(t);
    user = await makeUser(t);
    victim = await makeUser(t);
    admin = await makeStaff(t, 'admin');
    callId = (await makeCall(t, user)).id as string;
  });

  afterEach(() => {
    expect(pollution()).toEqual([]);
  });

  const operationOf = (route: RegisteredRoute): Operation | undefined =>
    (doc.paths[route.path.replace(/:(\w+)/g, '{$1}')] as Record<string, unknown> | undefined)?.[
      route.method.toLowerCase()
    ] as Operation | undefined;

  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema?.$ref) return schema;
    return doc.components.schemas[schema.$ref.split('/').pop() ?? ''];
  };

  /** The route's documented JSON body fields, with a valid-looking value for each (its example). */
  const bodyOf = (route: RegisteredRoute): Json | undefined => {
    const schema = resolve(operationOf(route)?.requestBody?.content?.['application/json']?.schema);
    if (!schema?.properties) return undefined;
    return Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, field.example]));
  };

  const queryNames = (route: RegisteredRoute) =>
    (operationOf(route)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);

  /** Real ids for the route's parameters, so only the injected input decides the answer. */
  const realValue = (param: string): string => {
    if (param === 'id' || param === 'callId') return callId;
    if (param === 'userId' || param === 'contactUserId') return victim.id;
    return 'a'.repeat(64);
  };
  const urlOf = (route: RegisteredRoute, values: Record<string, string> = {}) =>
    route.path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? realValue(name)));

  const tokenFor = (route: RegisteredRoute) => (route.path.startsWith('/api/admin/') ? admin.token : user.token);
  const takesBody = (route: RegisteredRoute) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);

  const send = (route: RegisteredRoute, options: Omit<InjectOptions, 'method'>): Promise<TestResponse> =>
    t.request({
      ...options,
      method: route.method as InjectOptions['method'],
      headers: { ...bearer(tokenFor(route)), ...options.headers },
      remoteAddress: randomIp(),
    });

  /** Runs the cases, and returns each that was not refused as `route case → status`. */
  async function accepted(
    cases: { route: RegisteredRoute; name: string; options: Omit<InjectOptions, 'method'>; allowed: number[] }[],
  ): Promise<string[]> {
    const problems: string[] = [];
    for (const { route, name, options, allowed } of cases) {
      const res = await send(route, options);
      if (!allowed.includes(res.status)) problems.push(`${route.method} ${route.path} ${name} → ${res.status}`);
      else if (res.body?.success !== false)
        problems.push(`${route.method} ${route.path} ${name}: not an error envelope`);
      problems.push(...pollution().map((p) => `${route.method} ${route.path} ${name}: ${p}`));
    }
    return problems;
  }

  it('walks the routes of every module', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'GET /api/calls/:id', 'PUT /api/admin/users/:userId']),
    );
    expect(routes.length).toBeGreaterThanOrEqual(60);
  });

  it('refuses operators and prototype keys in every field of every JSON body with 400', async () => {
    const cases = routes.filter(takesBody).flatMap((route) => {
      const base = bodyOf(route);
      const url = urlOf(route);
      const raw = (payload: string) => ({ url, headers: { 'content-type': 'application/json' }, payload });
      // Fastify refuses these while parsing: on every route that may carry a body, read or not.
      const prototypeCases = [
        ['__proto__', '{"__proto__":{"polluted":"yes"}}'],
        ['nested __proto__', '{"a":{"b":[{"__proto__":{"polluted":"yes"}}]}}'],
        ['constructor.prototype', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
        ['nested constructor.prototype', '{"a":[{"constructor":{"prototype":{"polluted":"yes"}}}]}'],
      ].map(([name, payload]) => ({ route, name, options: raw(payload), allowed: [400] }));
      if (!base) return prototypeCases;
      const json = JSON.stringify(base);
      const fieldCases = Object.keys(base).flatMap((field) => [
        ...Object.entries(OPERATORS).map(([operator, value]) => ({
          route,
          name: `${field}: ${operator}`,
          options: { url, body: { ...base, [field]: value } },
          allowed: [400],
        })),
        ...Object.entries(OPERATORS).map(([operator, value]) => ({
          route,
          name: `${field}: [${operator}]`,
          options: { url, body: { ...base, [field]: [value] } },
          allowed: [400],
        })),
        {
          route,
          name: `${field}.__proto__`,
          options: raw(json.replace(/}$/, `,"${field}":{"__proto__":{"polluted":"yes"}}}`)),
          allowed: [400],
        },
      ]);
      const topLevel = ['$where', '$nor', '$gt', '__proto__.polluted', 'constructor'].map((key) => ({
        route,
        name: `top-level ${key}`,
        options: { url, body: { ...base, [key]: key === '$nor' ? [{ _id: null }] : 'sleep(2000) || true' } },
        allowed: [400],
      }));
      return [...prototypeCases, ...fieldCases, ...topLevel];
    });
    expect(cases.length).toBeGreaterThan(500);
    expect(await accepted(cases)).toEqual([]);
  });

  it('refuses operators and prototype keys in the query string of every route that reads one with 400', async () => {
    const cases = routes.flatMap((route) => {
      const names = queryNames(route);
      if (names.length === 0) return [];
      const url = urlOf(route);
      const body = takesBody(route) ? (bodyOf(route) ?? undefined) : undefined;
      return [...names.flatMap(queryOperators), ...QUERY_PROTOTYPE_KEYS].map((query) => ({
        route,
        name: `?${query}`,
        options: { url: `${url}?${query}`, body },
        allowed: [400],
      }));
    });
    expect(cases.length).toBeGreaterThan(200);
    expect(await accepted(cases)).toEqual([]);
  });

  it('answers a query string on a GET route that reads none as if it were not there', async () => {
    const problems: string[] = [];
    let count = 0;
    const gets = routes.filter((r) => r.method === 'GET' && queryNames(r).length === 0);
    for (const route of gets) {
      const url = urlOf(route);
      const plain = await send(route, { url });
      for (const query of [...queryOperators('id'), ...QUERY_PROTOTYPE_KEYS]) {
        count++;
        const res = await send(route, { url: `${url}?${query}` });
        // cpu and memory may flip to 503 on a busy machine between two requests.
        const flaky = route.path === '/api/health/cpu' || route.path === '/api/health/memory';
        if (res.status >= 500 && !flaky) problems.push(`GET ${route.path}?${query} → ${res.status}`);
        if (!flaky && res.status !== plain.status)
          problems.push(`GET ${route.path}?${query} → ${res.status}, without it ${plain.status}`);
        problems.push(...pollution().map((p) => `GET ${route.path}?${query}: ${p}`));
      }
    }
    expect(count).toBeGreaterThan(300);
    expect(problems).toEqual([]);
  });

  it('answers operators and prototype names in every path parameter with 400 or 404', async () => {
    const cases = routes.flatMap((route) => {
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const body = takesBody(route) ? (bodyOf(route) ?? {}) : undefined;
      return params.flatMap((param) =>
        PATH_VALUES.map((value) => ({
          route,
          name: `:${param}=${value}`,
          options: { url: urlOf(route, { [param]: value }), body },
          allowed: [400, 404],
        })),
      );
    });
    expect(cases.length).toBeGreaterThan(250);
    expect(await accepted(cases)).toEqual([]);
  });

  describe('never a match', () => {
    it('refuses a login whose email or password is an operator (400), so no account is matched', async () => {
      for (const body of [
        { email: { $ne: null }, password: { $ne: null } },
        { email: user.email, password: { $ne: null } },
        { email: { $regex: '.*' }, password: user.password },
        { email: { $gt: '' }, password: user.password },
        { email: user.email, password: user.password, $where: 'true' },
      ]) {
        const res = await t.request({ method: 'POST', url: '/api/auth/login', body, remoteAddress: randomIp() });
        expect(res.status).toBe(400);
        expect(res.body.data).toBeUndefined();
      }
    });

    it('searches users and accounts for a regular expression as plain text', async () => {
      for (const query of ['.*', '^.+$', '{"$ne":null}', '$where', '[a-z]+']) {
        const search = await t.request({
          url: `/api/auth/search-users?query=${encodeURIComponent(`${query}ab`)}`,
          headers: bearer(user.token),
        });
        expect(search.status).toBe(200);
        expect(search.body.data.users).toEqual([]);
        const accounts = await t.request({
          url: `/api/admin/users?search=${encodeURIComponent(query)}`,
          headers: bearer(admin.token),
        });
        expect([200, 400]).toContain(accounts.status);
        if (accounts.status === 200) expect(accounts.body.data.users).toEqual([]);
      }
    });

    it('stores an operator-looking text as text', async () => {
      const text = '{"$where":"sleep(2000)","__proto__":{"polluted":"yes"}}';
      const res = await t.request({
        method: 'POST',
        url: `/api/calls/${callId}/chat`,
        headers: bearer(user.token),
        body: { message: text },
      });
      expect(res.status).toBe(201);
      expect(res.body.data.message.message).toBe(text);
      const page = await t.request({ url: `/api/calls/${callId}/chat`, headers: bearer(user.token) });
      expect(page.body.data.messages.map((m: { message: string }) => m.message)).toContain(text);
    });
  });
});
