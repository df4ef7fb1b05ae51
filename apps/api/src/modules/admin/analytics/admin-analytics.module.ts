import { Module } from '@nestjs/common';

/** Admin analytics: see docs/architecture.md, "Admin". */
@Module({})
export class AdminAnalyticsModule {}
