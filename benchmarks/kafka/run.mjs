// Kafka throughput: produce then consume N small messages, each variant in its own process, variants alternated
// per round in one run, medians. Traced variants sample at Spring's default 10% and export to a Zipkin-compatible
// sink in the parent process.
//   raw        kafkajs alone
//   nodemeter  nm.kafka.instrument() (metrics + traces), from NM_AFTER (a build's index.js) or the package itself
//   before     the same from NM_BEFORE (an earlier build's index.js), when set: before and after share the rounds
//   started    (only when named in VARIANTS) nodemeter started by instrument(), the Kafka client not wrapped: what the
//              rest of nodemeter (runtime binders, context manager) costs this workload
//   headers    raw kafkajs whose records carry a W3C `traceparent` header, as a traced producer writes: the part of
//              a traced variant's cost that is kafkajs encoding and decoding the propagation header
//   otel       OpenTelemetry's @opentelemetry/instrumentation-kafkajs with NodeTracerProvider, ParentBased(ratio 0.1),
//              BatchSpanProcessor and the Zipkin exporter (skipped, and said so, when the package is not installed)
// Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092; `bash scripts/stack up kafka` starts one).
// VARIANTS=raw,nodemeter,… picks variants; BENCH_JSON=<file> writes the results in the benchmark report format.
//
//   node benchmarks/kafka/run.mjs [messages=50000] [rounds=3] [warmup=10000]
//   WARMUP=10000 node benchmarks/kafka/run.mjs profile <variant> [messages=50000] [top=25]
//
// Every process first produces and consumes `warmup` records of the same kind, unmeasured: the figures are a
// running service's (code optimised, lazily loaded modules loaded), not its first seconds'; `warmup` 0 measures the
// cold start. The consumer fetches kafkajs's default 1 MiB a partition (KAFKA_FETCH_BYTES overrides it), so the
// measured records are fetched and decoded inside the measurement (docs/benchmarks.md, "Fifth look").
//
// `profile` runs one variant once with the CPU profiler on during each phase (produce, consume) and prints the top
// frames by self time and nodemeter's frames by inclusive time, per record; the .cpuprofile files stay in the
// printed directory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSink } from '../utils/sink.mjs';
import { traceparents } from '../utils/traceparents.mjs';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
const BATCH = 500;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

