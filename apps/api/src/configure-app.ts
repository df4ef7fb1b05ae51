import { IncomingMessage } from 'node:http';
import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { InputValidationPipe } from '@app/common';
import { FastifyError, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './core/config/app-config';
import { sendError } from './core/http/all-exceptions.filter';
import { MAX_PATH_PARAM_LENGTH } from './core/http/error-response';
import { useJsonBodyParser } from './core/http/json-body';
import { requestIdFor } from './core/http/request-id';
import { ResponseHeaders } from './core/http/response-headers';
import { hooksOf } from './core/http/route-hooks';
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

export function createFastifyAdapter(config: AppConfig, logger: Logger, headers: ResponseHeaders): FastifyAdapter {
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
      void reply.headers(headers.for(request.headers.origin)).header('x-request-id', request.id);
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
  // Every answer's headers, CORS included, in the one hook that runs for every answer (errors,
  // 404s and preflights too). A CORS plugin's onRequest hook resolved the origin and set each
  // header on every request; here it is one lookup (core/http/response-headers.ts).
  adapter.getInstance().addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(headers.for(request.headers.origin)).header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  return adapter;
}

/**
 * Everything between "the Nest app exists" and "it may listen": the same wiring for `main.ts`
 * and for the e2e tests.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
  headers: ResponseHeaders,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);

  // JSON only: every other body type is answered with 415.
  fastify.removeContentTypeParser(['text/plain']);
  useJsonBodyParser(fastify, config.bodyMaxDepth);

  // Request durations by route: each route gets a hook of its own that knows its path (asking a
  // request for its route builds Fastify's whole route options object), and the one global hook
  // counts only the requests no route matched.
  fastify.addHook('onRoute', (route) => {
    const url = route.url;
    const observe: onResponseHookHandler = (request, reply, done) => {
      metrics.observeRequest(request.method, url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...hooksOf(route.onResponse), observe];
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) metrics.observeRequest(request.method, 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  answerLivenessEarly(fastify, app.get(HealthController));

  // Preflights, with or without Access-Control-Request-Method (never a plain-text 400): 204 for
  // an allowed origin, 404 in the envelope for a refused one. A route of Fastify's, outside Nest's
  // guards and rate limits, which a browser's preflight (no Authorization header) must not meet.
  fastify.options('*', (request, reply) => {
    if (!headers.allows(request.headers.origin)) return reply.callNotFound();
    return reply.code(204).headers(headers.preflight).send();
  });
  app.useWebSocketAdapter(new RealtimeIoAdapter(app, config));
  app.setGlobalPrefix('api');
  app.useGlobalPipes(new InputValidationPipe());
  if (config.swagger.enabled) setupSwagger(app, PACKAGE.version);
}

/** Creates the app, wired and initialised but not yet listening. */
export async function buildApp(
  config: AppConfig,
  logger: Logger,
  extraModules: Type[] = [],
): Promise<NestFastifyApplication> {
  const headers = new ResponseHeaders(config.cors.origins, config.servedOverHttps);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger, extraModules),
    createFastifyAdapter(config, logger, headers),
    { logger: new PinoNestLogger(logger), bodyParser: false, abortOnError: false },
  );
  await configureApp(app, config, headers);
  await app.init();
  return app;
}
