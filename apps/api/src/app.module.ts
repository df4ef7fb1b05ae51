import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { Logger } from 'pino';
import { AppConfig } from './core/config/app-config';
import { CoreModule } from './core/core.module';
import { DatabaseModule } from './core/database/database.module';
import { EventsModule } from './core/events';
import { AllExceptionsFilter } from './core/http/all-exceptions.filter';
import { EnvelopeInterceptor } from './core/http/envelope.interceptor';
import { RateLimitModule } from './core/rate-limit/rate-limit.module';
import { AuthModule } from './modules/auth/auth.module';
import { CallsModule } from './modules/calls/calls.module';
import { ContactsModule } from './modules/contacts/contacts.module';
import { HealthModule } from './modules/health/health.module';
import { MailModule } from './modules/mail/mail.module';
import { UsersModule } from './modules/users/users.module';

@Module({})
export class AppModule {
  /** `extraModules`: modules mounted beside the product's own (the e2e fixtures use this). */
  static register(config: AppConfig, logger: Logger, extraModules: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(config, logger),
        EventsModule,
        DatabaseModule,
        AuthModule,
        RateLimitModule,
        MailModule,
        UsersModule,
        ContactsModule,
        CallsModule,
        HealthModule,
        ...extraModules,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
    };
  }
}
