import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
  SchemaObject,
} from '@nestjs/swagger';
import { ErrorCode } from '@app/common';
import { MEDIA_JSON } from '../../../core/swagger/api-responses';
import { HealthStatus } from '../health.types';

/**
 * Response shapes of the health routes for the OpenAPI document. They keep the spec's own body
 * (`{ success, status: healthy | warning | unhealthy, timestamp, data }`), not the envelope.
 * Fields marked "details only" are left out for anonymous callers when HEALTH_DETAILS=admin
 * (health.views.ts).
 */

const HEALTH_STATUSES: HealthStatus[] = ['healthy', 'warning', 'unhealthy'];
const DETAILS_ONLY = 'Details only (left out for anonymous callers when HEALTH_DETAILS=admin)';
const NUMBER = { type: 'number' } as const;
const INTEGER = { type: 'integer' } as const;

export class DatabaseCheckDataDto {
  @ApiProperty({ enum: ['embedded', 'mongodb'], example: 'embedded' }) kind!: string;
  @ApiPropertyOptional({ example: 'video-call', description: `The database name. ${DETAILS_ONLY}` }) name?: string;
  @ApiProperty({ enum: ['disconnected', 'connected', 'connecting', 'disconnecting', 'unknown'], example: 'connected' })
  state!: string;
}

export class DatabaseCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status!: HealthStatus;
  @ApiProperty({ ...INTEGER, example: 3, description: 'Ping time in milliseconds' }) responseTime!: number;
  @ApiPropertyOptional({ example: 'The database does not answer', description: 'Only when unhealthy' })
  message?: string;
  @ApiProperty({ type: () => DatabaseCheckDataDto }) data!: DatabaseCheckDataDto;
}

export class MemoryDataDto {
  @ApiProperty({ ...NUMBER, example: 120.5 }) rssMb!: number;
  @ApiProperty({ ...NUMBER, example: 60.2 }) heapUsedMb!: number;
  @ApiProperty({ ...NUMBER, example: 80.1 }) heapTotalMb!: number;
  @ApiProperty({ ...NUMBER, example: 4144 }) heapLimitMb!: number;
  @ApiProperty({ ...NUMBER, example: 1.5 }) heapUsedPercent!: number;
  @ApiProperty({ ...NUMBER, example: 3.2 }) externalMb!: number;
  @ApiProperty({ ...NUMBER, example: 7963.4 }) systemTotalMb!: number;
  @ApiProperty({ ...NUMBER, example: 2048.7 }) systemFreeMb!: number;
}

export class MemoryCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy', description: 'By the share of the heap limit in use' })
  status!: HealthStatus;
  @ApiProperty({ type: () => MemoryDataDto }) data!: MemoryDataDto;
}

export class CpuDataDto {
  @ApiProperty({ ...INTEGER, example: 2 }) cores!: number;
  @ApiProperty({ type: [Number], example: [0.5, 0.4, 0.3], description: '1, 5 and 15 minutes' }) loadAverage!: number[];
  @ApiProperty({ ...NUMBER, example: 0.25 }) loadPerCore!: number;
  @ApiProperty({ ...NUMBER, example: 1.2, description: 'CPU share of this process since the last check' })
  processPercent!: number;
}

export class CpuCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy', description: 'By the load average per core' })
  status!: HealthStatus;
  @ApiProperty({ type: () => CpuDataDto }) data!: CpuDataDto;
}

export class DiskDataDto {
  @ApiPropertyOptional({ example: './.data', description: `DATA_DIR. ${DETAILS_ONLY}` }) path?: string;
  @ApiProperty({ ...NUMBER, example: 50 }) totalGb!: number;
  @ApiProperty({ ...NUMBER, example: 20.5 }) freeGb!: number;
  @ApiProperty({ ...NUMBER, example: 59 }) usedPercent!: number;
}

