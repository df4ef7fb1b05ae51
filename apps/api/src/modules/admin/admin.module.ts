import { Module } from '@nestjs/common';
import { AdminAnalyticsModule } from './analytics/admin-analytics.module';
import { AdminCallsModule } from './calls/admin-calls.module';
import { AdminSystemModule } from './system/admin-system.module';
import { AdminUsersModule } from './users/admin-users.module';

/**
 * The spec's "Admin Endpoints" under `/api/admin`, for moderators and admins (admin-route.ts).
 * Admin reaches users and calls only through their public entry points and domain events; neither
 * of them knows admin exists.
 */
@Module({
  imports: [AdminUsersModule, AdminCallsModule, AdminAnalyticsModule, AdminSystemModule],
})
export class AdminModule {}
