/** The admin module's public surface: the module, and what the command line runs (restore, rebuild-rollups). */
export { AdminModule } from './admin.module';
export { AdminAnalyticsModule } from './analytics/admin-analytics.module';
export { RollupRebuildService } from './analytics/rollups/rollup-rebuild.service';
export { restoreArchive, RestoreRefused } from './system';
export type { RestoreResult } from './system';
