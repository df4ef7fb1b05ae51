import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { Logger } from 'pino';
import { AppConfig } from './core/config/app-config';
import { CoreModule } from './core/core.module';
import { DatabaseModule } from './core/database/database.module';
import { EventsModule } from './core/events';
import { AllExceptionsFilter } from './core/http/all-exceptions.filter';
import { EnvelopeInterceptor } from './core/http/envelope.interceptor';
import { RateLimitGuard } from './core/rate-limit/rate-limit.guard';
import { RateLimitModule } from './core/rate-limit/rate-limit.module';
import { AdminModule } from './modules/admin';
import { AuthModule, JwtAuthGuard, RolesGuard } from './modules/auth';
import { CallsModule } from './modules/calls';
import { ContactsModule } from './modules/contacts';
import { HealthModule } from './modules/health';
import { MailModule } from './modules/mail';
import { RealtimeModule } from './modules/realtime';
import { UsersModule } from './modules/users';

/**
 * The global guards, in the order they run on every request and socket message: who you are
 * (401), what your role allows (403), then the rate limit, which counts signed-in users by
 * account because authentication ran first. One list, so the order never depends on the order
 * modules are imported in.
 */
export const GLOBAL_GUARDS = [JwtAuthGuard, RolesGuard, RateLimitGuard] as const;

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
        RealtimeModule,
        AdminModule,
        ...extraModules,
      ],
      providers: [
        ...GLOBAL_GUARDS.map((guard) => ({ provide: APP_GUARD, useExisting: guard })),
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
    };
  }
}
