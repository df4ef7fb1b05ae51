/** The admin module's public surface: the module, and what the command line runs (restore). */
export { AdminModule } from './admin.module';
export { restoreArchive, RestoreRefused } from './system';
export type { RestoreResult } from './system';
