// One footprint server: `node server.mjs <express|fastify> <variant> <zipkinUrl>`; prints its port, serves
// `GET /orders/:id` until it reads "stop" on stdin, then prints one JSON line with its memory (see `snapshot()`)
// and exits.
//   bare       no nodemeter
//   metrics    runtime + HTTP metrics, tracing off
//   traces10   metrics + traces sampled at 10% (Spring's default), exported to the Zipkin-compatible sink
//   traces100  metrics + traces sampled at 100%
//   traces0    metrics + tracing on, nothing sampled (probability 0): what the sampled spans add is traces10 minus it
//   otel10     OpenTelemetry auto-instrumentation, 10% sampled, Zipkin exporter (started with its `--import`)
// `<variant>-before`: the same nodemeter variant on an earlier build (NM_BEFORE: its index.js). NM_AFTER: the
// build to measure (default: the package itself).
// HEAP_SNAPSHOT=<dir>: also writes a heap snapshot after load (after a full GC) for a retained-objects diff.
// HEAP_PROFILE=<dir>: samples allocations during the load, keeping those a scavenge did not collect (promoted to
// the old generation, garbage or not: what makes old space grow), and writes the profile there.
// BENCH_BINDERS=<binder>+<binder>… or `none`: the nodemeter variants with only those runtime binders.
// BENCH_GC_OBSERVER=1: an empty observer of perf_hooks 'gc' entries in any variant, bare included (docs/benchmarks.md,
// "Ninth look"). Both are set per row: `VARIANTS=bare,bare~BENCH_GC_OBSERVER=1,metrics~BENCH_BINDERS=none`.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import v8 from 'node:v8';
import { chosenBinders, observeGcIfAsked, preloadIfAsked } from '../utils/server-knobs.mjs';

const [framework, variantArg, zipkin] = process.argv.slice(2);
const before = variantArg.endsWith('-before');
const variant = before ? variantArg.slice(0, -'-before'.length) : variantArg;
const entry = before ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter');
const require = createRequire(import.meta.url);

await observeGcIfAsked();
await preloadIfAsked();

let nm;
if (variant === 'metrics' || variant.startsWith('traces')) {
  const { instrument, BINDER_NAMES } = await import(entry);
  const tracing = variant.startsWith('traces')
    ? { samplingProbability: variant === 'traces100' ? 1 : variant === 'traces0' ? 0 : 0.1, zipkin: { endpoint: `${zipkin}/api/v2/spans` } }
    : { enabled: false };
  // BENCH_BINDERS=<binder>+<binder>… or `none`: only those runtime binders.
  const binders = process.env.BENCH_BINDERS;
  const metrics = binders === undefined ? undefined : { binders: chosenBinders(binders, BINDER_NAMES) };
  nm = instrument({ serviceName: 'bench', diagLevel: 'error', tracing, ...(metrics ? { metrics } : {}) });
}

