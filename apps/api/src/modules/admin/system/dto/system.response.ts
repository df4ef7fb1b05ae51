import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LOG_LEVELS } from './system.query';

/** Response shapes of the admin system routes, for the OpenAPI document. */

const DATE_TIME = { type: String, format: 'date-time', example: '2026-01-01T10:00:00.000Z' };
const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;
const BYTES = { type: Number, example: 52_428_800, description: 'Bytes' };
const NULLABLE_BYTES = {
  type: Number,
  nullable: true,
  example: 1_048_576,
  description: 'Bytes; null where the database does not tell',
};
const MS = { type: Number, example: 1.25, description: 'Milliseconds' };

export class ProcessStatsDto {
  @ApiProperty({ example: 4242 }) pid!: number;
  @ApiProperty({ example: 'v22.0.0' }) node!: string;
  @ApiProperty({ example: 3600 }) uptimeSeconds!: number;
  @ApiProperty(DATE_TIME) startedAt!: string;
  @ApiProperty({ example: 5200, description: 'CPU time in user mode since start' }) cpuUserMs!: number;
  @ApiProperty({ example: 800, description: 'CPU time in kernel mode since start' }) cpuSystemMs!: number;
}

export class MemoryStatsDto {
  @ApiProperty(BYTES) rssBytes!: number;
  @ApiProperty(BYTES) heapUsedBytes!: number;
  @ApiProperty(BYTES) heapTotalBytes!: number;
  @ApiProperty(BYTES) externalBytes!: number;
}

export class EventLoopStatsDto {
  @ApiProperty(MS) minMs!: number;
  @ApiProperty(MS) meanMs!: number;
  @ApiProperty(MS) p50Ms!: number;
  @ApiProperty(MS) p99Ms!: number;
  @ApiProperty(MS) maxMs!: number;
  @ApiProperty({ example: 60, description: 'The delays cover this many seconds: since the previous stats read' })
  sinceSeconds!: number;
}

export class CollectionStatsDto {
  @ApiProperty({ example: 'users' }) name!: string;
  @ApiProperty({ example: 1200 }) count!: number;
  @ApiProperty(NULLABLE_BYTES) sizeBytes!: number | null;
  @ApiProperty(NULLABLE_BYTES) storageBytes!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) indexes!: number | null;
}

export class DatabaseStatsDto {
  @ApiProperty({ example: 'video_call' }) name!: string;
  @ApiProperty({ example: 14 }) collections!: number;
  @ApiProperty({ example: 25_000 }) documents!: number;
  @ApiProperty(NULLABLE_BYTES) dataSizeBytes!: number | null;
  @ApiProperty(NULLABLE_BYTES) storageSizeBytes!: number | null;
  @ApiProperty({ type: [CollectionStatsDto] }) byCollection!: CollectionStatsDto[];
}

export class RealtimeStatsDto {
  @ApiProperty({ example: 12, description: 'Socket.IO connections on this instance' }) connectedSockets!: number;
  @ApiProperty({ example: 3, description: 'Socket.IO rooms with a socket of this instance in them' })
  activeRooms!: number;
}

export class SystemStatsDto {
  @ApiProperty({ type: ProcessStatsDto }) process!: ProcessStatsDto;
  @ApiProperty({ type: MemoryStatsDto }) memory!: MemoryStatsDto;
  @ApiProperty({ type: EventLoopStatsDto }) eventLoop!: EventLoopStatsDto;
  @ApiProperty({ type: DatabaseStatsDto }) database!: DatabaseStatsDto;
  @ApiProperty({ type: RealtimeStatsDto }) realtime!: RealtimeStatsDto;
}

export class AuditActorDto {
  @ApiProperty({ example: '665f1c2ab3e4d5f6a7b8c9d0' }) id!: string;
  @ApiProperty({ example: 'admin' }) role!: string;
}

