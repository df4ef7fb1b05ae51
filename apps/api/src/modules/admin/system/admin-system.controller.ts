import { Get, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AuthUser, CurrentUser, RawResponse, ResponseMessage } from '@app/common';
import { FastifyReply } from 'fastify';
import { ApiSuccess } from '../../../core/swagger/api-responses';
import { ApiHealth, HealthBody, HealthReportDto, HealthService, sendHealth } from '../../health';
import { AdminController, AdminOnly } from '../admin-route';
import { BackupService } from './backup/backup.service';
import { CleanupReport, CleanupService } from './cleanup/cleanup.service';
import { CleanupQuery, LogsQuery } from './dto/system.query';
import { BackupDto, CleanupReportDto, LogEntryDto, SystemStatsDto } from './dto/system.response';
import { LogEntry, LogsService } from './logs/logs.service';
import { SystemStats, SystemStatsService } from './stats/system-stats.service';

/** The spec's "System Management": stats, logs and health for staff; cleanup and backup for admins. */
@AdminController('system', 'Admin: system')
export class AdminSystemController {
  constructor(
    private readonly statsService: SystemStatsService,
    private readonly logsService: LogsService,
    private readonly cleanupService: CleanupService,
    private readonly backupService: BackupService,
    private readonly health: HealthService,
  ) {}

  @Get('stats')
  @ResponseMessage('System stats retrieved')
  @ApiOperation({
    summary: "This instance's process, memory and event-loop delay; the database's collections; sockets and rooms",
  })
  @ApiSuccess(HttpStatus.OK, SystemStatsDto)
  stats(): Promise<SystemStats> {
    return this.statsService.stats();
  }

  @Get('logs')
  @ResponseMessage('Logs retrieved')
  @ApiOperation({
    summary: 'Stored warnings, errors and audit records of admin writes, newest first',
    description:
      'The store keeps the newest 10,000 warnings and errors and the newest 50,000 audit records; older ones are dropped.',
  })
  @ApiSuccess(HttpStatus.OK, { logs: [LogEntryDto], count: { type: 'integer', example: 1 } })
  async logs(@Query() query: LogsQuery): Promise<{ logs: LogEntry[]; count: number }> {
    const logs = await this.logsService.read({
      level: query.level,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit,
    });
    return { logs, count: logs.length };
  }

  @Post('cleanup')
  @AdminOnly()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Cleanup finished')
  @ApiOperation({
    summary: 'Remove expired and used email tokens, expired revocations and orphaned documents',
    description:
      'With `dryRun=true` only counts. Orphans are found by scanning each collection in batches; at most 10,000 per category are removed per run. Stale calls are ended by the calls module\u2019s own housekeeping, not here.',
  })
  @ApiSuccess(HttpStatus.OK, CleanupReportDto)
  cleanup(@Query() query: CleanupQuery): Promise<CleanupReport> {
    return this.cleanupService.run(query.dryRun);
  }

  @Post('backup')
  @AdminOnly()
  @ResponseMessage('Backup written')
  @ApiOperation({
    summary: 'Write every collection into one gzipped EJSON-lines archive under BACKUP_DIR',
    description:
      'The file is 0600 and its directory 0700: it holds password hashes. Restore with `npm run cli -- restore <file> [--force]`.',
  })
  @ApiSuccess(HttpStatus.CREATED, BackupDto)
  async backup(): Promise<BackupDto> {
    const archive = await this.backupService.backup();
    return {
      name: archive.name,
      sizeBytes: archive.sizeBytes,
      createdAt: archive.createdAt.toISOString(),
      collections: archive.collections,
      durationMs: archive.durationMs,
    };
  }

  @Get('health')
  @RawResponse()
  @ApiOperation({
    summary:
      'The same report as GET /api/health (the host\u2019s details for admins, or for all with HEALTH_DETAILS=public)',
  })
  @ApiHealth(HealthReportDto)
  async healthReport(
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthBody> {
    const report = await this.health.reportFor(user.role);
    return sendHealth(reply, report.status, report, 'The API');
  }
}