export class DiskCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy', description: 'By the share of the disk in use' })
  status!: HealthStatus;
  @ApiPropertyOptional({ example: 'Disk space is unknown', description: 'Only when the free space cannot be read' })
  message?: string;
  @ApiPropertyOptional({ type: () => DiskDataDto, description: 'Absent when the free space cannot be read' })
  data?: DiskDataDto;
}

export class ServiceProbeDataDto {
  @ApiProperty({ example: true }) configured!: boolean;
  @ApiPropertyOptional({ example: 'smtp.example.com', description: `SMTP only. ${DETAILS_ONLY}` }) host?: string;
  @ApiPropertyOptional({ ...INTEGER, example: 587, description: `SMTP only. ${DETAILS_ONLY}` }) port?: number;
}

/** An optional service (SMTP, Redis): whether it is configured and, if so, whether it answers. */
export class ExternalServiceDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status!: HealthStatus;
  @ApiPropertyOptional({ example: false, description: 'Present (false) when the service is not configured' })
  configured?: boolean;
  @ApiPropertyOptional({
    example: 'outbox files under DATA_DIR/outbox',
    description: `SMTP without SMTP_URL: where mails go instead. ${DETAILS_ONLY}`,
  })
  transport?: string;
  @ApiPropertyOptional({ ...INTEGER, example: 12, description: 'Probe time in milliseconds, when configured' })
  responseTime?: number;
  @ApiPropertyOptional({ example: 'Redis does not answer', description: 'Only when it does not answer' })
  message?: string;
  @ApiPropertyOptional({ type: () => ServiceProbeDataDto, description: 'When configured' }) data?: ServiceProbeDataDto;
}

export class AgoraServiceDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status!: HealthStatus;
  @ApiProperty({ example: false, description: 'Whether AGORA_APP_ID and AGORA_APP_CERTIFICATE are set' })
  configured!: boolean;
}

export class MailServiceDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy', description: 'warning while the latest attempt failed' })
  status!: HealthStatus;
  @ApiProperty({ enum: ['smtp', 'outbox'], example: 'outbox' }) transport!: string;
  @ApiProperty({ ...INTEGER, example: 3, description: 'Mails sent since start' }) sent!: number;
  @ApiProperty({ ...INTEGER, example: 0, description: 'Mails that failed since start' }) failed!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-01-01T09:00:00.000Z' })
  lastSentAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null }) lastFailureAt!: string | null;
}

export class ExternalDataDto {
  @ApiProperty({ type: () => AgoraServiceDto }) agora!: AgoraServiceDto;
  @ApiProperty({ type: () => ExternalServiceDto }) smtp!: ExternalServiceDto;
  @ApiProperty({ type: () => ExternalServiceDto }) redis!: ExternalServiceDto;
  @ApiProperty({ type: () => MailServiceDto }) mail!: MailServiceDto;
}

export class ExternalCheckDto {
  @ApiProperty({
    enum: HEALTH_STATUSES,
    example: 'healthy',
    description: 'warning when a configured optional service does not answer or mail is failing',
  })
  status!: HealthStatus;
  @ApiProperty({ type: () => ExternalDataDto }) data!: ExternalDataDto;
}

export class RequiredServiceDto {
  @ApiProperty({ example: true }) required!: boolean;
  @ApiPropertyOptional({ example: false, description: 'Optional services: whether configured' }) configured?: boolean;
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status!: HealthStatus;
}

export class DependencyServicesDto {
  @ApiProperty({ type: () => RequiredServiceDto }) database!: RequiredServiceDto;
  @ApiProperty({ type: () => RequiredServiceDto }) redis!: RequiredServiceDto;
}

export class DependenciesDataDto {
  @ApiPropertyOptional({ example: 'v20.20.0', description: DETAILS_ONLY }) node?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { '@nestjs/core': '12.5.1', fastify: '5.8.0' },
    description: `Package versions. ${DETAILS_ONLY}`,
  })
  packages?: Record<string, string>;
  @ApiProperty({ type: () => DependencyServicesDto }) services!: DependencyServicesDto;
}

