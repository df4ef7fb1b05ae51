import { Metric, MetricValueWithName, Registry } from 'prom-client';

type HistogramValue = MetricValueWithName<'le'>;

/** What a registry reads from a metric (`get()`), as prom-client's own metrics answer it. */
interface Exported {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: HistogramValue[];
}

/**
 * A histogram without labels that a registry exports exactly as prom-client's own `Histogram`,
 * for a path that observes on every message: prom-client's `observe` validates and hashes the
 * labels on every call; this one finds the bucket and adds. lean-histogram.spec.ts compares the
 * two exports.
 */
export class LeanHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  /** As prom-client's: a reset histogram exports no series until its next observation. */
  private series = true;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registers: Registry[],
  ) {
    this.counts = upperBounds.map(() => 0);
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    for (let i = 0; i < this.upperBounds.length; i++) {
      if (value <= this.upperBounds[i]) {
        this.counts[i] += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
    this.series = true;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.series = false;
  }

  get(): Promise<Exported> {
    const exported = { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
    if (!this.series) return Promise.resolve({ ...exported, values: [] });
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    const values: HistogramValue[] = this.upperBounds.map((le, i) => ({
      labels: { le },
      value: (cumulative += this.counts[i]),
      metricName: bucket,
    }));
    values.push(
      { labels: { le: '+Inf' }, value: this.count, metricName: bucket },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return Promise.resolve({ ...exported, values });
  }
}
