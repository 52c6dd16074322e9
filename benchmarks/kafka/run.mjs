// Kafka throughput: produce then consume N small messages with raw kafkajs vs the nodemeter-wrapped client
// (metrics + traces at Spring's default 10% sampling, exported to a sink), alternating rounds in one run.
// Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092; `bash scripts/stack up kafka` starts one).
//
//   node benchmarks/kafka/run.mjs [messages=100000] [rounds=2]
import { Kafka, logLevel } from 'kafkajs';
import { startSink } from '../utils/sink.mjs';
import { instrument } from 'nodemeter';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const BATCH = 500;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const sink = await startSink();
const nm = instrument({
  serviceName: 'kafka-bench',
  diagLevel: 'error',
  // The span sink is an HTTP server in this process; it is not the service under test, so don't observe it.
  http: { server: { enabled: false } },
  tracing: { zipkin: { endpoint: `${sink.url}/api/v2/spans` } },
});
const rawKafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const wrappedKafka = nm.kafka.instrument(new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING }), { clientId: 'bench', lag: false, health: false });
const admin = rawKafka.admin();
await admin.connect();

const payload = Buffer.alloc(64, 'x');
async function round(kafka, label, r) {
  const topic = `bench-${label}-${r}-${process.pid}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  let t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({ key: String(i + j), value: payload }));
    await producer.send({ topic, messages });
  }
  const produceMs = performance.now() - t0;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: topic, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  t0 = 0;
  await consumer.run({
    eachMessage: async () => {
      if (t0 === 0) t0 = performance.now();
      if (++seen === N) done();
    },
  });
  await finished;
  const consumeMs = performance.now() - t0;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  return { produce: (N / produceMs) * 1000, consume: (N / consumeMs) * 1000 };
}

const results = { raw: [], wrapped: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['raw', 'wrapped'] : ['wrapped', 'raw'];
  for (const v of order) results[v].push(await round(v === 'raw' ? rawKafka : wrappedKafka, v, r));
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`Kafka, node ${process.version}, ${N} messages of 64 B, batches of ${BATCH}, ${ROUNDS} rounds`);
for (const phase of ['produce', 'consume']) {
  const raw = mean(results.raw.map((x) => x[phase]));
  const wrapped = mean(results.wrapped.map((x) => x[phase]));
  console.log(`  ${phase.padEnd(8)} raw ${raw.toFixed(0).padStart(7)} msg/s   wrapped ${wrapped.toFixed(0).padStart(7)} msg/s   ratio ${(wrapped / raw).toFixed(3)}x`);
}
await admin.disconnect();
await nm.shutdown();
sink.close();