export class DependenciesCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy' }) status!: HealthStatus;
  @ApiPropertyOptional({ example: 'A required dependency is unhealthy' }) message?: string;
  @ApiProperty({ type: () => DependenciesDataDto }) data!: DependenciesDataDto;
}

export class HealthChecksDto {
  @ApiProperty({ type: () => DatabaseCheckDto }) database!: DatabaseCheckDto;
  @ApiProperty({ type: () => MemoryCheckDto }) memory!: MemoryCheckDto;
  @ApiProperty({ type: () => CpuCheckDto }) cpu!: CpuCheckDto;
  @ApiProperty({ type: () => DiskCheckDto }) disk!: DiskCheckDto;
  @ApiProperty({ type: () => ExternalCheckDto }) external!: ExternalCheckDto;
  @ApiProperty({ type: () => DependenciesCheckDto }) dependencies!: DependenciesCheckDto;
}

export class HealthSummaryDto {
  @ApiProperty({ ...INTEGER, example: 6 }) total!: number;
  @ApiProperty({ ...INTEGER, example: 6 }) healthy!: number;
  @ApiProperty({ ...INTEGER, example: 0 }) unhealthy!: number;
  @ApiProperty({ ...INTEGER, example: 0 }) warning!: number;
}

export class RealtimeFiguresDto {
  @ApiProperty({ ...INTEGER, example: 42, description: 'Socket.IO connections open on this instance' })
  connectedSockets!: number;
}

export class HealthReportDto {
  @ApiProperty({ enum: HEALTH_STATUSES, example: 'healthy', description: 'The worst of the checks' })
  status!: HealthStatus;
  @ApiProperty({ ...INTEGER, example: 3600000, description: 'Process uptime in milliseconds' }) uptime!: number;
  @ApiProperty({ type: () => HealthChecksDto }) checks!: HealthChecksDto;
  @ApiProperty({ type: () => HealthSummaryDto }) summary!: HealthSummaryDto;
  @ApiProperty({ type: () => RealtimeFiguresDto }) realtime!: RealtimeFiguresDto;
}

export class LivenessDto {
  @ApiProperty({ enum: ['alive'], example: 'alive' }) status!: string;
  @ApiProperty({ ...INTEGER, example: 3600000, description: 'Process uptime in milliseconds' }) uptime!: number;
}

export class ReadinessChecksDto {
  @ApiProperty({ type: () => DatabaseCheckDto }) database!: DatabaseCheckDto;
}

export class ReadinessDto {
  @ApiProperty({ example: true }) ready!: boolean;
  @ApiProperty({ type: () => ReadinessChecksDto }) checks!: ReadinessChecksDto;
}

/** `data` of the envelope routes (info, system, uptime, version). */
export class AppInfoDto {
  @ApiProperty({ example: 'video-call-api' }) name!: string;
  @ApiProperty({ example: 'Backend for video-calling apps' }) description!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ enum: ['development', 'production', 'test'], example: 'production' }) environment!: string;
  @ApiProperty({ example: 'v20.20.0' }) node!: string;
  @ApiProperty({ ...INTEGER, example: 4242 }) pid!: number;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' }) startedAt!: string;
  @ApiProperty({ ...INTEGER, example: 3600000, description: 'Milliseconds' }) uptime!: number;
  @ApiProperty({ enum: ['embedded', 'mongodb'], example: 'mongodb' }) database!: string;
  @ApiProperty({ example: '/api/docs' }) docs!: string;
}

