import { IncomingMessage } from 'node:http';
import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCors, { FastifyCorsOptions } from '@fastify/cors';
import { InputValidationPipe } from '@app/common';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './core/config/app-config';
import { sendError } from './core/http/all-exceptions.filter';
import { MAX_PATH_PARAM_LENGTH } from './core/http/error-response';
import { useJsonBodyParser } from './core/http/json-body';
import { requestIdFor } from './core/http/request-id';
import { securityHeaders } from './core/http/security-headers';
import { deferredRequestLogger, PinoNestLogger, RequestLogController } from './core/logging/logger';
import { MetricsService } from './core/metrics/metrics.service';
import { answerLivenessEarly, HealthController } from './modules/health';
import { RealtimeIoAdapter } from './modules/realtime';
import { setupSwagger } from './core/swagger/swagger';
import { PACKAGE } from './version';

/** A hop count becomes proxy-addr's "trust the nearest n hops" function. */
function trustProxyOption(
  trust: AppConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export function createFastifyAdapter(config: AppConfig, logger: Logger): FastifyAdapter {
  const headers = securityHeaders(config.servedOverHttps);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController(),
    childLoggerFactory: deferredRequestLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router answers a malformed URL or an over-long path parameter before any hook or Nest
    // filter runs: the same headers and the same envelope as every other error.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.headers(headers).header('x-request-id', request.id);
      sendError(error, request, reply, config.bodyLimit);
    },
  });
  // A connection busy when the app starts closing would be kept alive after its answer and hold
  // the close until its keep-alive timeout (server.close() ends idle connections only): answers
  // sent while closing close their connection.
  let closing = false;
  adapter.getInstance().addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // onSend, not onRequest: the CORS hook (@fastify/cors, see configureApp) answers preflights in
  // onRequest, and those answers must carry the same headers too.
  adapter.getInstance().addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(headers).header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  return adapter;
}

/**
 * Everything between "the Nest app exists" and "it may listen": the same wiring for `main.ts`
 * and for the e2e tests.
 */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);

  // JSON only: every other body type is answered with 415.
  fastify.removeContentTypeParser(['text/plain']);
  useJsonBodyParser(fastify, config.bodyMaxDepth);

  fastify.addHook('onResponse', (request, reply, done) => {
    const seconds = reply.elapsedTime / 1000;
    metrics.observeRequest(request.method, routeOf(request), reply.statusCode, seconds);
    done();
  });

  // @fastify/cors registered directly rather than through `app.enableCors()`: Nest's hook also
  // copies the CORS headers onto the Node response (for responses that Nest middleware ends; this
  // app has none), and a header set there sends every header of every answer through Node's slow
  // path (setHeader and its checks, one by one) when Fastify writes the head.
  void fastify.register(fastifyCors, corsOptions(config));
  answerLivenessEarly(fastify, app.get(HealthController));
  app.useWebSocketAdapter(new RealtimeIoAdapter(app, config));
  app.setGlobalPrefix('api');
  app.useGlobalPipes(new InputValidationPipe());
  if (config.swagger.enabled) setupSwagger(app, PACKAGE.version);
}

function corsOptions(config: AppConfig): FastifyCorsOptions {
  return {
    origin: (origin, callback) => callback(null, !origin || config.cors.origins.includes(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
    maxAge: 600,
    // An OPTIONS request without Access-Control-Request-Method is answered like a preflight
    // (204) instead of a plain-text 400 outside the envelope.
    strictPreflight: false,
  };
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** Creates the app, wired and initialised but not yet listening. */
export async function buildApp(
  config: AppConfig,
  logger: Logger,
  extraModules: Type[] = [],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger, extraModules),
    createFastifyAdapter(config, logger),
    { logger: new PinoNestLogger(logger), bodyParser: false, abortOnError: false },
  );
  await configureApp(app, config);
  await app.init();
  return app;
}
