/** Forcing garbage collections in tests, and scraping until the collections have been read. */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MeterRegistry } from '../../src/metrics/registry.js';

v8.setFlagsFromString('--expose-gc');
const g = globalThis as { gc?: () => void };
// The global gc() of --expose-gc, as a service started with that flag has it.
if (typeof g.gc !== 'function') g.gc = vm.runInNewContext('gc') as () => void;

/** A full, forced GC through the global `gc()` (called each time: nodemeter wraps it while it watches GC). */
export const forceGc = (): void => g.gc!();

/** Scrapes until `ready(text)` holds: GC is read in batches, later on a loaded machine. */
export async function scrapeUntil(registry: MeterRegistry, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  let text = await registry.scrape();
  while (!ready(text) && Date.now() < deadline) {
    await sleep(10);
    text = await registry.scrape();
  }
  return text;
}
