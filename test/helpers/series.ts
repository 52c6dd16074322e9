/** Finding exact series in an exposition, and waiting for them. */
import { parseExposition, type ParsedSample } from './registry.js';
import { waitFor } from './http.js';

export function find(text: string, name: string, labels: Record<string, string>): ParsedSample | undefined {
  return parseExposition(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length >= Object.keys(labels).length,
  );
}

/** Waits until the series exists with at least `min` as value; returns the whole sample. */
export function waitForSeries(
  scrape: () => Promise<string>,
  name: string,
  labels: Record<string, string>,
  min = 1,
  timeoutMs = 10_000,
): Promise<ParsedSample> {
  return waitFor(
    `${name}${JSON.stringify(labels)} >= ${min}`,
    async () => {
      const s = find(await scrape(), name, labels);
      return s !== undefined && s.value >= min ? s : undefined;
    },
    timeoutMs,
    20,
  ).catch(async (err) => {
    const text = await scrape();
    const same = parseExposition(text).filter((s) => s.name === name);
    throw new Error(`${String(err)}\nseries of ${name}:\n${same.map((s) => JSON.stringify(s)).join('\n')}`);
  });
}