let port;
if (framework === 'express') {
  const express = require('express');
  const app = express();
  if (nm) app.use(nm.express());
  app.get('/orders/:id', (req, res) => {
    res.json({ id: req.params.id, status: 'PAID' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = server.address().port;
} else {
  const Fastify = require('fastify');
  const app = Fastify();
  if (nm) await app.register(nm.fastify);
  app.get('/orders/:id', async (req) => ({ id: req.params.id, status: 'PAID' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = app.server.address().port;
}

const MiB = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
function memory() {
  const m = process.memoryUsage();
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    spaces[s.space_name] = { size: MiB(s.space_size), used: MiB(s.space_used_size) };
  }
  return {
    rss: MiB(m.rss), heapTotal: MiB(m.heapTotal), heapUsed: MiB(m.heapUsed), external: MiB(m.external),
    arrayBuffers: MiB(m.arrayBuffers), spaces,
  };
}

/** Scavenges, bytes that survived them (copied within the young generation or promoted), and full collections. */
function scavenges({ statistics }) {
  const used = (stats, name) => stats.heapSpaceStatistics.find((x) => x.spaceName === name)?.spaceUsedSize ?? 0;
  let count = 0;
  let survived = 0;
  for (const s of statistics) {
    if (s.gcType !== 'Scavenge') continue;
    count++;
    const kept = used(s.afterGC, 'new_space') + used(s.afterGC, 'new_large_object_space');
    const promoted = used(s.afterGC, 'old_space') + used(s.afterGC, 'large_object_space') -
      used(s.beforeGC, 'old_space') - used(s.beforeGC, 'large_object_space');
    survived += kept + Math.max(0, promoted);
  }
  return { scavenges: count, survived, full: statistics.length - count };
}

// Promoted allocations: objects collected by a major GC stay in the profile, those a scavenge freed do not.
let inspector;
if (process.env.HEAP_PROFILE) {
  const { Session } = await import('node:inspector/promises');
  inspector = new Session();
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false,
  });
}

// HEAP_SNAPSHOT_AT=<ms>: a snapshot in the middle of the load (with HEAP_SNAPSHOT's dir), to see who holds what.
if (process.env.HEAP_SNAPSHOT_AT) {
  setTimeout(() => {
    v8.writeHeapSnapshot(join(process.env.HEAP_SNAPSHOT, `${framework}-${variantArg}-${process.pid}-during.heapsnapshot`));
  }, Number(process.env.HEAP_SNAPSHOT_AT)).unref();
}

const atListen = memory();
const cpuAtListen = process.cpuUsage();
// What survived each scavenge during the load: V8 grows the young generation once the bytes that survived since its
// last growth exceed its capacity, and does not shrink it while allocation stays fast, so this per request is the
// figure that decides how far a busy server's young generation grows. Recorded by V8's GC profiler in native memory
// (nothing allocated on the JS heap per collection, so the measurement does not add survivors of its own).
const gcProfiler = new v8.GCProfiler();
gcProfiler.start();
process.stdout.write(`${port}\n`);
process.stdin.on('data', async (d) => {
  if (!String(d).includes('stop')) return;
  const cpu = process.cpuUsage(cpuAtListen);
  // After load, as a user's process would be: what the 20 MB goal is about.
  const afterLoad = memory();
  const gc = scavenges(gcProfiler.stop());
  let profile;
  if (inspector) {
    const { profile: p } = await inspector.post('HeapProfiler.stopSampling');
    const { writeFileSync } = await import('node:fs');
    profile = join(process.env.HEAP_PROFILE, `${framework}-${variantArg}-${process.pid}.heapprofile`);
    writeFileSync(profile, JSON.stringify(p));
  }
  // Let the batch processor's timer fire and the export finish, then see what is retained once garbage is gone.
  await new Promise((r) => setTimeout(r, 200));
  globalThis.gc?.();
  const afterGc = memory();
  // What became of the spans (nodemeter counts every drop): a smaller queue must not lose any under this load.
  let spans;
  if (nm?.tracing) {
    await nm.tracing.forceFlush().catch(() => {});
    spans = {};
    for (const line of (await nm.registry.scrape()).split('\n')) {
      const m = /^nodemeter_spans_total\{(.*)\} (\S+)/.exec(line);
      if (m) spans[/result="([^"]*)"/.exec(m[1])[1] + (/reason="([^"]*)"/.exec(m[1])?.[1] === 'none' ? '' : `:${/reason="([^"]*)"/.exec(m[1])[1]}`)] = Number(m[2]);
    }
  }
  let snapshot;
  if (process.env.HEAP_SNAPSHOT) snapshot = v8.writeHeapSnapshot(join(process.env.HEAP_SNAPSHOT, `${framework}-${variantArg}-${process.pid}.heapsnapshot`));
  process.stdout.write(`${JSON.stringify({ atListen, afterLoad, afterGc, gc, cpuUs: cpu.user + cpu.system, spans, snapshot, profile })}\n`);
  process.exit(0);
});
