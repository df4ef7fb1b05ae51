import { LatestEntries } from './rollup-tally';
import { newestFirst, RECENT_SIZE, RecentEntry } from './rollups.repository';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 3) + ms);
const entry = (id: string, ms: number): RecentEntry => ({ id, at: at(ms) });

describe('newestFirst', () => {
  it('orders by time, newest first, and entries of the same millisecond by id, newest first', () => {
    const entries = [entry('a1', 5), entry('a3', 7), entry('a2', 5), entry('a0', 9)];
    expect(entries.sort(newestFirst).map((e) => e.id)).toEqual(['a0', 'a3', 'a2', 'a1']);
  });

  it('gives the same order whatever order the entries arrive in', () => {
    const entries = [entry('b2', 1), entry('b1', 1), entry('b3', 1)];
    const reversed = [...entries].reverse();
    expect(entries.sort(newestFirst)).toEqual(reversed.sort(newestFirst));
  });
});

describe('LatestEntries', () => {
  it('keeps the newest RECENT_SIZE entries, ties at the edge decided by id', () => {
    const latest = new LatestEntries();
    const offered = Array.from({ length: RECENT_SIZE + 4 }, (_, i) => entry(`c${String(i).padStart(2, '0')}`, 0));
    for (const e of offered) latest.offer(e);
    const ring = latest.ring('recent:test');
    const kept = Object.entries(ring)
      .filter(([key]) => /^s\d+$/.test(key))
      .map(([, e]) => (e as RecentEntry).id);
    expect(ring.seq).toBe(RECENT_SIZE);
    expect(kept.sort()).toEqual(offered.slice(4).map((e) => e.id));
  });
});