export class SystemInfoDto {
  @ApiProperty({ example: 'linux' }) platform!: string;
  @ApiProperty({ example: 'x64' }) arch!: string;
  @ApiProperty({ example: '6.8.0' }) release!: string;
  @ApiProperty({ example: 'api-1' }) hostname!: string;
  @ApiProperty({ ...INTEGER, example: 2 }) cpus!: number;
  @ApiProperty({ example: 'Intel(R) Xeon(R) CPU' }) cpuModel!: string;
  @ApiProperty({ type: [Number], example: [0.5, 0.4, 0.3] }) loadAverage!: number[];
  @ApiProperty({ ...INTEGER, example: 7963 }) totalMemoryMb!: number;
  @ApiProperty({ ...INTEGER, example: 2048 }) freeMemoryMb!: number;
  @ApiProperty({ ...INTEGER, example: 86400 }) systemUptimeSeconds!: number;
  @ApiProperty({ example: 'v20.20.0' }) node!: string;
  @ApiProperty({ ...INTEGER, example: 4242 }) pid!: number;
}

export class UptimeDto {
  @ApiProperty({ ...INTEGER, example: 3723000, description: 'Milliseconds' }) uptime!: number;
  @ApiProperty({ ...INTEGER, example: 3723 }) uptimeSeconds!: number;
  @ApiProperty({ example: '1h 2m 3s' }) human!: string;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' }) startedAt!: string;
}

export class VersionDto {
  @ApiProperty({ example: 'video-call-api' }) name!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiPropertyOptional({ example: 'v20.20.0', description: DETAILS_ONLY }) node?: string;
  @ApiPropertyOptional({ example: '12.5.1', description: `The @nestjs/core version. ${DETAILS_ONLY}` }) nest?: string;
  @ApiProperty({ example: '/api' }) apiPrefix!: string;
}

/** prom-client's JSON form of one metric; its shape is the library's. */
export const METRIC_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'help', 'type', 'values'],
  additionalProperties: true,
  properties: {
    name: { type: 'string', example: 'http_requests_total' },
    help: { type: 'string', example: 'HTTP requests by method, route and status' },
    type: { type: 'string', example: 'counter' },
    aggregator: { type: 'string', example: 'sum' },
    values: {
      type: 'array',
      items: {
        type: 'object',
        required: ['value'],
        additionalProperties: true,
        properties: {
          value: {
            type: 'number',
            nullable: true,
            description: 'null when the metric has no sample (e.g. the event-loop delay mean of a window with none)',
          },
          labels: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
};

/** The spec's health body around `data`; `unhealthy` adds the error's message and code. */
function healthBody(data: Type<unknown>, unhealthy: boolean): SchemaObject {
  const properties: Record<string, SchemaObject> = {
    success: { type: 'boolean', enum: [!unhealthy] },
    status: { type: 'string', enum: unhealthy ? ['unhealthy'] : ['healthy', 'warning'] },
    timestamp: { type: 'string', format: 'date-time' },
    data: { $ref: getSchemaPath(data) } as SchemaObject,
  };
  if (unhealthy) {
    properties.message = { type: 'string', example: 'The database is unhealthy' };
    properties.errorCode = { type: 'string', enum: [ErrorCode.SERVICE_UNAVAILABLE] };
  }
  return {
    type: 'object',
    required: Object.keys(properties),
    additionalProperties: false,
    properties,
  };
}

/** 200 (healthy or warning) and, unless the route cannot fail, 503 (unhealthy), in the spec's health shape. */
export function ApiHealth(data: Type<unknown>, options: { canFail: boolean } = { canFail: true }): MethodDecorator {
  const responses = [
    ApiResponse({
      status: HttpStatus.OK,
      description: 'Healthy, or warning (degraded but serving)',
      content: { [MEDIA_JSON]: { schema: healthBody(data, false) } },
    }),
  ];
  if (options.canFail) {
    responses.push(
      ApiResponse({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        description: 'Unhealthy (errorCode SERVICE_UNAVAILABLE)',
        content: { [MEDIA_JSON]: { schema: healthBody(data, true) } },
      }),
    );
  }
  return applyDecorators(ApiExtraModels(data), ...responses);
}
