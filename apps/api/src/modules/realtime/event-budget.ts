/**
 * How many events one socket may send: a token bucket that holds `burst` events and refills at
 * `ratePerSecond`. An event over the budget is refused; a socket that keeps going over it (refused
 * again and again for `floodAfterMs`, or more than `maxRefusals` times in one run) is flooding and
 * is to be disconnected. A run of refusals ends after `quietMs` without one.
 */
export interface EventBudgetOptions {
  ratePerSecond: number;
  burst: number;
  floodAfterMs?: number;
  quietMs?: number;
  maxRefusals?: number;
}

export type EventVerdict = 'accepted' | 'refused' | 'flooding';

const FLOOD_AFTER_MS = 3000;
const QUIET_MS = 1000;

export class EventBudget {
  private tokens: number;
  private updatedAt: number;
  /** Start of the current run of refusals (undefined: not over the budget). */
  private overSince: number | undefined;
  private lastRefusalAt = 0;
  private refusalsInRun = 0;
  private readonly floodAfterMs: number;
  private readonly quietMs: number;
  private readonly maxRefusals: number;

  constructor(
    private readonly options: EventBudgetOptions,
    now: number,
  ) {
    this.tokens = options.burst;
    this.updatedAt = now;
    this.floodAfterMs = options.floodAfterMs ?? FLOOD_AFTER_MS;
    this.quietMs = options.quietMs ?? QUIET_MS;
    // A burst many times the budget in one go floods before any time passes.
    this.maxRefusals = options.maxRefusals ?? options.burst * 5;
  }

  take(now: number): EventVerdict {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.ratePerSecond) / 1000);
    this.updatedAt = now;
    if (this.overSince !== undefined && now - this.lastRefusalAt >= this.quietMs) {
      this.overSince = undefined;
      this.refusalsInRun = 0;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accepted';
    }
    this.overSince ??= now;
    this.lastRefusalAt = now;
    this.refusalsInRun += 1;
    const flooding = now - this.overSince >= this.floodAfterMs || this.refusalsInRun > this.maxRefusals;
    return flooding ? 'flooding' : 'refused';
  }
}