if (process.argv[2] === '--child') {
  const [, , , variant, zipkin, n, r, w, profileDir] = process.argv;
  const N = Number(n);
  const W = Number(w);
  let kafkajs;
  let shutdown = async () => {};
  if (variant === 'otel') {
    // Registered before kafkajs is loaded, as OpenTelemetry's instrumentations require.
    const { registerInstrumentations } = require('@opentelemetry/instrumentation');
    const { KafkaJsInstrumentation } = require('@opentelemetry/instrumentation-kafkajs');
    const { NodeTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } = require('@opentelemetry/sdk-trace-node');
    const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');
    const provider = new NodeTracerProvider({
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
      spanProcessors: [new BatchSpanProcessor(new ZipkinExporter({ url: `${zipkin}/api/v2/spans`, serviceName: 'kafka-bench' }))],
    });
    provider.register();
    registerInstrumentations({ instrumentations: [new KafkaJsInstrumentation()] });
    shutdown = () => provider.shutdown();
    kafkajs = require('kafkajs');
  } else {
    kafkajs = require('kafkajs');
  }
  const { Kafka, logLevel } = kafkajs;
  let kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  if (variant === 'nodemeter' || variant === 'before' || variant === 'started') {
    const { instrument } = await import(variant === 'before' ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter'));
    const nm = instrument({
      serviceName: 'kafka-bench',
      diagLevel: 'error',
      logging: { console: false },
      tracing: { samplingProbability: 0.1, zipkin: { endpoint: `${zipkin}/api/v2/spans` } },
    });
    if (variant !== 'started') kafka = nm.kafka.instrument(kafka, { clientId: 'bench', lag: false, health: false });
    shutdown = () => nm.shutdown();
  }
  // Profiling (the `profile` command): the inspector's sampling profiler, on during one measured phase at a time.
  let session;
  const startProfile = async () => {
    if (!profileDir) return;
    const { Session } = await import('node:inspector/promises');
    session ??= new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  };
  const stopProfile = async (phase) => {
    if (!profileDir) return;
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `${phase}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `bench-${variant}-${r}-${process.pid}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const payload = Buffer.alloc(64, 'x');
  // Drawn before the measurement, so the variant pays for carrying the header, not for making ids.
  const parents = traceparents(1000);
  let drawn = 0;
  const traceparent = () => parents[drawn++ % 1000];
  const producer = kafka.producer();
  await producer.connect();
  // One send outside the measurement: it waits for the cluster id (nodemeter) and warms the connection. The
  // consumer below stops counting at N, before this extra record's turn or after it: the same for every variant.
  await producer.send({ topic, messages: [{ key: 'warm', value: payload }] });
  const produce = async (from, to) => {
    for (let i = from; i < to; i += BATCH) {
      const messages = Array.from({ length: Math.min(BATCH, to - i) }, (_, j) =>
        variant === 'headers' ? { key: String(i + j), value: payload, headers: { traceparent: traceparent() } } : { key: String(i + j), value: payload },
      );
      await producer.send({ topic, messages });
    }
  };
  await produce(0, W);
  await startProfile();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  await produce(W, W + N);
  const produceMs = performance.now() - t0;
  let cpu = process.cpuUsage(cpu0);
  await stopProfile('produce');
  const produceCpu = (cpu.user + cpu.system) / N;
  await producer.disconnect();
  // kafkajs's default fetch size (1 MiB a partition, about 9,500 of these records), so the measured records arrive in
  // fetches of their own after the warm-up's: with 4 MiB the first fetch decoded warm-up and measured records alike
  // before the clock started, and a batch of 38,000 records stayed alive through the measurement (docs/benchmarks.md,
  // "Fifth look"). KAFKA_FETCH_BYTES overrides it.
  const consumer = kafka.consumer({ groupId: topic, maxBytesPerPartition: Number(process.env.KAFKA_FETCH_BYTES ?? 1024 * 1024) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done;
  const finished = new Promise((res) => (done = res));
  t0 = 0;
  await consumer.run({
    eachMessage: async () => {
      if (seen === W) {
        await startProfile();
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      }
      if (++seen === W + N) done();
    },
  });
  await finished;
  const consumeMs = performance.now() - t0;
  cpu = process.cpuUsage(cpu0);
  await stopProfile('consume');
  const consumeCpu = (cpu.user + cpu.system) / N;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await shutdown();
  process.stdout.write(JSON.stringify({ produce: (N / produceMs) * 1000, consume: (N / consumeMs) * 1000, produceCpu, consumeCpu }) + '\n');
  process.exit(0);
}

function runChild(variant, sinkUrl, n, round, warmup, profileDir) {
  const args = [SELF, '--child', variant, sinkUrl, String(n), String(round), String(warmup)];
  if (profileDir) args.push(profileDir);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`variant ${variant} failed (exit ${code})`);
    return JSON.parse(out);
  });
}

if (process.argv[2] === 'profile') {
  const variant = process.argv[3] ?? 'nodemeter';
  const N = Number(process.argv[4] ?? 50000);
  const top = Number(process.argv[5] ?? 25);
  const warmup = Number(process.env.WARMUP ?? 10000);
  const dir = mkdtempSync(join(tmpdir(), 'nm-kafka-prof-'));
  const sink = await startSink();
  const result = await runChild(variant, sink.url, N, 0, warmup, dir);
  sink.close();
  console.log(`${variant}, node ${process.version}, ${N} records after ${warmup} unmeasured, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; profiles in ${dir}`);
  for (const phase of ['produce', 'consume']) report(phase, JSON.parse(readFileSync(join(dir, `${phase}.cpuprofile`), 'utf8')), N, top, result);
  process.exit(0);
}

/** Top self-time frames, per package, and nodemeter's functions by inclusive time; µs per record. */
function report(phase, profile, records, top, result) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const interval = (profile.endTime - profile.startTime) / profile.samples.length;
  const where = (f) => {
    const url = f.url.replace(/^file:\/\//, '');
    if (!url) return '';
    if (url.includes('node_modules/')) return url.replace(/.*node_modules\//, '');
    if (url.startsWith('node:')) return url;
    return url.replace(/.*\/(dist|src|\.bench-builds\/[^/]+)\//, 'nodemeter/');
  };
  const label = (f) => `${f.functionName || '(anonymous)'}  ${where(f)}:${f.lineNumber + 1}`;
  const self = new Map();
  const pkgs = new Map();
  const inclusive = new Map();
  let idle = 0;
  for (const [id, n] of counts) {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') {
      idle += n;
      continue;
    }
    self.set(label(f), (self.get(label(f)) ?? 0) + n);
    const w = where(f);
    const pkg = !f.url ? f.functionName : f.url.startsWith('node:') ? 'node internals' : w.startsWith('nodemeter/') ? 'nodemeter' : w.split('/').slice(0, w.startsWith('@') ? 2 : 1).join('/');
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + n);
    // Inclusive: every distinct nodemeter frame on this sample's stack.
    const seen = new Set();
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const pf = byId.get(p).callFrame;
      if (!where(pf).startsWith('nodemeter/')) continue;
      const k = label(pf);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + n);
    }
  }
  const busy = profile.samples.length - idle;
  const fmt = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)}%  ${((n * interval) / records).toFixed(2).padStart(6)} µs/rec`;
  console.log(`\n${phase}: ${records} records, ${result[phase].toFixed(0)} msg/s, ${result[`${phase}Cpu`].toFixed(1)} µs CPU/record; busy in profile ${((busy * interval) / records).toFixed(2)} µs/record`);
  console.log('  top frames by self time');
  for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${fmt(n)}  ${k}`);
  console.log('  by package');
  for (const [k, n] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${fmt(n)}  ${k}`);
  console.log('  nodemeter by inclusive time');
  for (const [k, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${fmt(n)}  ${k}`);
}

