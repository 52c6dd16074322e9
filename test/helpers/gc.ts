/** Forcing garbage collections in tests, and scraping until the GC entries have arrived. */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MeterRegistry } from '../../src/metrics/registry.js';

v8.setFlagsFromString('--expose-gc');
/** A full, forced GC (`gc()` without the command-line flag). */
export const forceGc = vm.runInNewContext('gc') as () => void;

/** Scrapes until `ready(text)` holds: perf_hooks hands GC entries over asynchronously, later on a loaded machine. */
export async function scrapeUntil(registry: MeterRegistry, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  let text = await registry.scrape();
  while (!ready(text) && Date.now() < deadline) {
    await sleep(10);
    text = await registry.scrape();
  }
  return text;
}
