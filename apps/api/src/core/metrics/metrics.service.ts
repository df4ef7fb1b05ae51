import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { LeanHistogram } from './lean-histogram';

/**
 * The app's Prometheus registry. One per app instance (not prom-client's global one), so
 * several apps in one process (tests) keep separate figures. Other modules add their gauges.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly startedAt = new Date();
  /** Observed on every request: a LeanHistogram, which exports what prom-client's would. */
  private readonly requestDuration: LeanHistogram;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new LeanHistogram(
      'http_request_duration_seconds',
      'HTTP request duration by method, route pattern and status code',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      [this.registry],
      ['method', 'route', 'status_code'],
    );
  }

  /** `route` is the route pattern (bounded), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.labelled(method, route, String(statusCode)).observe(seconds);
  }
}
