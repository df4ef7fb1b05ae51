import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ERROR_STATUS, ErrorCode } from '@app/common';

/**
 * Checks responses against the app's own OpenAPI document (/api/docs-json): the operation of the
 * method and route, the status among its documented ones, the content type, the body against the
 * schema (ajv, after turning OpenAPI 3.0's `nullable` into JSON Schema) and the required headers.
 * startTestApp() runs it on every response, so the document cannot drift from what the API does.
 */

export interface ObservedResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

type Json = Record<string, unknown>;
interface MediaObject {
  schema?: Json;
  example?: unknown;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaObject>;
  headers?: Record<string, Json>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; headers?: Record<string, Json> };
}

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
  operations: Record<string, Operation>;
}

const SCHEMA_REF = '#/components/schemas/';
const COMPONENTS_ID = 'components';
/** Served by Swagger itself (UI, its assets, the document); not operations of the API. */
const DOCS_PATHS = /^\/api\/docs(?:-json|-yaml|\/.*)?$/;
/** OpenAPI keywords that are not JSON Schema, and carry no rule. */
const ANNOTATIONS = new Set(['example', 'xml', 'externalDocs', 'discriminator']);
const CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const mapValues = (object: Json, map: (value: unknown) => unknown): Json =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));

/** An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a `null` type, refs point at the components. */
export function toJsonSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || ANNOTATIONS.has(key)) continue;
    if (key === '$ref') out.$ref = String(value).replace(SCHEMA_REF, `${COMPONENTS_ID}#/definitions/`);
    else if (key === 'properties' || key === 'patternProperties') out[key] = mapValues(value as Json, toJsonSchema);
    else if (key === 'items' || key === 'additionalProperties' || key === 'not') out[key] = toJsonSchema(value);
    else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') out[key] = (value as unknown[]).map(toJsonSchema);
    else out[key] = value;
  }
  if (schema.nullable !== true) return out;
  const composite = ['$ref', 'allOf', 'anyOf', 'oneOf'].some((key) => key in out);
  if (typeof out.type === 'string' && !composite) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function routeOf(template: string, operations: Record<string, Operation>): Route {
  const parts = template.split(/(\{[^}]+\})/);
  const source = parts
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return {
    template,
    pattern: new RegExp(`^${source}$`),
    params: parts.filter((p) => p.startsWith('{')).length,
    operations,
  };
}

const mediaTypeOf = (header: unknown) =>
  String(Array.isArray(header) ? header[0] : (header ?? ''))
    .split(';')[0]
    .trim()
    .toLowerCase();

export class OpenApiChecker {
  private readonly ajv: Ajv;
  /** Static segments win over parameters (`/calls/active` before `/calls/{id}`), as in the router. */
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  /**
   * `genericPrefixes`: paths of routes that are not the product's (test-only modules); their
   * responses are checked against the generic success and error envelopes.
   */
  constructor(
    readonly document: OpenApiDoc,
    private readonly genericPrefixes: readonly string[] = [],
  ) {
    this.ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, strictTypes: false });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, definitions: mapValues(document.components.schemas, toJsonSchema) });
    this.routes = Object.entries(document.paths)
      .map(([template, operations]) => routeOf(template, operations))
      .sort((a, b) => a.params - b.params);
  }

  /** The documented route template of a request path (without its query), if any. */
  templateOf(method: string, url: string): string | undefined {
    const path = url.split('?')[0];
    return this.routes.find((r) => r.pattern.test(path) && r.operations[method.toLowerCase()])?.template;
  }

  /** What is wrong with this response by the document; empty when nothing is. */
  problems(response: ObservedResponse): string[] {
    const requestId = response.headers['x-request-id'] ? [] : ['the X-Request-Id header is missing'];
    return [...requestId, ...this.routeProblems(response)];
  }

  private routeProblems(response: ObservedResponse): string[] {
    const path = response.url.split('?')[0];
    const method = response.method.toLowerCase();
    if (DOCS_PATHS.test(path) && response.status < 400) return [];
    if (this.genericPrefixes.some((prefix) => path.startsWith(prefix))) return this.genericProblems(response);
    const template = this.templateOf(method, path);
    if (!template) return this.unknownRouteProblems(response);
    const operation = this.document.paths[template][method];
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      return [
        `status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`,
      ];
    }
    return [
      ...this.headerProblems(documented, response),
      ...this.bodyProblems(`${method} ${template} ${response.status}`, documented, response),
    ];
  }

  /** Throws with the route, the status, what is wrong and the body, unless the response is as documented. */
  assertDocumented(response: ObservedResponse): void {
    const problems = this.problems(response);
    if (problems.length === 0) return;
    const path = response.url.split('?')[0];
    const route = this.templateOf(response.method, path) ?? `${path} (not in the document)`;
    throw new Error(
      `${response.method.toUpperCase()} ${route} answered ${response.status}, which the OpenAPI document does not describe:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\n  body: ${response.text.slice(0, 2000)}`,
    );
  }

  /** Validates a value against a schema of the document (for examples and tests of the checker). */
  validate(key: string, schema: unknown, value: unknown): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Json);
      this.validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      return `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${extra}`;
    });
  }

  /** A path or method the API does not have: the error envelope with the status's errorCode. */
  private unknownRouteProblems(response: ObservedResponse): string[] {
    if (response.status < 400) return [`status ${response.status} for a route that is not in the document`];
    return this.genericProblems(response);
  }

  /** Any success in the success envelope, any error in the error envelope with the status's errorCode. */
  private genericProblems(response: ObservedResponse): string[] {
    if (response.status < 400) {
      return this.jsonProblems('generic success', { $ref: `${SCHEMA_REF}SuccessEnvelopeDto` }, response.text);
    }
    const code = CODE_OF_STATUS.get(response.status);
    const schema = {
      allOf: [
        { $ref: `${SCHEMA_REF}ErrorEnvelopeDto` },
        ...(code ? [{ type: 'object', properties: { errorCode: { enum: [code] } } }] : []),
      ],
    };
    return this.jsonProblems(`generic ${response.status}`, schema, response.text);
  }

  private headerProblems(documented: ResponseObject, response: ObservedResponse): string[] {
    return Object.entries(documented.headers ?? {})
      .filter(([name, header]) => this.resolveHeader(header).required === true && !response.headers[name.toLowerCase()])
      .map(([name]) => `the documented header ${name} is missing`);
  }

  private resolveHeader(header: Json): Json {
    const ref = typeof header.$ref === 'string' ? header.$ref.replace('#/components/headers/', '') : undefined;
    return ref ? (this.document.components.headers?.[ref] ?? {}) : header;
  }

  private bodyProblems(key: string, documented: ResponseObject, response: ObservedResponse): string[] {
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) return response.text === '' ? [] : ['a body where none is documented'];
    const mediaType = mediaTypeOf(response.headers['content-type']);
    const media = content[mediaType];
    if (!media)
      return [`content type "${mediaType}" is not documented (documented: ${Object.keys(content).join(', ')})`];
    if (!media.schema) return [];
    // Other media types (Prometheus text) are documented as strings: the content type is what can be checked.
    if (mediaType !== 'application/json') return [];
    return this.jsonProblems(`${key} ${mediaType}`, media.schema, response.text);
  }

  private jsonProblems(key: string, schema: unknown, text: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return ['the body is not JSON'];
    }
    return this.validate(key, schema, body);
  }
}