export class AuditDetailsDto {
  @ApiProperty({ example: 'users.suspend', description: '<slice>.<handler>' }) action!: string;
  @ApiProperty({ example: 'POST' }) method!: string;
  @ApiProperty({ example: '/api/admin/users/:userId/suspend' }) route!: string;
  @ApiProperty({ ...FREE_OBJECT, example: { userId: '665f1c2ab3e4d5f6a7b8c9d0' }, description: 'Path parameters' })
  target!: Record<string, string>;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: '203.0.113.7' }) ip!: string;
  @ApiProperty({ example: 200, description: 'HTTP status of the outcome' }) status!: number;
  @ApiPropertyOptional({ ...FREE_OBJECT, description: 'Body and query as sent, secrets redacted' })
  input?: Record<string, unknown>;
  @ApiPropertyOptional({
    ...FREE_OBJECT,
    description: '`before` and `after` as the handler reported them, secrets redacted',
  })
  changes?: Record<string, unknown>;
}

export class LogEntryDto {
  @ApiProperty({ example: '665f1c2ab3e4d5f6a7b8c9d0' }) id!: string;
  @ApiProperty(DATE_TIME) time!: string;
  @ApiProperty({ enum: LOG_LEVELS, example: 'error' }) level!: string;
  @ApiProperty({ example: 'audit record not stored' }) message!: string;
  @ApiPropertyOptional({ example: 'AuthHousekeeping' }) context?: string;
  @ApiPropertyOptional({ example: 'req-4f2a' }) requestId?: string;
  @ApiPropertyOptional({ ...FREE_OBJECT, description: "The log line's other fields, secrets redacted" })
  details?: Record<string, unknown>;
  @ApiPropertyOptional({ type: AuditDetailsDto, description: 'Audit entries only' }) audit?: AuditDetailsDto;
}

export class CleanupCategoryDto {
  @ApiProperty({ example: 12, description: 'Documents that qualify' }) found!: number;
  @ApiProperty({ example: 12, description: 'Documents removed by this run (0 in a dry run)' }) deleted!: number;
}

export class CleanupCategoriesDto {
  @ApiProperty({ type: CleanupCategoryDto, description: 'Email-link tokens that are expired or used' })
  emailTokens!: CleanupCategoryDto;
  @ApiProperty({ type: CleanupCategoryDto, description: 'Revocations of tokens past their expiry' })
  revokedTokens!: CleanupCategoryDto;
  @ApiProperty({
    type: CleanupCategoryDto,
    description:
      'Active calls nobody joined for CALL_IDLE_TIMEOUT and scheduled calls that never started (24 h after their ' +
      'time): ended, not deleted (`deleted` counts the calls this run ended; they stay in history)',
  })
  staleCalls!: CleanupCategoryDto;
  @ApiProperty({ type: CleanupCategoryDto, description: 'Chat messages of calls that no longer exist' })
  orphanedChatMessages!: CleanupCategoryDto;
  @ApiProperty({ type: CleanupCategoryDto, description: 'Participants whose call or user no longer exists' })
  orphanedParticipants!: CleanupCategoryDto;
  @ApiProperty({ type: CleanupCategoryDto, description: 'Invitations whose call or invitee no longer exists' })
  orphanedInvitations!: CleanupCategoryDto;
  @ApiProperty({
    type: CleanupCategoryDto,
    description: 'Contacts whose owner or contact no longer exists (or was deleted)',
  })
  orphanedContacts!: CleanupCategoryDto;
}

export class CleanupReportDto {
  @ApiProperty({ example: false }) dryRun!: boolean;
  @ApiProperty({ type: CleanupCategoriesDto }) categories!: CleanupCategoriesDto;
  @ApiProperty({ example: 120 }) durationMs!: number;
}

export class BackupDto {
  @ApiProperty({
    example: 'backup-2026-01-01T10-00-00-000Z-a1b2c3.ejson.gz',
    description: 'File name under BACKUP_DIR',
  })
  name!: string;
  @ApiProperty({ example: 1_048_576 }) sizeBytes!: number;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { users: 1200, calls: 5400 },
    description: 'Documents written per collection',
  })
  collections!: Record<string, number>;
  @ApiProperty({ example: 850 }) durationMs!: number;
}
