import { Counters, FIELD, markerBucket } from './rollup-counters';
import { newestFirst, RecentEntry, RECENT_SIZE, RecentRing, RollupDoc } from './rollups.repository';

/**
 * The rollups rebuilt in memory: the same counters the recorder adds event by event, added up
 * from the stored documents (rollup-rebuild.service.ts).
 */
export class RollupTally {
  private readonly docs = new Map<string, Counters>();
  readonly markers = new Set<string>();

  add(keys: string[], counters: Counters): void {
    for (const key of keys) {
      const doc = this.docs.get(key) ?? {};
      for (const [field, value] of Object.entries(counters)) doc[field] = (doc[field] ?? 0) + value;
      this.docs.set(key, doc);
    }
  }

  raise(keys: string[], field: string, value: number): void {
    for (const key of keys) {
      const doc = this.docs.get(key) ?? {};
      doc[field] = Math.max(doc[field] ?? value, value);
      this.docs.set(key, doc);
    }
  }

  /** Counts the user among a bucket's callers the first time the marker is seen. */
  mark(markerIds: string[]): void {
    for (const id of markerIds) {
      if (this.markers.has(id)) continue;
      this.markers.add(id);
      this.add([markerBucket(id)], { [FIELD.callers]: 1 });
    }
  }

  documents(): RollupDoc[] {
    return [...this.docs].map(([_id, counters]) => ({ _id, ...counters }));
  }
}

/** The latest `RECENT_SIZE` entries seen, kept while streaming. */
export class LatestEntries {
  private entries: RecentEntry[] = [];

  offer(entry: RecentEntry): void {
    const oldest = this.entries.at(-1);
    if (this.entries.length >= RECENT_SIZE && oldest && newestFirst(entry, oldest) >= 0) return;
    this.entries = [...this.entries, entry].sort(newestFirst).slice(0, RECENT_SIZE);
  }

  /** As a ring document, oldest in slot 0 (the recorder writes the next one after them). */
  ring(_id: string): RecentRing {
    const oldestFirst = [...this.entries].reverse();
    return { _id, seq: oldestFirst.length, ...Object.fromEntries(oldestFirst.map((entry, i) => [`s${i}`, entry])) };
  }
}
