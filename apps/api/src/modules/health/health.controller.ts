import { Controller, Get, Headers, HttpStatus, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, Public, RateLimit, RawResponse, ResponseMessage, successEnvelope } from '@app/common';
import { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import { hooksOf } from '../../core/http/route-hooks';
import { MetricsService } from '../../core/metrics/metrics.service';
import { ApiSuccess, MEDIA_JSON, objectOf, successEnvelopeSchema } from '../../core/swagger/api-responses';
import {
  ApiHealth,
  AppInfoDto,
  CpuCheckDto,
  DatabaseCheckDto,
  DependenciesCheckDto,
  DiskCheckDto,
  ExternalCheckDto,
  HealthReportDto,
  LivenessDto,
  MemoryCheckDto,
  METRIC_SCHEMA,
  ReadinessDto,
  SystemInfoDto,
  UptimeDto,
  VersionDto,
} from './dto/health.response';
import { HealthAccess, HealthAccessGuard, SeesDetails } from './health-access.guard';
import { HealthService } from './health.service';
import { CheckName, CheckResult, HealthStatus } from './health.types';
import { checkSummary, reportSummary, versionSummary } from './health.views';

export interface HealthBody {
  success: boolean;
  status: HealthStatus;
  message?: string;
  errorCode?: ErrorCode;
  timestamp: string;
  data: unknown;
}

/**
 * The spec's health shape: `{ success, status: "healthy" | "warning" | "unhealthy", timestamp, data }`.
 * Unhealthy answers are 503 and also carry `message` and `errorCode: SERVICE_UNAVAILABLE`.
 */
export function sendHealth(reply: FastifyReply, status: HealthStatus, data: unknown, what: string): HealthBody {
  const body: HealthBody = { success: status !== 'unhealthy', status, timestamp: new Date().toISOString(), data };
  if (status === 'unhealthy') {
    void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { ...body, message: `${what} is unhealthy`, errorCode: ErrorCode.SERVICE_UNAVAILABLE };
  }
  return body;
}

/**
 * Probes and reports for load balancers, orchestrators and operators. Never rate limited. Every
 * route is `@Public()` as the spec lists them (probes carry no token); HealthAccessGuard narrows
 * the detailed ones when HEALTH_DETAILS=admin (the levels: health-access.guard.ts).
 */
@ApiTags('Health')
@Public()
@RateLimit(false)
@UseGuards(HealthAccessGuard)
@Controller('health')
export class HealthController {
  /** The last millisecond `liveJson` answered in, and its ISO form: probes come many a millisecond. */
  private stampedAt = 0;
  private stamp = '';

  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  @RawResponse()
  @HealthAccess('summary')
  @ApiOperation({ summary: 'Comprehensive health check: database, memory, cpu, disk, external, dependencies' })
  @ApiHealth(HealthReportDto)
  async check(@Res({ passthrough: true }) reply: FastifyReply, @SeesDetails() details: boolean): Promise<HealthBody> {
    const report = await this.health.report();
    return sendHealth(reply, report.status, details ? report : reportSummary(report), 'The API');
  }

  @Get('live')
  @RawResponse()
  @HealthAccess('probe')
  @ApiOperation({ summary: 'Liveness probe: 200 while the process runs' })
  @ApiHealth(LivenessDto, { canFail: false })
  live(@Res({ passthrough: true }) reply: FastifyReply): HealthBody {
    return sendHealth(reply, 'healthy', { status: 'alive', uptime: this.health.uptimeMs }, 'The process');
  }

  /**
   * `live`'s body as JSON text, the same members in the same order, written without building and
   * serializing an object: probes and load balancers call it thousands of times a second.
   */
  liveJson(): string {
    const now = Date.now();
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = new Date(now).toISOString();
    }
    return `{"success":true,"status":"healthy","timestamp":"${this.stamp}","data":{"status":"alive","uptime":${this.health.uptimeMs}}}`;
  }

  @Get('ready')
  @RawResponse()
  @HealthAccess('summary')
  @ApiOperation({ summary: 'Readiness probe: 200 when the database answers, 503 while it does not' })
  @ApiHealth(ReadinessDto)
  async ready(@Res({ passthrough: true }) reply: FastifyReply, @SeesDetails() details: boolean): Promise<HealthBody> {
    const database = await this.health.database();
    const ready = database.status !== 'unhealthy';
    const shown = details ? database : checkSummary('database', database);
    return sendHealth(reply, database.status, { ready, checks: { database: shown } }, 'The database');
  }

  @Get('database')
  @RawResponse()
  @HealthAccess('summary')
  @ApiOperation({ summary: 'Database ping and response time' })
  @ApiHealth(DatabaseCheckDto)
  database(@Res({ passthrough: true }) reply: FastifyReply, @SeesDetails() details: boolean): Promise<HealthBody> {
    return this.single(reply, 'The database', this.health.database(), details ? undefined : 'database');
  }

  @Get('memory')
  @RawResponse()
  @HealthAccess('probe')
  @ApiOperation({ summary: 'Process and system memory' })
  @ApiHealth(MemoryCheckDto)
  memory(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'Memory', this.health.memory());
  }

  @Get('cpu')
  @RawResponse()
  @HealthAccess('probe')
  @ApiOperation({ summary: 'Load average per core and the process CPU share' })
  @ApiHealth(CpuCheckDto)
  cpu(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'CPU', this.health.cpu());
  }

  @Get('disk')
  @RawResponse()
  @HealthAccess('details')
  @ApiOperation({ summary: 'Free space where DATA_DIR lives' })
  @ApiHealth(DiskCheckDto)
  disk(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'Disk', this.health.disk());
  }

  @Get('external')
  @RawResponse()
  @HealthAccess('summary')
  @ApiOperation({ summary: 'Agora configured, SMTP reachable (if set), Redis answering (if set)' })
  @ApiHealth(ExternalCheckDto)
  external(@Res({ passthrough: true }) reply: FastifyReply, @SeesDetails() details: boolean): Promise<HealthBody> {
    return this.single(reply, 'An external service', this.health.external(), details ? undefined : 'external');
  }

  @Get('dependencies')
  @RawResponse()
  @HealthAccess('details')
  @ApiOperation({ summary: 'Node and package versions, and the services the API needs' })
  @ApiHealth(DependenciesCheckDto)
  dependencies(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'A required dependency', this.health.dependencies());
  }

  @Get('info')
  @HealthAccess('details')
  @ResponseMessage('Application info retrieved')
  @ApiOperation({ summary: 'Name, version, environment and start time' })
  @ApiSuccess(HttpStatus.OK, AppInfoDto)
  info(): Record<string, unknown> {
    return this.health.info();
  }

  @Get('system')
  @HealthAccess('details')
  @ResponseMessage('System info retrieved')
  @ApiOperation({ summary: 'Operating system, CPUs and memory of the host' })
  @ApiSuccess(HttpStatus.OK, SystemInfoDto)
  system(): Record<string, unknown> {
    return this.health.system();
  }

  @Get('uptime')
  @HealthAccess('probe')
  @ResponseMessage('Uptime retrieved')
  @ApiOperation({ summary: 'Process uptime in milliseconds and in words' })
  @ApiSuccess(HttpStatus.OK, UptimeDto)
  uptime(): Record<string, unknown> {
    return this.health.uptime();
  }

  @Get('version')
  @HealthAccess('summary')
  @ResponseMessage('Version retrieved')
  @ApiOperation({ summary: 'API version; Node and framework versions where details are shown' })
  @ApiSuccess(HttpStatus.OK, VersionDto)
  version(@SeesDetails() details: boolean): Record<string, unknown> {
    const version = this.health.version();
    return details ? version : versionSummary(version);
  }

  @Get('metrics')
  @RawResponse()
  @HealthAccess('metrics')
  @ApiOperation({
    summary: 'Metrics: JSON in the envelope, or Prometheus text format with `Accept: text/plain`',
  })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'JSON in the success envelope, or the Prometheus text format for `Accept: text/plain`',
    content: {
      [MEDIA_JSON]: {
        schema: successEnvelopeSchema(objectOf({ metrics: { type: 'array', items: METRIC_SCHEMA } })),
      },
      'text/plain': { schema: { type: 'string', example: '# HELP http_requests_total …' } },
    },
  })
  async metricsReport(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    if (accept && /\btext\/plain\b/.test(accept) && !/\bapplication\/json\b/.test(accept)) {
      void reply.type(this.metrics.registry.contentType);
      return this.metrics.registry.metrics();
    }
    return successEnvelope('Metrics retrieved', { metrics: await this.metrics.registry.getMetricsAsJSON() });
  }

  /** `summaryOf`: the check whose summary view to answer instead of the full result. */
  private async single(
    reply: FastifyReply,
    what: string,
    check: Promise<CheckResult>,
    summaryOf?: CheckName,
  ): Promise<HealthBody> {
    const result = await check;
    return sendHealth(reply, result.status, summaryOf ? checkSummary(summaryOf, result) : result, what);
  }
}

/** The liveness probe's route, as Nest registers the controller's `live` handler. */
export const LIVENESS_ROUTE = '/api/health/live';

/**
 * Answers `GET /api/health/live` in a `preHandler` hook of that route alone with the controller's
 * `liveJson` (the `live` handler's body, as text), before Nest's guards and interceptors: the
 * probe is public, never rate limited and builds its own body, so the pipeline has nothing to
 * decide, and the probe answers even while a guard waits on something slow. Fastify's hooks still
 * run: the request id, the security and CORS headers (`onSend`) and the request metrics
 * (`onResponse`). The route stays declared on the controller, so it is documented and listed like
 * any other. Call it before the routes are registered (Nest registers them in `app.init()`).
 */
export function answerLivenessEarly(fastify: FastifyInstance, controller: HealthController): void {
  const answer: preHandlerHookHandler = (_request, reply, _done) => {
    void reply.type('application/json; charset=utf-8').send(controller.liveJson());
  };
  fastify.addHook('onRoute', (route) => {
    if (route.url === LIVENESS_ROUTE && [route.method].flat().includes('GET'))
      route.preHandler = [...hooksOf(route.preHandler), answer];
  });
}
