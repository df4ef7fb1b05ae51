import { DynamicModule, Module } from '@nestjs/common';
import { Logger } from 'pino';
import { AppConfig } from './core/config/app-config';
import { CoreModule } from './core/core.module';
import { DatabaseModule, ToolDatabaseModule } from './core/database/database.module';
import { EventsModule } from './core/events';
import { AdminAnalyticsModule } from './modules/admin';
import { AdminAccountsService } from './modules/auth';
import { UsersModule } from './modules/users';

/**
 * What a command needs: the accounts (users and the admin account rule), the rollups (their
 * rebuild from users and calls), or the database alone.
 */
export type CliNeeds = 'accounts' | 'rollups' | 'database';

/**
 * What `npm run cli` needs and nothing more: configuration and the database (leaving collections
 * and indexes to the server); for account commands also the event bus (a promotion is published
 * like any role change), users and the admin account rule. No HTTP, no controllers, no
 * housekeeping timers. A restore takes the database alone: the users module writes at start (the
 * active-admin count), and a restore must find the database as it was.
 */
@Module({})
export class CliModule {
  static register(config: AppConfig, logger: Logger, needs: CliNeeds = 'accounts'): DynamicModule {
    const base = [CoreModule.register(config, logger), ToolDatabaseModule, DatabaseModule];
    if (needs === 'database') return { module: CliModule, imports: base };
    if (needs === 'rollups') return { module: CliModule, imports: [...base, EventsModule, AdminAnalyticsModule] };
    return {
      module: CliModule,
      imports: [...base, EventsModule, UsersModule],
      providers: [AdminAccountsService],
    };
  }
}
