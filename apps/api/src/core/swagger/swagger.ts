import { HttpStatus, INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DEFAULT_ERROR_DESCRIPTIONS, errorResponse, ErrorStatus, MEDIA_JSON } from './api-responses';
import { ErrorEnvelopeDto, FieldErrorDto, SuccessEnvelopeDto } from './envelope.schemas';
import { RouteFacts, routeFacts } from './route-metadata';

export const DOCS_PATH = 'api/docs';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description: 'The id of this request in the logs: the client’s own when it sent a plain one (1–128 characters)',
    required: true,
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window of this route’s limit',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
  'Retry-After': { description: 'Seconds to wait before trying again', required: true, schema: { type: 'integer' } },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const headerRef = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/**
 * Swagger UI at /api/docs and the OpenAPI document at /api/docs-json, both public: integrators
 * need them, and the document describes the API, never the host it runs on. Its YAML copy
 * (/api/docs-yaml) is served only while HEALTH_DETAILS=public: integrators have the JSON, so with
 * `admin` one anonymous copy is enough.
 */
export function setupSwagger(app: INestApplication, version: string): void {
  const { health } = app.get<AppConfig>(APP_CONFIG);
  const config = new DocumentBuilder()
    .setTitle('Video Call API')
    .setDescription(
      'REST API of the Video Call backend. Every response but the health checks uses the success or the ' +
        'error envelope (SuccessEnvelopeDto, ErrorEnvelopeDto); each operation documents its `data` and every ' +
        'error it can answer, with an `errorCode` from `ErrorCode`. Authenticate with `Authorization: Bearer <jwt>`.',
    )
    .setVersion(version)
    // Tags by what a client is doing, in the order a client meets them.
    .addTag('Authentication', 'Register, sign in and out, passwords and email links')
    .addTag('Profile', 'Your own profile and presence')
    .addTag('Contacts', 'Your contact list and finding people')
    .addTag('Calls', 'Calls, invitations, media state, chat and Agora tokens')
    .addTag('Health', 'Probes, summaries and (by HEALTH_DETAILS) details of the running instance')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  // A plain JSON copy: the generated document shares objects with the decorators' metadata, which
  // completing it must not change, and an `undefined` left in an example would break the YAML copy.
  const document = JSON.parse(
    JSON.stringify(
      SwaggerModule.createDocument(app, config, { extraModels: [SuccessEnvelopeDto, ErrorEnvelopeDto, FieldErrorDto] }),
    ),
  ) as OpenAPIObject;
  completeDocument(document, routeFacts(app));
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    raw: health.details === 'public' ? ['json', 'yaml'] : ['json'],
    customSiteTitle: 'Video Call API',
  });
}

/**
 * What every route of a kind shares, added here once instead of on each route: the errors
 * (400/413/415 for anything that may carry a body or parameters, 401 off the public routes, 429
 * on rate-limited ones, 503 while the database is unreachable, 500 anywhere), the error envelope
 * on every error response, the headers, the envelope's message, and closed schemas (the
 * validation pipe refuses unknown request fields, and a response field the document does not name
 * is a leak).
 */
export function completeDocument(document: OpenAPIObject, facts: ReadonlyMap<string, RouteFacts>): void {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const route = facts.get(operation.operationId ?? '') ?? {
        isPublic: false,
        rateLimit: 'default',
        message: 'Operation successful',
      };
      completeOperation(operation, method, route);
    }
  }
  for (const schema of Object.values(document.components.schemas ?? {})) {
    if ('properties' in schema && schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
}

function completeOperation(operation: OperationObject, method: string, route: RouteFacts): void {
  const shared: ErrorStatus[] = [HttpStatus.INTERNAL_SERVER_ERROR];
  if (method !== 'get')
    shared.push(HttpStatus.BAD_REQUEST, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  if (operation.parameters?.length) shared.push(HttpStatus.BAD_REQUEST);
  if (!route.isPublic) shared.push(HttpStatus.UNAUTHORIZED);
  if (route.rateLimit !== false) shared.push(HttpStatus.TOO_MANY_REQUESTS);
  // Any route in the envelope may need the database (the token check alone does); the health
  // routes write their own shape and document their own 503 where they can fail.
  if (route.message !== null) shared.push(HttpStatus.SERVICE_UNAVAILABLE);

  const responses = operation.responses as Record<string, ResponseObject>;
  for (const status of shared) responses[status] ??= errorResponse(status, DEFAULT_ERROR_DESCRIPTIONS[status]);
  if (!route.isPublic) operation.security ??= [{ bearer: [] }];

  const tooManyRequests: number = HttpStatus.TOO_MANY_REQUESTS;
  for (const [key, response] of Object.entries(responses)) {
    const status = Number(key);
    if (status >= 400 && !response.content) Object.assign(response, errorResponse(status, response.description));
    const headers: Record<string, ReferenceObject> = { 'X-Request-Id': headerRef('X-Request-Id') };
    if (route.rateLimit !== false && (status < 300 || status === tooManyRequests)) {
      for (const name of RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
    }
    if (status === tooManyRequests) headers['Retry-After'] = headerRef('Retry-After');
    response.headers = { ...response.headers, ...headers };
    if (status < 300 && route.message !== null) setEnvelopeMessage(response, route.message);
  }
}

/** The route's `@ResponseMessage` as the example of its success envelope. */
function setEnvelopeMessage(response: ResponseObject, message: string): void {
  const media = response.content?.[MEDIA_JSON];
  const schema = media?.schema as SchemaObject | undefined;
  const property = schema?.properties?.message as SchemaObject | undefined;
  if (!media || !property) return;
  property.example = message;
  const example: unknown = media.example;
  if (example && typeof example === 'object') media.example = { ...example, message };
}
