// CPU per record of nodemeter's Kafka wrappers alone, without a broker: a producer whose send() resolves at once and
// a consumer whose run() hands records to the wrapped eachMessage / eachBatch in a loop, as kafkajs does, with
// header values as Buffers, as kafkajs decodes them. Records carry a `traceparent` as nodemeter's producer writes it
// (one in ten sampled, as Spring's default 10% gives), or none (`-noheaders` phases). What the broker run
// (run.mjs) cannot resolve on a busy machine: differences of tenths of a microsecond. Each build in its own
// process, builds alternated per round, medians; `raw` is the same loop without nodemeter.
//
//   node benchmarks/kafka/per-record.mjs [rounds=5] [records=200000]
//   BUILDS=after,before (NM_AFTER / NM_BEFORE: index.js of the builds; default: this package's dist only)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSink } from '../utils/sink.mjs';
import { traceparents } from '../utils/traceparents.mjs';

const SELF = fileURLToPath(import.meta.url);
const PHASES = ['produce', 'consume', 'consume-noheaders', 'batch'];

if (process.argv[2] === '--child') {
  const [, , , entry, zipkin, n] = process.argv;
  const count = Number(n);
  const payload = Buffer.alloc(64, 'x');
  let producer = { send: async () => [], sendBatch: async () => [] };
  const fake = {
    config: undefined,
    subscribe: async () => {},
    run: async (config) => {
      fake.config = config;
    },
  };
  let consumer = fake;
  let nm;
  if (entry !== 'raw') {
    nm = (await import(entry)).instrument({
      serviceName: 'kafka-bench',
      diagLevel: 'error',
      logging: { console: false },
      tracing: { samplingProbability: 0.1, zipkin: { endpoint: `${zipkin}/api/v2/spans` } },
    });
    producer = nm.kafka.producer(producer, { clientId: 'bench' });
    consumer = nm.kafka.consumer(fake, { groupId: 'bench', clientId: 'bench' });
  }
  const parents = traceparents(1000);
  const record = (i, headers) => ({
    key: Buffer.from(String(i)),
    value: payload,
    timestamp: '1700000000000',
    attributes: 0,
    offset: String(i),
    size: 0,
    headers: headers ? { traceparent: Buffer.from(parents[i % 1000]) } : {},
  });
  const withHeaders = Array.from({ length: 1000 }, (_, i) => record(i, true));
  const without = Array.from({ length: 1000 }, (_, i) => record(i, false));
  const heartbeat = async () => {};
  const pause = () => () => {};
  const handler = async () => {};

  async function produce() {
    for (let i = 0; i < count; i += 500) {
      const messages = [];
      for (let j = 0; j < 500; j++) messages.push({ key: String(i + j), value: payload });
      await producer.send({ topic: 'bench', messages });
    }
  }
  async function consume(records) {
    await consumer.run({ eachMessage: handler });
    const each = fake.config.eachMessage;
    for (let i = 0; i < count; i++) await each({ topic: 'bench', partition: 0, message: records[i % 1000], heartbeat, pause });
  }
  async function batch() {
    const processMessage = (m, fn) => fn();
    await consumer.run({
      eachBatch: async ({ batch, processMessage: pm = processMessage }) => {
        for (const m of batch.messages) await pm(m, handler);
      },
    });
    const each = fake.config.eachBatch;
    const b = { topic: 'bench', partition: 0, messages: withHeaders };
    for (let i = 0; i < count; i += 1000) await each({ batch: b, heartbeat, pause, resolveOffset: () => {}, isRunning: () => true, isStale: () => false });
  }
  const phases = { produce, consume: () => consume(withHeaders), 'consume-noheaders': () => consume(without), batch };
  const out = {};
  // PROFILE=<phase>:<file>: the CPU profile of that phase's measured run (inspector's sampling profiler, 50 µs).
  const [profilePhase, profileFile] = (process.env.PROFILE ?? '').split(':');
  let session;
  for (const phase of PHASES) {
    await phases[phase](); // warm-up (JIT)
    if (phase === profilePhase) {
      const { Session } = await import('node:inspector/promises');
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 50 });
      await session.post('Profiler.start');
    }
    const before = process.cpuUsage();
    await phases[phase]();
    const cpu = process.cpuUsage(before);
    out[phase] = (cpu.user + cpu.system) / count;
    if (phase === profilePhase) {
      const { profile } = await session.post('Profiler.stop');
      (await import('node:fs')).writeFileSync(profileFile, JSON.stringify(profile));
      session.disconnect();
    }
  }
  await nm?.shutdown();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

const ROUNDS = Number(process.argv[2] ?? 5);
const N = process.argv[3] ?? '200000';
const builds = ['raw', ...(process.env.BUILDS ?? 'after').split(',')];
const entryOf = (b) => (b === 'raw' ? 'raw' : b === 'before' ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter'));
const sink = await startSink();
const results = Object.fromEntries(builds.map((b) => [b, []]));
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}; ${ROUNDS} rounds x ${N} records, 10% sampled`);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? [...builds].reverse() : builds;
  for (const b of order) {
    const child = spawn(process.execPath, [SELF, '--child', entryOf(b), sink.url, N], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`${b} failed (exit ${code})`);
    results[b].push(JSON.parse(out));
  }
}
sink.close();
console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('CPU µs per record: median (min–max); nodemeter builds also over raw');
for (const phase of PHASES) {
  console.log(`  ${phase}`);
  const raw = median(results.raw.map((x) => x[phase]));
  for (const b of builds) {
    const xs = results[b].map((x) => x[phase]);
    const m = median(xs);
    const over = b === 'raw' ? '' : `  +${(m - raw).toFixed(2)}`;
    console.log(`    ${b.padEnd(8)} ${m.toFixed(2).padStart(6)}  (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})${over}`);
  }
}
