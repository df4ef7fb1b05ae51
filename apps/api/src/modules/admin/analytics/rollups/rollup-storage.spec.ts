import { bucketKey, GRANULARITIES } from './buckets';
import { storageOf } from './rollups.repository';

describe('storageOf: where a bucket is stored', () => {
  it('packs day buckets by month and hour buckets by day', () => {
    expect(storageOf('day:2026-12-02')).toEqual({ doc: 'days:2026-12', detail: 'days-detail:2026-12', slot: 'd02' });
    expect(storageOf('day:2024-02-29')).toEqual({ doc: 'days:2024-02', detail: 'days-detail:2024-02', slot: 'd29' });
    expect(storageOf('hour:2026-12-02T13')).toEqual({
      doc: 'hours:2026-12-02',
      detail: 'hours-detail:2026-12-02',
      slot: 'h13',
    });
  });

  it('keeps weeks, months, the total and the rings as documents of their own', () => {
    for (const key of ['week:2026-11-30', 'month:2026-12', 'total', 'recent:calls', 'recent:users']) {
      expect(storageOf(key)).toEqual({ doc: key, detail: null, slot: null });
    }
  });

  it('gives every bucket of a year its own place', () => {
    const places = new Set<string>();
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000) {
      for (const granularity of GRANULARITIES) {
        const key = bucketKey(granularity, new Date(t));
        const { doc, slot } = storageOf(key);
        places.add(`${key}→${doc}/${slot}`);
      }
    }
    const keys = new Set([...places].map((place) => place.split('→')[0]));
    const targets = new Set([...places].map((place) => place.split('→')[1]));
    expect(targets.size).toBe(keys.size);
    // 8,760 hours in 365 days packed into 365 documents, 365 days into 12.
    const docs = new Set([...targets].map((target) => target.split('/')[0]));
    expect([...docs].filter((doc) => doc.startsWith('hours:'))).toHaveLength(365);
    expect([...docs].filter((doc) => doc.startsWith('days:'))).toHaveLength(12);
  });
});
