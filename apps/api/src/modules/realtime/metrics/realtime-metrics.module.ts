import { Module } from '@nestjs/common';
import { RealtimeMetrics } from './realtime-metrics';

/** The gateway's Prometheus series; gateways that relay messages import it to record relay latency. */
@Module({ providers: [RealtimeMetrics], exports: [RealtimeMetrics] })
export class RealtimeMetricsModule {}
