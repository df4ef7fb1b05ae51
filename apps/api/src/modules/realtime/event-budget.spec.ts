import { EventBudget, EventVerdict } from './event-budget';

const takeMany = (budget: EventBudget, count: number, now: number): EventVerdict[] =>
  Array.from({ length: count }, () => budget.take(now));

describe('EventBudget (per-socket token bucket)', () => {
  it('accepts a burst up to its size at once, then refuses', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    const verdicts = takeMany(budget, 41, 0);
    expect(verdicts.slice(0, 40).every((v) => v === 'accepted')).toBe(true);
    expect(verdicts[40]).toBe('refused');
  });

  it('refills at the rate and never above the burst', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    takeMany(budget, 40, 0);
    // 500 ms at 20/s: 10 events.
    expect(takeMany(budget, 11, 500).filter((v) => v === 'accepted')).toHaveLength(10);
    // A long pause fills the bucket to its size only.
    expect(takeMany(budget, 41, 60_000).filter((v) => v === 'accepted')).toHaveLength(40);
  });

  it('lets a client that stays under the rate send for ever', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    for (let now = 0; now < 60_000; now += 60) {
      expect(budget.take(now)).toBe('accepted');
    }
  });

  it('forgives a single burst over the budget once the client pauses', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    expect(takeMany(budget, 100, 0)).toContain('refused');
    expect(takeMany(budget, 100, 0)).not.toContain('flooding');
    // After a quiet second the next burst starts a new run.
    expect(takeMany(budget, 100, 5_000)).not.toContain('flooding');
  });

  it('calls a client flooding that keeps going over the budget for three seconds', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    const refusedAt: number[] = [];
    let floodingAt: number | undefined;
    // 5 events every 100 ms (50/s against 20/s): a few refusals each time, far under the count cap.
    for (let now = 0; now <= 10_000 && floodingAt === undefined; now += 100) {
      for (const verdict of takeMany(budget, 5, now)) {
        if (verdict === 'refused') refusedAt.push(now);
        if (verdict === 'flooding') floodingAt = now;
      }
    }
    expect(floodingAt).toBeDefined();
    expect(floodingAt! - refusedAt[0]).toBeGreaterThanOrEqual(3000);
  });

  it('calls a client flooding that sends many times its burst at once', () => {
    const budget = new EventBudget({ ratePerSecond: 20, burst: 40 }, 0);
    const verdicts = takeMany(budget, 40 + 40 * 5 + 1, 0);
    expect(verdicts.at(-2)).toBe('refused');
    expect(verdicts.at(-1)).toBe('flooding');
  });

  it('does not flood a client whose refusals are more than a quiet period apart', () => {
    const budget = new EventBudget({ ratePerSecond: 1, burst: 1 }, 0);
    const verdicts: EventVerdict[] = [];
    // Two events every 1.5 s at 1/s: one refused each time, each run ends before the next.
    for (let now = 0; now < 30_000; now += 1_500) verdicts.push(...takeMany(budget, 2, now));
    expect(verdicts).toContain('refused');
    expect(verdicts).not.toContain('flooding');
  });
});
