/** One presence of a participant in a call: from `joinedAt`, until `leftAt` (null: still joined). */
export interface Presence {
  joinedAt: Date;
  leftAt: Date | null;
}

/**
 * How many participants were joined at once right after each join, as the recorder measures it
 * live (its gauge moves +1 at a join and −1 at a leave): a sweep over the presences, leaves before
 * joins at the same instant. `onJoin(at, concurrent)` is called per join in time order.
 */
export function sweepConcurrency(presences: Presence[], onJoin: (at: Date, concurrent: number) => void): void {
  const JOIN = 1;
  const LEAVE = 0;
  const moments: [number, number][] = [];
  for (const p of presences) {
    moments.push([p.joinedAt.getTime(), JOIN]);
    if (p.leftAt) moments.push([p.leftAt.getTime(), LEAVE]);
  }
  moments.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let concurrent = 0;
  for (const [time, kind] of moments) {
    if (kind === LEAVE) {
      concurrent -= 1;
      continue;
    }
    concurrent += 1;
    onJoin(new Date(time), concurrent);
  }
}
