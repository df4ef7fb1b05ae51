/**
 * What the rest of the admin module and the command line use of admin system: the audit note a
 * handler fills with before/after, and the archive restore (`npm run cli -- restore`).
 */
export { AuditChanges, AuditNote } from './audit/audit-note';
export { restoreArchive, RestoreRefused } from './backup/backup-archive';
export type { RestoreResult } from './backup/backup-archive';
