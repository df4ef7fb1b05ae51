import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import mongoose, { Connection } from 'mongoose';
import { buildApp } from '../../apps/api/src/configure-app';
import { AppConfig, loadConfig } from '../../apps/api/src/core/config/app-config';
import { createLogger } from '../../apps/api/src/core/logging/logger';
import { OpenApiChecker, OpenApiDoc } from './openapi';
import { checkQueryShapes, ignoreQueries } from './query-shapes';

export const ROOT = join(__dirname, '..', '..');

/** `.env.example` is the base of every test's configuration, so it can never drift from the code. */
export function exampleEnv(): Record<string, string> {
  return parseEnv(readFileSync(join(ROOT, '.env.example'), 'utf8')) as Record<string, string>;
}

export function uniqueName(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A database of its own for one test file, on the run's shared embedded database. */
export function testDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is set by the e2e global setup');
  return `${base.replace(/\/?$/, '/')}${uniqueName('vc')}`;
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...exampleEnv(),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'vc-app-')),
    MONGODB_URI: testDatabaseUri(),
    ...overrides,
  };
}

export interface InjectOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body sent as is (for malformed JSON and other content types). */
  payload?: string | Buffer;
  remoteAddress?: string;
  /**
   * Why this response cannot be checked against the OpenAPI document. Only for requests that
   * deliberately provoke what no API document describes (raw framework edge cases); every other
   * response must be as documented.
   */
  unchecked?: string;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  body: any;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Sends a request through the whole HTTP pipeline; fails unless the response is as the OpenAPI document says. */
  request(options: InjectOptions): Promise<TestResponse>;
  /** The app's OpenAPI document, read once and compiled for checking. */
  openapi(): Promise<OpenApiChecker>;
  /** A direct connection to the app's database, for arranging and checking stored state; closed by close(). */
  db(): Promise<Connection>;
  close(): Promise<void>;
}

export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Every domain event the app publishes from now on (whose name starts with `prefix`), in order. */
export function recordEvents(t: TestApp, prefix = ''): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  t.app.get(EventEmitter2).onAny((name: string | string[], payload: Record<string, unknown>) => {
    if (String(name).startsWith(prefix)) events.push({ name: String(name), payload });
  });
  return events;
}

/**
 * One app (and database) for a test file or `describe` block: started before its tests, closed
 * after them. Call it where the block's state is declared: `const t = useTestApp({ env })`.
 */
export function useTestApp(options: { env?: Record<string, string>; modules?: Type[] } = {}): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): TestApp => {
    if (!started) throw new Error('The test app starts in beforeAll: use it inside hooks and tests');
    return started;
  };
  return {
    get app() {
      return current().app;
    },
    get config() {
      return current().config;
    },
    request: (request) => current().request(request),
    openapi: () => current().openapi(),
    db: () => current().db(),
    close: () => current().close(),
  };
}

/**
 * The real app, wired by the same buildApp() as main.ts, on its own database of the embedded
 * database. Requests go through Fastify's inject: the whole HTTP pipeline, without a port.
 */
export async function startTestApp(options: { env?: Record<string, string>; modules?: Type[] } = {}): Promise<TestApp> {
  const config = loadConfig(testEnv(options.env));
  const app = await buildApp(config, createLogger(config), options.modules ?? []);
  let connection: Promise<Connection> | undefined;
  let checker: Promise<OpenApiChecker> | undefined;
  const openapi = () =>
    (checker ??= app
      .inject({ url: '/api/docs-json' })
      .then((response) => new OpenApiChecker(JSON.parse(response.body) as OpenApiDoc, pathsOf(options.modules ?? []))));
  return {
    app,
    config,
    openapi,
    request: async ({ method = 'GET', url, headers = {}, body, payload, remoteAddress, unchecked }) => {
      const response = await app.inject({
        method,
        url,
        headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
        payload: payload ?? (body !== undefined ? JSON.stringify(body) : undefined),
        remoteAddress,
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(response.body);
      } catch {
        parsed = undefined;
      }
      const result = { status: response.statusCode, headers: response.headers, text: response.body, body: parsed };
      if (!unchecked) (await openapi()).assertDocumented({ method, url, ...result });
      return result;
    },
    db: () => (connection ??= ignoreQueries(mongoose.createConnection(config.database.uri!)).asPromise()),
    close: async () => {
      if (connection) await (await connection).close();
      await app.close();
      checkQueryShapes();
    },
  };
}

/** The route prefixes of test-only modules: not the product's, so only the generic envelopes apply to them. */
function pathsOf(modules: Type[]): string[] {
  return modules.flatMap((module) =>
    ((Reflect.getMetadata('controllers', module) ?? []) as Type[]).map(
      (controller) => `/api/${String(Reflect.getMetadata(PATH_METADATA, controller)).replace(/^\/|\/$/g, '')}/`,
    ),
  );
}

/** A random client address, so rate-limit counters of different tests never meet. */
export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}
