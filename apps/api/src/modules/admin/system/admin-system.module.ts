import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { CallsModule } from '../../calls';
import { HealthModule } from '../../health';
import { AdminSystemController } from './admin-system.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { BackupService } from './backup/backup.service';
import { CleanupService } from './cleanup/cleanup.service';
import { AuditLog, AuditLogSchema, SystemLog, SystemLogSchema } from './logs/log-entry.schema';
import { LogStoreDrain } from './logs/log-store.drain';
import { LogStoreRepository } from './logs/log-store.repository';
import { LogsService } from './logs/logs.service';
import { SystemStatsService } from './stats/system-stats.service';

/**
 * Admin system: stats, the log store (the logger's warnings and errors, and the audit trail of
 * every admin write, recorded by AuditInterceptor for all admin slices), cleanup, backup, health.
 * See docs/architecture.md, "Admin — system".
 */
@Module({
  imports: [
    CallsModule,
    HealthModule,
    MongooseModule.forFeature([
      { name: SystemLog.name, schema: SystemLogSchema },
      { name: AuditLog.name, schema: AuditLogSchema },
    ]),
  ],
  controllers: [AdminSystemController],
  providers: [
    LogStoreRepository,
    LogStoreDrain,
    LogsService,
    SystemStatsService,
    CleanupService,
    BackupService,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
})
export class AdminSystemModule {}
