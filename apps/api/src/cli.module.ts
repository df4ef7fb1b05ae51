import { DynamicModule, Module } from '@nestjs/common';
import { Logger } from 'pino';
import { AppConfig } from './core/config/app-config';
import { CoreModule } from './core/core.module';
import { DatabaseModule, ToolDatabaseModule } from './core/database/database.module';
import { EventsModule } from './core/events';
import { AdminAccountsService } from './modules/auth';
import { UsersModule } from './modules/users';

/**
 * What `npm run cli` needs and nothing more: configuration, the database (leaving collections and
 * indexes to the server), the event bus (a promotion is published like any role change), users
 * and the admin account rule. No HTTP, no controllers, no housekeeping timers.
 */
@Module({})
export class CliModule {
  static register(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CliModule,
      imports: [CoreModule.register(config, logger), EventsModule, ToolDatabaseModule, DatabaseModule, UsersModule],
      providers: [AdminAccountsService],
    };
  }
}
