import { AppException, ErrorCode } from '@app/common';
import { UsersService } from '../../apps/api/src/modules/users/users.service';
import { bearer, makeUser } from '../factories/users';
import { useTestApp } from '../support/app';
import { OpenApiChecker, OpenApiDoc } from '../support/openapi';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: Json; example?: unknown }>; headers?: Json }>;
}

/** Every operation of the document as `METHOD /path` with its object. */
function operationsOf(doc: OpenApiDoc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op as unknown as Operation,
    ]),
  );
}

const ERROR_ENVELOPE = '#/components/schemas/ErrorEnvelopeDto';
const refersTo = (schema: unknown, ref: string) => JSON.stringify(schema).includes(`"${ref}"`);

describe('the OpenAPI document describes what the API answers', () => {
  const t = useTestApp();
  let checker: OpenApiChecker;
  let doc: OpenApiDoc;
  let operations: [string, Operation][];

  beforeAll(async () => {
    checker = await t.openapi();
    doc = checker.document;
    operations = operationsOf(doc);
  });
  afterEach(() => jest.restoreAllMocks());

  it('documents a JSON schema for the success body of every operation', () => {
    const missing = operations
      .filter(([, op]) => {
        const success = Object.entries(op.responses).filter(([status]) => Number(status) < 300);
        return success.length === 0 || success.some(([, r]) => !r.content?.['application/json']?.schema);
      })
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(42);
  });

  it('documents register and login as the account and a token in the envelope, closed against leaks', () => {
    for (const path of ['/api/auth/register', '/api/auth/login']) {
      const responses = (doc.paths[path].post as unknown as Operation).responses;
      const schema = (responses['201'] ?? responses['200']).content!['application/json'].schema!;
      expect(schema).toMatchObject({
        additionalProperties: false,
        required: expect.arrayContaining(['success', 'status', 'message', 'timestamp', 'data']),
        properties: { data: { $ref: '#/components/schemas/SessionDto' } },
      });
    }
    expect(doc.components.schemas.SessionDto).toMatchObject({
      additionalProperties: false,
      required: ['user', 'token'],
    });
    expect(doc.components.schemas.SessionUserDto).toMatchObject({
      additionalProperties: false,
      required: expect.arrayContaining(['id', 'email', 'isEmailVerified']),
    });
  });

  it('gives every error response the error envelope, and each operation the errors its kind shares', () => {
    const problems: string[] = [];
    for (const [name, op] of operations) {
      const statuses = Object.keys(op.responses).map(Number);
      const need = [500];
      if (op.security) need.push(401);
      if (!name.startsWith('GET ')) need.push(400, 413, 415);
      if (!name.includes(' /api/health')) need.push(429);
      for (const status of need) if (!statuses.includes(status)) problems.push(`${name}: no ${status}`);
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema;
        // The health report's own shape, also on the admin copy of GET /api/health.
        const healthRoute = name.includes(' /api/health') || name === 'GET /api/admin/system/health';
        const healthShape = healthRoute && status === '503';
        if (Number(status) >= 400 && !healthShape && !refersTo(schema, ERROR_ENVELOPE)) {
          problems.push(`${name}: ${status} without the error envelope`);
        }
      }
      if (op.responses['429'] && !op.responses['429'].headers?.['Retry-After'])
        problems.push(`${name}: 429 without Retry-After`);
    }
    expect(problems).toEqual([]);
  });

  it('lists the errors of the call routes (403, 404, 409) and of contacts (404, 409)', () => {
    const statuses = (path: string, method: string) =>
      Object.keys((doc.paths[path][method] as unknown as Operation).responses);
    expect(statuses('/api/calls/{id}/join', 'post')).toEqual(expect.arrayContaining(['403', '404', '409', '429']));
    expect(statuses('/api/calls/{id}', 'get')).toEqual(expect.arrayContaining(['403', '404']));
    expect(statuses('/api/auth/contacts', 'post')).toEqual(expect.arrayContaining(['400', '404', '409']));
    expect(statuses('/api/auth/login', 'post')).toEqual(expect.arrayContaining(['401', '403', '429']));
  });

  it('keeps every example true to its own schema', () => {
    const problems: string[] = [];
    const shaped = (schema: Json) => ['type', '$ref', 'allOf', 'oneOf', 'anyOf'].some((key) => key in schema);
    for (const [name, op] of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const example = media.example ?? media.schema?.example;
          if (example === undefined) continue;
          if (!media.schema || !shaped(media.schema)) {
            problems.push(`${name} ${status}: an example without a schema`);
            continue;
          }
          const found = checker.validate(`example ${name} ${status} ${type}`, media.schema, example);
          problems.push(...found.map((p) => `${name} ${status}: ${p}`));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows call details with their invitations and an answer with the invitation it recorded', () => {
    const example = (path: string) =>
      (doc.paths[path].post ?? doc.paths[path].get).responses['200'].content!['application/json'].example as {
        data: Json;
      };
    expect(example('/api/calls/{id}').data.call).toMatchObject({
      invitations: [expect.objectContaining({ status: 'pending' })],
    });
    expect(example('/api/calls/{id}/respond').data.invitation).toMatchObject({
      user: expect.objectContaining({ id: expect.any(String) }),
      status: 'accepted',
      respondedAt: expect.any(String),
    });
    expect(doc.components.schemas.CallDetailsDto.required).toEqual(
      expect.arrayContaining(['participants', 'invitations']),
    );
  });

  it('documents preferences as at most 50 flat keys with string, number, boolean or null values', () => {
    for (const dto of ['ProfileDto', 'UpdateProfileDto']) {
      const preferences = (doc.components.schemas[dto].properties as Json).preferences;
      expect(preferences).toMatchObject({
        type: 'object',
        maxProperties: 50,
        additionalProperties: {
          oneOf: [{ type: 'string', maxLength: 500, nullable: true }, { type: 'number' }, { type: 'boolean' }],
        },
      });
    }
  });

  describe('every response a test receives is checked against it', () => {
    it('fails a response that leaks a field the document does not name', async () => {
      const user = await makeUser(t);
      const real = UsersService.prototype.getProfile;
      jest.spyOn(UsersService.prototype, 'getProfile').mockImplementationOnce(async function (this: UsersService, id) {
        return { ...(await real.call(this, id)), passwordHash: '$2b$12$leaked' };
      });
      await expect(t.request({ url: '/api/auth/profile', headers: bearer(user.token) })).rejects.toThrow(
        /GET \/api\/auth\/profile answered 200[\s\S]*\/data\/user must NOT have additional properties 'passwordHash'/,
      );
    });

    it('fails a status the operation does not document', async () => {
      const user = await makeUser(t);
      jest
        .spyOn(UsersService.prototype, 'getProfile')
        .mockRejectedValueOnce(new AppException(ErrorCode.CONFLICT, 'Not a conflict this route can have'));
      await expect(t.request({ url: '/api/auth/profile', headers: bearer(user.token) })).rejects.toThrow(
        /GET \/api\/auth\/profile answered 409[\s\S]*status 409 is not documented/,
      );
    });

    it('checks an unknown route against the error envelope with its errorCode', async () => {
      const res = await t.request({ url: '/api/no/such/route' });
      expect(res.status).toBe(404);
      const wrong = {
        ...res,
        method: 'GET',
        url: '/api/no/such/route',
        text: JSON.stringify({ ...res.body, errorCode: 'CONFLICT' }),
      };
      expect(checker.problems(wrong)).toEqual(['/errorCode must be equal to one of the allowed values']);
    });

    it('matches static segments before parameters, as the router does', () => {
      expect(checker.templateOf('GET', '/api/calls/active?x=1')).toBe('/api/calls/active');
      expect(checker.templateOf('GET', '/api/calls/Qm9Yt3x_Lr8aWZc2-PkV1w')).toBe('/api/calls/{id}');
      expect(checker.templateOf('PATCH', '/api/calls/active')).toBeUndefined();
    });
  });
});
