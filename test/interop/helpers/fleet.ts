/**
 * One Spring Boot service and one nodemeter service per propagation type, for one Boot line: the JVMs start in
 * parallel (Spring reads `management.tracing.propagation.type` once, at start, so each type needs its own JVM, and a
 * JVM's start is mostly waiting on class loading that overlaps well), and each pair serves every scenario (HTTP and
 * Kafka both ways, the parity capture), so a Boot line costs three JVM starts in the time of about one and a half.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { InteropEnv } from './env.js';
import { startNode, type NodeService } from './node.js';
import { BOOT_VERSION, startSpring, type BootLine, type Propagation, type SpringApp } from './spring.js';

export const PROPAGATIONS: Propagation[] = ['W3C', 'B3', 'B3_MULTI'];

export interface Pair {
  line: BootLine;
  propagation: Propagation;
  java: SpringApp;
  node: NodeService;
  /** the topic each side's listener consumes */
  topics: { java: string; node: string };
}

export interface Fleet {
  pairs: Record<Propagation, Pair>;
  /** milliseconds from the first spawn until every service of the line was up */
  startMs: number;
  stop(): Promise<void>;
}

export function kafkaAdmin(env: InteropEnv): Admin {
  return new Kafka({ clientId: 'interop-test', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
}

/** Starts the three pairs of one Boot line; if any fails, stops the others and throws the first failure. */
export async function startFleet(line: BootLine, env: InteropEnv, admin: Admin): Promise<Fleet> {
  const t0 = Date.now();
  const names = (p: Propagation): { tag: string; topics: Pair['topics'] } => {
    const tag = `${line}-${p.toLowerCase().replace('_', '')}-${process.pid}`;
    return { tag, topics: { java: `interop-java-${tag}`, node: `interop-node-${tag}` } };
  };
  await admin.createTopics({
    topics: PROPAGATIONS.flatMap((p) => Object.values(names(p).topics)).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  const started: { stop(): Promise<void> }[] = [];
  const startOne = async (propagation: Propagation): Promise<Pair> => {
    const { tag, topics } = names(propagation);
    const common = { propagation, kafkaBrokers: env.kafkaBrokers, zipkinUrl: env.zipkinUrl, victoriaLogsUrl: env.victoriaLogsUrl };
    const [java, node] = await Promise.all([
      startSpring({ ...common, line, appName: `java-${tag}`, listenTopic: topics.java, timeoutMs: 180_000 }).then((s) => (started.push(s), s)),
      // nodemeter follows the conventions of the Boot line it runs beside
      startNode({ ...common, appName: `node-${tag}`, listenTopic: topics.node, env: { NODEMETER_SPRING_BOOT: BOOT_VERSION[line] } })
        .then((s) => (started.push(s), s)),
    ]);
    return { line, propagation, java, node, topics };
  };
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  const results = await Promise.allSettled(PROPAGATIONS.map(startOne));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const pairs = Object.fromEntries(
    results.map((r, i) => [PROPAGATIONS[i], (r as PromiseFulfilledResult<Pair>).value]),
  ) as Record<Propagation, Pair>;
  return { pairs, startMs: Date.now() - t0, stop };
}
