import { DynamicModule, Global, Module } from '@nestjs/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';

export const LOGGER = Symbol('LOGGER');

/** What every module may inject: the typed configuration, the pino logger and the metrics registry. */
@Global()
@Module({})
export class CoreModule {
  static register(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, MetricsService],
      exports: [APP_CONFIG, LOGGER, MetricsService],
    };
  }
}