const N = process.argv[2] ?? '50000';
const ROUNDS = Number(process.argv[3] ?? 3);
const WARMUP = Number(process.argv[4] ?? 10000);
const wanted = process.env.VARIANTS ? process.env.VARIANTS.split(',') : undefined;
const variants = ['raw', 'headers', 'nodemeter'];
const notes = [];
if (process.env.NM_BEFORE) variants.push('before');
try {
  require.resolve('@opentelemetry/instrumentation-kafkajs');
  variants.push('otel');
} catch {
  notes.push('@opentelemetry/instrumentation-kafkajs is not installed: its variant is skipped');
  console.log(`(${notes[0]})`);
}
if (wanted?.includes('started')) variants.push('started');
const chosen = wanted ? variants.filter((v) => v === 'raw' || wanted.includes(v)) : variants;
const sink = await startSink();
const results = Object.fromEntries(chosen.map((v) => [v, []]));
const load0 = loadavg();
console.log(
  `load average ${load0.map((l) => l.toFixed(1)).join(' ')}; Kafka, node ${process.version}, ${N} messages of 64 B after ${WARMUP} unmeasured, batches of ${BATCH}, ${ROUNDS} rounds, 10% sampling`,
);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? chosen : [...chosen].reverse();
  for (const v of order) results[v].push(await runChild(v, sink.url, N, r, WARMUP));
}
sink.close();
const load1 = loadavg();
console.log(`load average at the end ${load1.map((l) => l.toFixed(1)).join(' ')}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const LABELS = {
  raw: 'raw kafkajs',
  headers: 'raw kafkajs, records with a traceparent header',
  nodemeter: 'nodemeter (10% sampled)',
  before: 'nodemeter, before (NM_BEFORE)',
  started: 'nodemeter started, Kafka client not wrapped',
  otel: 'OpenTelemetry instrumentation-kafkajs (10% sampled)',
};
const tables = [];
for (const phase of ['produce', 'consume']) {
  const raw = median(results.raw.map((x) => x[phase]));
  const rawCpu = median(results.raw.map((x) => x[`${phase}Cpu`]));
  console.log(`\n${phase}: msg/s median (rounds), ratio to raw (rounds), CPU µs per record (over raw)`);
  const rows = [];
  const ratioOf = {};
  for (const v of chosen) {
    const xs = results[v];
    const rate = median(xs.map((x) => x[phase]));
    const c = median(xs.map((x) => x[`${phase}Cpu`]));
    // Per-round ratios against raw's figure in the same round.
    const ratios = xs.map((x, i) => (x[phase] / results.raw[i][phase]).toFixed(2)).join(' ');
    ratioOf[v] = rate / raw;
    console.log(
      `  ${v.padEnd(10)} ${rate.toFixed(0).padStart(7)} (${xs.map((x) => x[phase].toFixed(0)).join(' ')})  ${(rate / raw).toFixed(2)}x (${ratios})  ${c.toFixed(1)} µs (+${(c - rawCpu).toFixed(1)})`,
    );
    rows.push([
      LABELS[v],
      `${rate.toFixed(0)} (${xs.map((x) => x[phase].toFixed(0)).join(' ')})`,
      `${(rate / raw).toFixed(2)} (${ratios})`,
      c.toFixed(1),
      v === 'raw' ? '—' : `+${(c - rawCpu).toFixed(1)}`,
    ]);
  }
  const goal = phase === 'produce' ? 0.9 : 0.7;
  const headline = [];
  if (ratioOf.nodemeter !== undefined) {
    const ahead = ratioOf.otel === undefined ? '' : ratioOf.nodemeter > ratioOf.otel ? ', ahead of OpenTelemetry' : ', not ahead of OpenTelemetry';
    headline.push({
      what: `Kafka ${phase}, nodemeter vs raw kafkajs (10% sampled, empty handler)`,
      result: `${ratioOf.nodemeter.toFixed(2)}× (OpenTelemetry ${ratioOf.otel === undefined ? 'not run' : `${ratioOf.otel.toFixed(2)}×`})`,
      goal: `≥ ${goal}, ahead of OpenTelemetry`,
      met: ratioOf.nodemeter >= goal && ahead === ', ahead of OpenTelemetry',
    });
  }
  tables.push({
    suite: `kafka-${phase}`,
    title: `Kafka ${phase}, ${N} × 64 B records after ${WARMUP} unmeasured, 10% sampling, empty handler, vs raw kafkajs`,
    command: `node benchmarks/kafka/run.mjs ${N} ${ROUNDS} ${WARMUP}`,
    node: process.version,
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    loadavg: { start: load0, end: load1 },
    columns: ['variant', 'msg/s median (rounds)', 'ratio to raw (rounds)', 'CPU µs/record', 'CPU µs/record over raw'],
    rows,
    notes: [
      `each variant in its own process, alternated per round, ${ROUNDS} rounds, medians; batches of ${BATCH} per send(); consumer fetches of kafkajs's default 1 MiB a partition; a real broker at ${brokers.join(',')}`,
      `measured after ${WARMUP} records produced and consumed in the same process, unmeasured: a running service's cost, with the code optimised and lazily loaded modules loaded (0 measures the cold start)`,
      phase === 'produce' ? 'goal: nodemeter ≥ 0.9 of raw, ahead of OpenTelemetry' : 'goal: nodemeter ≥ 0.7 of raw, ahead of OpenTelemetry',
      ...notes,
    ],
    headline,
  });
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(tables, null, 2) + '\n');
