import { Metric, MetricValueWithName, Registry } from 'prom-client';

type HistogramValue = MetricValueWithName<string>;

/** What a registry reads from a metric (`get()`), as prom-client's own metrics answer it. */
interface Exported {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: HistogramValue[];
}

/** One label set's buckets, sum and count. */
export class LeanSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    private readonly upperBounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = upperBounds.map(() => 0);
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
  }
}

/**
 * A histogram that a registry exports exactly as prom-client's own `Histogram`, for paths that
 * observe on every message or request: prom-client's `observe` validates and hashes the labels
 * on every call; this one finds the label set's series by one Map lookup (or holds the one series
 * of a histogram without labels), finds the bucket and adds. lean-histogram.spec.ts compares the
 * two exports.
 */
export class LeanHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  /** Label sets in the order they were first observed, as prom-client exports them. */
  private readonly series = new Map<string, LeanSeries>();
  /** The series of a histogram without labels; as prom-client's, it exists until a reset. */
  private unlabelled?: LeanSeries;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registers: Registry[],
    private readonly labelNames: readonly string[] = [],
  ) {
    if (labelNames.length === 0) this.unlabelled = this.add('', {});
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Observes a histogram without labels. */
  observe(value: number): void {
    (this.unlabelled ??= this.add('', {})).observe(value);
  }

  /**
   * The series of these label values, in `labelNames` order. The values are joined into the key
   * with a separator that no label value of ours holds (method, route pattern, status code).
   */
  labelled(...values: string[]): LeanSeries {
    const key = values.join('\u0000');
    const found = this.series.get(key);
    if (found) return found;
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values, not ${values.length}`);
    }
    return this.add(key, Object.fromEntries(this.labelNames.map((label, i) => [label, values[i]])));
  }

  reset(): void {
    this.series.clear();
    this.unlabelled = undefined;
  }

  get(): Promise<Exported> {
    const bucket = `${this.name}_bucket`;
    const values: HistogramValue[] = [];
    for (const { counts, sum, count, labels } of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) =>
        values.push({ labels: { le, ...labels }, value: (cumulative += counts[i]), metricName: bucket }),
      );
      values.push(
        { labels: { le: '+Inf', ...labels }, value: count, metricName: bucket },
        { labels: { ...labels }, value: sum, metricName: `${this.name}_sum` },
        { labels: { ...labels }, value: count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  private add(key: string, labels: Record<string, string>): LeanSeries {
    const series = new LeanSeries(this.upperBounds, labels);
    this.series.set(key, series);
    return series;
  }
}
