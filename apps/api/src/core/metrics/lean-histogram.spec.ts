import { Histogram, Registry } from 'prom-client';
import { LeanHistogram } from './lean-histogram';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The registry's JSON export without the empty exemplar prom-client adds to each bucket (read only with exemplars on). */
async function withoutExemplars(registry: Registry) {
  return (await registry.getMetricsAsJSON()).map((metric) => ({
    ...metric,
    values: metric.values.map((value) => {
      const { exemplar: _exemplar, ...rest } = value as typeof value & { exemplar?: unknown };
      return rest;
    }),
  }));
}

describe('LeanHistogram', () => {
  it("exports what prom-client's Histogram exports for the same observations", async () => {
    const [lean, reference] = [new Registry(), new Registry()];
    const fast = new LeanHistogram('relay_seconds', 'Relay time', BUCKETS, [lean]);
    const slow = new Histogram({ name: 'relay_seconds', help: 'Relay time', buckets: BUCKETS, registers: [reference] });
    expect(await lean.metrics()).toBe(await reference.metrics()); // nothing observed yet

    // Every bucket, its bounds exactly, past the last one, zero.
    const observed = [0, 0.0005, 0.0007, 0.001, 0.003, 0.02, 0.025, 0.3, 0.9999, 1, 1.5, 42, ...BUCKETS];
    for (const value of observed) {
      fast.observe(value);
      slow.observe(value);
    }
    expect(await lean.metrics()).toBe(await reference.metrics());
    expect(await lean.getMetricsAsJSON()).toEqual(await withoutExemplars(reference));

    fast.reset();
    slow.reset();
    expect(await lean.metrics()).toBe(await reference.metrics());
  });

  it("exports labelled series as prom-client's Histogram does, in the order they were first observed", async () => {
    const [lean, reference] = [new Registry(), new Registry()];
    const labelNames = ['method', 'route', 'status_code'] as const;
    const fast = new LeanHistogram('http_seconds', 'Request time', BUCKETS, [lean], labelNames);
    const slow = new Histogram({
      name: 'http_seconds',
      help: 'Request time',
      buckets: BUCKETS,
      labelNames,
      registers: [reference],
    });
    expect(await lean.metrics()).toBe(await reference.metrics()); // no label set observed yet

    const observations: [string, string, string, number][] = [
      ['GET', '/api/health/live', '200', 0.0004],
      ['POST', '/api/auth/login', '401', 0.3],
      ['GET', '/api/health/live', '200', 0.02],
      ['GET', 'unmatched', '404', 0.001],
      ['POST', '/api/auth/login', '200', 1.2],
      ['GET', '/api/calls/:id', '403', 7],
      ['GET', '/api/health/live', '503', 0],
    ];
    for (const [method, route, status, seconds] of observations) {
      fast.labelled(method, route, status).observe(seconds);
      slow.observe({ method, route, status_code: status }, seconds);
    }
    expect(await lean.metrics()).toBe(await reference.metrics());
    expect(await lean.getMetricsAsJSON()).toEqual(await withoutExemplars(reference));

    fast.reset();
    slow.reset();
    expect(await lean.metrics()).toBe(await reference.metrics());
    expect(() => fast.labelled('GET', '/api/health/live')).toThrow(/3 label values/);
  });

  it('refuses a value that is not a number, as prom-client does', () => {
    const fast = new LeanHistogram('relay_seconds', 'Relay time', BUCKETS, [new Registry()]);
    expect(() => fast.observe(Number.NaN)).toThrow(TypeError);
  });
});
