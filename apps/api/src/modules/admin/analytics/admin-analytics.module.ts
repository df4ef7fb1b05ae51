import { Module } from '@nestjs/common';
import { CallsModule } from '../../calls';
import { UsersModule } from '../../users';
import { AdminAnalyticsController, AdminDashboardController } from './admin-analytics.controller';
import { AnalyticsService } from './analytics.service';
import { DashboardService } from './dashboard.service';
import { LiveUserCountsService } from './live-user-counts';
import { PeriodAnalyticsService } from './period-analytics.service';
import { RollupRebuildService } from './rollups/rollup-rebuild.service';
import { RollupRecorder } from './rollups/rollup-recorder';
import { RollupsRepository } from './rollups/rollups.repository';

/**
 * Admin dashboard and analytics, read from rollups that RollupRecorder keeps as domain events
 * arrive; RollupRebuildService recomputes them from the raw collections (the `rebuild-rollups`
 * command). See docs/architecture.md, "Admin — dashboard and analytics".
 */
@Module({
  imports: [UsersModule, CallsModule],
  controllers: [AdminDashboardController, AdminAnalyticsController],
  providers: [
    RollupsRepository,
    RollupRecorder,
    RollupRebuildService,
    AnalyticsService,
    PeriodAnalyticsService,
    DashboardService,
    LiveUserCountsService,
  ],
  exports: [RollupRebuildService],
})
export class AdminAnalyticsModule {}
