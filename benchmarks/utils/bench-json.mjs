// The one result format every benchmark suite writes when BENCH_JSON=<file> is set, so `benchmarks/run-all.mjs` can
// render any suite into docs/benchmarks.md without knowing it:
//
//   { suite, title, command, node, loadavg: { start: [3], end: [3] }, columns: [..], rows: [[..], ..], notes: [..],
//     headline?: [{ what, result, goal?, met? }] }      (or an array of such objects for several tables)
//
// Cells are strings, already formatted. `headline` (optional) lists the figures of the configuration users run by
// default, which the report puts in its first table.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Load average as three numbers with one decimal: printed at the start and the end of every suite. */
export const load = () => loadavg().map((l) => Math.round(l * 10) / 10);

/** Writes `result` (one table object or an array of them) to BENCH_JSON when it is set; otherwise does nothing. */
export function writeBenchJson(result) {
  const file = process.env.BENCH_JSON;
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Median of numbers (mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
