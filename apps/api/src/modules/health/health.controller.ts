import { Controller, Get, Headers, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, Public, RateLimit, RawResponse, ResponseMessage, successEnvelope } from '@app/common';
import { FastifyReply } from 'fastify';
import { MetricsService } from '../../core/metrics/metrics.service';
import { HealthService } from './health.service';
import { CheckResult, HealthStatus } from './health.types';

interface HealthBody {
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
function sendHealth(reply: FastifyReply, status: HealthStatus, data: unknown, what: string): HealthBody {
  const body: HealthBody = { success: status !== 'unhealthy', status, timestamp: new Date().toISOString(), data };
  if (status === 'unhealthy') {
    void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { ...body, message: `${what} is unhealthy`, errorCode: ErrorCode.SERVICE_UNAVAILABLE };
  }
  return body;
}

const HEALTH_EXAMPLE = {
  success: true,
  status: 'healthy',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: { status: 'healthy', responseTime: 3, data: {} },
};

/** Probes and reports for load balancers, orchestrators and operators. Public and never rate limited. */
@ApiTags('Health')
@Public()
@RateLimit(false)
@ApiServiceUnavailableResponse({ description: 'The check is unhealthy (errorCode SERVICE_UNAVAILABLE)' })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  @RawResponse()
  @ApiOperation({ summary: 'Comprehensive health check: database, memory, cpu, disk, external, dependencies' })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        status: 'healthy',
        timestamp: '2026-01-01T00:00:00.000Z',
        data: {
          status: 'healthy',
          uptime: 3600000,
          checks: { database: { status: 'healthy', responseTime: 15 }, memory: { status: 'healthy', data: {} } },
          summary: { total: 6, healthy: 6, unhealthy: 0, warning: 0 },
        },
      },
    },
  })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    const report = await this.health.report();
    return sendHealth(reply, report.status, report, 'The API');
  }

  @Get('live')
  @RawResponse()
  @ApiOperation({ summary: 'Liveness probe: 200 while the process runs' })
  live(@Res({ passthrough: true }) reply: FastifyReply): HealthBody {
    return sendHealth(reply, 'healthy', { status: 'alive', uptime: this.health.uptimeMs }, 'The process');
  }

  @Get('ready')
  @RawResponse()
  @ApiOperation({ summary: 'Readiness probe: 200 when the database answers, 503 while it does not' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    const database = await this.health.database();
    const ready = database.status !== 'unhealthy';
    return sendHealth(reply, database.status, { ready, checks: { database } }, 'The database');
  }

  @Get('database')
  @RawResponse()
  @ApiOperation({ summary: 'Database ping and response time' })
  @ApiOkResponse({ schema: { example: HEALTH_EXAMPLE } })
  database(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'The database', this.health.database());
  }

  @Get('memory')
  @RawResponse()
  @ApiOperation({ summary: 'Process and system memory' })
  memory(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'Memory', this.health.memory());
  }

  @Get('cpu')
  @RawResponse()
  @ApiOperation({ summary: 'Load average per core and the process CPU share' })
  cpu(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'CPU', this.health.cpu());
  }

  @Get('disk')
  @RawResponse()
  @ApiOperation({ summary: 'Free space where DATA_DIR lives' })
  disk(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'Disk', this.health.disk());
  }

  @Get('external')
  @RawResponse()
  @ApiOperation({ summary: 'Agora configured, SMTP reachable (if set), Redis answering (if set)' })
  external(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'An external service', this.health.external());
  }

  @Get('dependencies')
  @RawResponse()
  @ApiOperation({ summary: 'Node and package versions, and the services the API needs' })
  dependencies(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.single(reply, 'A required dependency', this.health.dependencies());
  }

  @Get('info')
  @ResponseMessage('Application info retrieved')
  @ApiOperation({ summary: 'Name, version, environment and start time' })
  info(): Record<string, unknown> {
    return this.health.info();
  }

  @Get('system')
  @ResponseMessage('System info retrieved')
  @ApiOperation({ summary: 'Operating system, CPUs and memory of the host' })
  system(): Record<string, unknown> {
    return this.health.system();
  }

  @Get('uptime')
  @ResponseMessage('Uptime retrieved')
  @ApiOperation({ summary: 'Process uptime in milliseconds and in words' })
  uptime(): Record<string, unknown> {
    return this.health.uptime();
  }

  @Get('version')
  @ResponseMessage('Version retrieved')
  @ApiOperation({ summary: 'API, Node and framework versions' })
  version(): Record<string, unknown> {
    return this.health.version();
  }

  @Get('metrics')
  @RawResponse()
  @ApiOperation({
    summary: 'Metrics: JSON in the envelope, or Prometheus text format with `Accept: text/plain`',
  })
  @ApiProduces('application/json', 'text/plain')
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

  private async single(reply: FastifyReply, what: string, check: Promise<CheckResult>): Promise<HealthBody> {
    const result = await check;
    return sendHealth(reply, result.status, result, what);
  }
}
