// Bytes a sampled span keeps while it waits in the batch for export: an HTTP server span (four tags and a URL, as
// the HTTP integration writes them), 100% sampled, held by a batch that never fills (no export), heap after a full
// GC with and without the spans, per span, and the same for memory outside the heap (array buffers). Each build in
// its own process.
//
//   node benchmarks/tracing/held-span.mjs [spans=50000]
//   BUILDS=after,before (NM_AFTER / NM_BEFORE: index.js of the builds; default: this package only)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { servedRequests } from '../utils/served-requests.mjs';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const [, , , entry, n] = process.argv;
  const nodemeter = await import(entry);
  const nm = nodemeter.instrument({
    serviceName: 'bench',
    diagLevel: 'error',
    logging: { console: false },
    tracing: {
      samplingProbability: 1,
      zipkin: { endpoint: 'http://127.0.0.1:9/api/v2/spans' },
      export: { maxQueueSize: 1_000_000, maxExportBatchSize: 1_000_000, scheduledDelayMs: 3_600_000 },
    },
  });
  const observe = servedRequests(nodemeter, nm);
  observe(1000); // code optimised, lazily made objects made
  globalThis.gc();
  globalThis.gc();
  const before = process.memoryUsage();
  observe(Number(n));
  globalThis.gc();
  globalThis.gc();
  const after = process.memoryUsage();
  const per = (key) => ((after[key] - before[key]) / Number(n)).toFixed(0);
  process.stdout.write(`${per('heapUsed')} bytes on the heap, ${per('arrayBuffers')} outside it\n`);
  process.exit(0);
}

const N = process.argv[2] ?? '50000';
const builds = (process.env.BUILDS ?? 'after').split(',');
const entryOf = (b) => (b === 'before' ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter'));
console.log(`node ${process.version}; ${N} sampled HTTP server spans held in the batch`);
for (const b of builds) {
  const r = spawnSync(process.execPath, ['--expose-gc', SELF, '--child', entryOf(b), N], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  console.log(`  ${b.padEnd(8)} a held span: ${r.stdout.trim()}`);
}
