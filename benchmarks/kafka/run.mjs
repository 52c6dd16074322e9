// Kafka throughput: produce then consume N small messages, each variant in its own process, variants alternated
// per round in one run, medians. Traced variants sample at Spring's default 10% and export to a Zipkin-compatible
// sink in the parent process.
//   raw        kafkajs alone
//   nodemeter  nm.kafka.instrument() (metrics + traces)
//   otel       OpenTelemetry's @opentelemetry/instrumentation-kafkajs with NodeTracerProvider, ParentBased(ratio 0.1),
//              BatchSpanProcessor and the Zipkin exporter (skipped, and said so, when the package is not installed)
//   before     nodemeter from NM_BEFORE (dist/index.js of an earlier build), when set
// Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092; `bash scripts/stack up kafka` starts one).
//
//   node benchmarks/kafka/run.mjs [messages=50000] [rounds=3]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSink } from '../utils/sink.mjs';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
const BATCH = 500;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

if (process.argv[2] === '--child') {
  const [, , , variant, zipkin, n, r] = process.argv;
  const N = Number(n);
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
  if (variant === 'nodemeter' || variant === 'before') {
    const { instrument } = await import(variant === 'before' ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter'));
    const nm = instrument({
      serviceName: 'kafka-bench',
      diagLevel: 'error',
      logging: { console: false },
      tracing: { samplingProbability: 0.1, zipkin: { endpoint: `${zipkin}/api/v2/spans` } },
    });
    kafka = nm.kafka.instrument(kafka, { clientId: 'bench', lag: false, health: false });
    shutdown = () => nm.shutdown();
  }
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `bench-${variant}-${r}-${process.pid}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const payload = Buffer.alloc(64, 'x');
  const producer = kafka.producer();
  await producer.connect();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({ key: String(i + j), value: payload }));
    await producer.send({ topic, messages });
  }
  const produceMs = performance.now() - t0;
  let cpu = process.cpuUsage(cpu0);
  const produceCpu = (cpu.user + cpu.system) / N;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: topic, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done;
  const finished = new Promise((res) => (done = res));
  t0 = 0;
  await consumer.run({
    eachMessage: async () => {
      if (t0 === 0) {
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      }
      if (++seen === N) done();
    },
  });
  await finished;
  const consumeMs = performance.now() - t0;
  cpu = process.cpuUsage(cpu0);
  const consumeCpu = (cpu.user + cpu.system) / N;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await shutdown();
  process.stdout.write(JSON.stringify({ produce: (N / produceMs) * 1000, consume: (N / consumeMs) * 1000, produceCpu, consumeCpu }) + '\n');
  process.exit(0);
}

const N = process.argv[2] ?? '50000';
const ROUNDS = Number(process.argv[3] ?? 3);
const variants = ['raw', 'nodemeter'];
try {
  require.resolve('@opentelemetry/instrumentation-kafkajs');
  variants.push('otel');
} catch {
  console.log('(@opentelemetry/instrumentation-kafkajs is not installed: its variant is skipped)');
}
if (process.env.NM_BEFORE) variants.push('before');
const sink = await startSink();
const results = Object.fromEntries(variants.map((v) => [v, []]));
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; Kafka, node ${process.version}, ${N} messages of 64 B, batches of ${BATCH}, ${ROUNDS} rounds, 10% sampling`);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const child = spawn(process.execPath, [SELF, '--child', v, sink.url, N, String(r)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`variant ${v} failed (exit ${code})`);
    results[v].push(JSON.parse(out));
  }
}
sink.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const phase of ['produce', 'consume']) {
  const raw = median(results.raw.map((x) => x[phase]));
  const rawCpu = median(results.raw.map((x) => x[`${phase}Cpu`]));
  console.log(`\n${phase}: msg/s median (rounds), ratio to raw, CPU µs per record (over raw)`);
  for (const v of variants) {
    const xs = results[v];
    const rate = median(xs.map((x) => x[phase]));
    const c = median(xs.map((x) => x[`${phase}Cpu`]));
    console.log(
      `  ${v.padEnd(10)} ${rate.toFixed(0).padStart(7)} (${xs.map((x) => x[phase].toFixed(0)).join(' ')})  ${(rate / raw).toFixed(2)}x  ${c.toFixed(1)} µs (+${(c - rawCpu).toFixed(1)})`,
    );
  }
}
