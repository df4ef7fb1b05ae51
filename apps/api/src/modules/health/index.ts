/** The health module's public surface. */
export { HealthModule } from './health.module';
export { HealthService } from './health.service';
export { answerLivenessEarly, HealthController, sendHealth } from './health.controller';
export type { HealthBody } from './health.controller';
export { ApiHealth, HealthReportDto } from './dto/health.response';
