import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth';
import { HealthAccessGuard } from './health-access.guard';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AuthModule],
  controllers: [HealthController],
  // HealthAccessGuard authenticates with the global guard (JwtAuthGuard from AuthModule): the same checks.
  providers: [HealthService, HealthAccessGuard],
  exports: [HealthService],
})
export class HealthModule {}
