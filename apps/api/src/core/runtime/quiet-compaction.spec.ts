import { getHeapStatistics } from 'node:v8';
import { fullCollection, QuietCompaction } from './quiet-compaction';

const MB = 1024 * 1024;
const policy = { quietSeconds: 3, minGrowthBytes: 64 * MB, windowSeconds: 120, busyAbove: 0.25 };
const quiet = (usedMb: number) => ({ usedBytes: usedMb * MB, utilization: 0.05 });
const busy = (usedMb: number) => ({ usedBytes: usedMb * MB, utilization: 0.9 });

describe('QuietCompaction', () => {
  it('collects once the heap grew by the threshold and the process stayed quiet long enough', () => {
    const decision = new QuietCompaction(policy);
    expect(decision.tick(quiet(100))).toBe(false);
    expect(decision.tick(busy(300))).toBe(false);
    expect(decision.tick(quiet(300))).toBe(false);
    expect(decision.tick(quiet(300))).toBe(false);
    expect(decision.tick(quiet(300))).toBe(true);
  });

  it('waits while the process is busy: any busy tick starts the quiet count again', () => {
    const decision = new QuietCompaction(policy);
    decision.tick(busy(100));
    const ticks = [quiet(300), quiet(300), busy(300), quiet(300), quiet(300)].map((s) => decision.tick(s));
    expect(ticks).toEqual([false, false, false, false, false]);
    expect(decision.tick(quiet(300))).toBe(true);
  });

  it('leaves a heap alone that grew less than the threshold, however quiet', () => {
    const decision = new QuietCompaction(policy);
    decision.tick(quiet(100));
    const ticks = Array.from({ length: 20 }, () => decision.tick(quiet(163)));
    expect(ticks.every((collect) => !collect)).toBe(true);
  });

  it('leaves the slow growth of steady traffic to V8: growth counts only within the window', () => {
    const decision = new QuietCompaction(policy);
    // 0.25 MB a second for ten minutes: 150 MB in all, never 64 MB within two minutes.
    const ticks = Array.from({ length: 600 }, (_, i) => decision.tick(quiet(100 + i / 4)));
    expect(ticks.some((collect) => collect)).toBe(false);
    // A crowd connecting: 200 MB within a minute, then quiet.
    for (let i = 1; i <= 60; i += 1) decision.tick(busy(250 + (200 * i) / 60));
    expect([1, 2, 3].map(() => decision.tick(quiet(450)))).toEqual([false, false, true]);
  });

  it('measures growth from the heap after its last collection, and from V8’s own collections', () => {
    const decision = new QuietCompaction(policy);
    decision.tick(quiet(100));
    for (let i = 0; i < 3; i += 1) decision.tick(quiet(300));
    decision.collected(150 * MB);
    // 150 MB kept: 200 MB is 50 MB of growth, not enough.
    expect([1, 2, 3, 4].map(() => decision.tick(quiet(200)))).toEqual([false, false, false, false]);
    // V8 collected by itself down to 120 MB: from there, 190 MB is enough again.
    decision.tick(busy(120));
    expect([1, 2, 3].map(() => decision.tick(quiet(190)))).toEqual([false, false, true]);
  });
});

describe('fullCollection', () => {
  it('frees what nothing references any more', () => {
    const collect = fullCollection();
    collect();
    const before = getHeapStatistics().used_heap_size;
    const holder: { garbage?: unknown[] } = {
      garbage: Array.from({ length: 200_000 }, (_, i) => ({ i, text: `item ${i}` })),
    };
    const held = getHeapStatistics().used_heap_size;
    expect(held - before).toBeGreaterThan(8 * MB);
    expect(holder.garbage?.length).toBe(200_000);
    delete holder.garbage;
    collect();
    expect(getHeapStatistics().used_heap_size).toBeLessThan(before + 2 * MB);
  });
});
