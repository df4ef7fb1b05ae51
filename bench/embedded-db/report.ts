import { HotQuery, Measurement } from './queries';

/** Latency figures of one target: size → query key → measurement. */
export type Results = Map<number, Map<string, Measurement>>;

export interface SeedFigures {
  size: number;
  documents: number;
  counts: Record<string, number>;
  seedMs: number;
}

export const THRESHOLD_MS = 50;

export const sizeLabel = (size: number): string => size.toLocaleString('en-US');

export function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (value < 1) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

/** A Markdown table padded the way Prettier formats one, so the written file passes `prettier --check`. */
export function markdownTable(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => (i >= rightFrom ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((w, i) => (i >= rightFrom ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(a / b < 10 ? 1 : 0)}×`;

/** Rows = queries, columns = sizes (p50 / p95 in ms); with MongoDB figures, both and their ratio per size. */
export function latencyTable(queries: HotQuery[], sizes: number[], embedded: Results, mongo?: Results): string {
  const header = ['Query (p50 / p95, ms)'];
  for (const size of sizes) {
    if (mongo) header.push(`${sizeLabel(size)} embedded`, `${sizeLabel(size)} MongoDB`, `${sizeLabel(size)} ratio`);
    else header.push(`${sizeLabel(size)} users`);
  }
  const rows: string[][] = [];
  for (const query of queries) {
    const cells = [query.label];
    for (const size of sizes) {
      const e = embedded.get(size)?.get(query.key);
      cells.push(`${ms(e?.p50)} / ${ms(e?.p95)}`);
      if (mongo) {
        const m = mongo.get(size)?.get(query.key);
        cells.push(`${ms(m?.p50)} / ${ms(m?.p95)}`, `${ratio(e?.p50, m?.p50)} / ${ratio(e?.p95, m?.p95)}`);
      }
    }
    rows.push(cells);
  }
  return markdownTable(header, rows);
}

export function seedTable(seeds: SeedFigures[], target: string): string {
  const header = [
    `${target}: users`,
    'contacts',
    'calls',
    'participants',
    'chat messages',
    'documents',
    'seeding',
    'docs/s',
  ];
  const rows = seeds.map((s) => {
    const c = (name: string) => (s.counts[name] ?? 0).toLocaleString('en-US');
    return [
      sizeLabel(s.size),
      c('contacts'),
      c('calls'),
      c('call_participants'),
      c('chat_messages'),
      s.documents.toLocaleString('en-US'),
      `${(s.seedMs / 1000).toFixed(1)} s`,
      Math.round(s.documents / (s.seedMs / 1000)).toLocaleString('en-US'),
    ];
  });
  return markdownTable(header, rows, 0);
}

export function shapesList(queries: HotQuery[]): string {
  return queries.map((q) => `- **${q.label}**: \`${q.shape}\``).join('\n');
}

/**
 * Sentences read off the embedded figures: up to which size each query stays under the
 * threshold at p95, and from which size the embedded database stops being a good fit.
 */
export function interpretation(queries: HotQuery[], sizes: number[], embedded: Results): string[] {
  const sorted = [...sizes].sort((a, b) => a - b);
  const p95 = (size: number, key: string) => embedded.get(size)?.get(key)?.p95 ?? Number.NaN;
  const sentences: string[] = [];
  const always: string[] = [];
  let firstBreak: number | undefined;
  const breakingAt = new Map<number, string[]>();
  for (const query of queries) {
    const under = sorted.filter((size) => p95(size, query.key) < THRESHOLD_MS);
    const over = sorted.filter((size) => !(p95(size, query.key) < THRESHOLD_MS));
    if (over.length === 0) {
      always.push(
        `${query.label.toLowerCase()} (${ms(p95(sorted.at(-1)!, query.key))} ms at ${sizeLabel(sorted.at(-1)!)})`,
      );
      continue;
    }
    const first = over[0];
    breakingAt.set(first, [...(breakingAt.get(first) ?? []), query.label.toLowerCase()]);
    firstBreak = firstBreak === undefined ? first : Math.min(firstBreak, first);
    const last = under.filter((size) => size < first).at(-1);
    sentences.push(
      `${query.label}: ` +
        (last === undefined
          ? `over ${THRESHOLD_MS} ms p95 already at ${sizeLabel(first)} users (${ms(p95(first, query.key))} ms)`
          : `under ${THRESHOLD_MS} ms p95 up to ${sizeLabel(last)} users (${ms(p95(last, query.key))} ms), ` +
            `${ms(p95(first, query.key))} ms at ${sizeLabel(first)}`) +
        (first !== sorted.at(-1) ? `, ${ms(p95(sorted.at(-1)!, query.key))} ms at ${sizeLabel(sorted.at(-1)!)}.` : '.'),
    );
  }
  if (always.length > 0) {
    sentences.unshift(`Under ${THRESHOLD_MS} ms p95 at every measured size: ${always.join(', ')}.`);
  }
  for (const size of sorted) {
    const under = queries.filter((q) => p95(size, q.key) < THRESHOLD_MS).map((q) => q.label.toLowerCase());
    sentences.push(
      `At ${sizeLabel(size)} users, ${under.length} of the ${queries.length} hot queries stay under ` +
        `${THRESHOLD_MS} ms p95` +
        (under.length === 0 ? '.' : under.length === queries.length ? ' (all of them).' : ` (${under.join(', ')}).`),
    );
  }
  const lastGood = firstBreak === undefined ? sorted.at(-1)! : sorted.filter((size) => size < firstBreak).at(-1);
  sentences.push(
    'Fit: every query on the embedded database reads its whole collection, so its cost grows linearly with the ' +
      'data. ' +
      (lastGood === undefined
        ? `Not every hot query stays under ${THRESHOLD_MS} ms p95 even at ${sizeLabel(sorted[0])} users, the smallest ` +
          'size measured, so the embedded database is for development, tests and small demos (a few hundred users ' +
          'at most); anything with real users should run on MongoDB (`MONGODB_URI`).'
        : `It keeps every hot query under ${THRESHOLD_MS} ms p95 up to about ${sizeLabel(lastGood)} users` +
          (firstBreak === undefined
            ? ', the largest size measured.'
            : `; past that, run on MongoDB (\`MONGODB_URI\`): at ${sizeLabel(firstBreak)} users ` +
              `${breakingAt.get(firstBreak)!.join(', ')} go over.`)),
  );
  return sentences;
}
