import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JwtAuthGuard } from '../auth';
import { HealthAccessGuard } from './health-access.guard';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  // JwtAuthGuard here is the global guard's class, so HealthAccessGuard authenticates with the same checks.
  providers: [HealthService, HealthAccessGuard, JwtAuthGuard],
  exports: [HealthService],
})
export class HealthModule {}
