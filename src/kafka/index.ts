/**
 * nodemeter's Kafka integration (kafkajs, and @confluentinc/kafka-javascript's KafkaJS-compatible API), explicit
 * and without global patching:
 *
 *   const kafka = nm.kafka.instrument(new Kafka({ clientId: 'order-service', brokers }), { clientId: 'order-service' });
 *   const producer = kafka.producer();          // traced, metered sends
 *   const consumer = kafka.consumer({ groupId }); // traced, metered listeners; lag from real offsets
 *
 * or, for clients created elsewhere, `nm.kafka.producer(p)` and `nm.kafka.consumer(c, { groupId })`.
 * The `kafka` health indicator asks the cluster (describeCluster, bounded by a timeout); the same admin gives the
 * cluster id of the spans' remote service (`Apache Kafka: <clusterId>`).
 *
 * @confluentinc/kafka-javascript takes its kafkajs-style settings under `kafkaJS` (`new Kafka({ kafkaJS: {
 * clientId, brokers } })`, `kafka.consumer({ kafkaJS: { groupId } })`): the wrappers read the group id there too.
 */
import { KafkaClientMetrics } from './client-metrics.js';
import { instrumentConsumer, type ConsumerOptions } from './consumer.js';
import { kafkaConventions } from './conventions.js';
import { delegate } from './delegate.js';
import type { KafkaDeps } from './deps.js';
import { LagMonitor } from './lag.js';
import { instrumentProducer, type ProducerOptions } from './producer.js';
import { clientLibraryVersion, clusterOf, type KafkaRuntime } from './runtime.js';
import type { KafkaAdminLike, KafkaConsumerLike, KafkaLike, KafkaProducerLike } from './types.js';

export type { ConsumerOptions } from './consumer.js';
export type { ProducerOptions } from './producer.js';
export type {
  KafkaAdminLike,
  KafkaConsumedMessageLike,
  KafkaConsumerLike,
  KafkaConsumerRunConfigLike,
  KafkaEachBatchPayloadLike,
  KafkaEachMessagePayloadLike,
  KafkaHeaders,
  KafkaLike,
  KafkaMessageToSend,
  KafkaProducerBatchLike,
  KafkaProducerLike,
  KafkaProducerRecordLike,
  KafkaSenderLike,
  KafkaSubscriptionLike,
  TracedEachBatchPayload,
} from './types.js';

/** @since 0.1.0 */
export interface InstrumentKafkaOptions {
  /** The client id given to `new Kafka({ clientId })` (kafkajs does not expose it). Default `kafkajs`. */
  clientId?: string;
  /** Register the `kafka` health indicator. Default true. */
  health?: boolean;
  /** Publish consumer lag gauges. Default true. */
  lag?: boolean;
  /**
   * Spring Kafka's observation label sets (default true: what a Spring fleet that traces over Kafka runs), or
   * false for the observation-off `{exception, name, result}` of fleets that do not. @since 0.3.0
   */
  observationConventions?: boolean;
}

/** nodemeter's kafkajs integration (`nm.kafka`). @since 0.1.0 */
export interface KafkaInstrumentation {
  /** A Kafka client whose producers and consumers are instrumented. The caller's client is not modified. */
  instrument<K extends KafkaLike>(kafka: K, options?: InstrumentKafkaOptions): K;
  /** An instrumented producer (sends traced and metered). */
  producer<P extends KafkaProducerLike>(producer: P, options?: ProducerOptions): P;
  /** An instrumented consumer (listeners traced and metered). */
  consumer<C extends KafkaConsumerLike>(consumer: C, options: ConsumerOptions): C;
  /** Disconnects the admin clients nodemeter opened and removes its health indicators. */
  close(): Promise<void>;
}

/** The kafkajs integration over the given registries. @since 0.2.0 */
export function createKafkaInstrumentation(deps: KafkaDeps): KafkaInstrumentation {
  return new DefaultKafkaInstrumentation(deps);
}

class DefaultKafkaInstrumentation implements KafkaInstrumentation {
  readonly #deps: KafkaDeps;
  readonly #closers: (() => Promise<void> | void)[] = [];
  #metrics: KafkaClientMetrics | undefined;
  #lag: LagMonitor | undefined;
  /** For clients given alone (no Kafka client, so no admin): remote service `Apache Kafka`, as Spring without one. */
  readonly #bare: KafkaRuntime;

  constructor(deps: KafkaDeps) {
    this.#deps = deps;
    this.#bare = this.#runtime(clusterOf(undefined), true);
  }

  #runtime(cluster: ReturnType<typeof clusterOf>, observationConventions: boolean): KafkaRuntime {
    const line = this.#deps.options?.springBoot ?? '4.0';
    return {
      observationConventions,
      conventions: (observation) => kafkaConventions(line, observation),
      metrics: () => (this.#metrics ??= new KafkaClientMetrics(this.#deps.registry)),
      cluster: cluster.cluster,
      fetchClusterId: cluster.fetch,
      clusterPending: cluster.pending,
      kafkaVersion: clientLibraryVersion,
      onClose: (fns) => {
        for (const fn of fns) this.#closers.push(fn);
      },
    };
  }

  /** A Kafka client whose producers and consumers are instrumented. The caller's client is not modified. */
  instrument<K extends KafkaLike>(kafka: K, options: InstrumentKafkaOptions = {}): K {
    const deps = this.#deps;
    const clientId = options.clientId ?? 'kafkajs';
    let admin: Promise<KafkaAdminLike> | undefined;
    const getAdmin = (): Promise<KafkaAdminLike> => {
      admin ??= (async () => {
        const a = kafka.admin();
        await a.connect();
        return a;
      })().catch((err: unknown) => {
        admin = undefined;
        throw err;
      });
      return admin;
    };
    this.#closers.push(async () => {
      if (admin) await (await admin.catch(() => undefined))?.disconnect();
    });
    const runtime = this.#runtime(
      clusterOf(async () => {
        const a = await getAdmin();
        return typeof a.describeCluster === 'function' ? a.describeCluster() : {};
      }),
      options.observationConventions ?? true,
    );
    // Read now, so the cluster id is usually known before the first record is sent.
    runtime.fetchClusterId();
    const track = options.lag === false ? undefined : (this.#lag ??= new LagMonitor(deps)).source(getAdmin);
    if (options.health !== false) {
      const unregister = deps.health.register('kafka', async () => {
        const a = await getAdmin();
        if (typeof a.describeCluster !== 'function') {
          // @confluentinc/kafka-javascript: no describeCluster; listing topics proves the cluster answers.
          const topics = await a.listTopics!();
          return { status: 'UP', details: { topics: topics.length } };
        }
        const cluster = await a.describeCluster();
        return { status: 'UP', details: { clusterId: cluster.clusterId, brokers: cluster.brokers.length } };
      });
      this.#closers.push(unregister);
    }
    return delegate(kafka, {
      producer: (config?: object) => instrumentProducer(kafka.producer(config), deps, runtime, { clientId }),
      consumer: (config: object) => {
        const consumer = kafka.consumer(config as never);
        const groupId = groupIdOf(config) ?? 'unknown';
        return instrumentConsumer(consumer, deps, runtime, {
          groupId,
          clientId,
          onSubscribe: track ? (topics) => track(groupId, clientId, runtime.kafkaVersion(consumer), topics) : undefined,
        });
      },
    });
  }

  /** An instrumented producer (sends traced and metered). */
  producer<P extends KafkaProducerLike>(producer: P, options: ProducerOptions = {}): P {
    return instrumentProducer(producer, this.#deps, this.#bare, options);
  }

  /** An instrumented consumer (listeners traced and metered). */
  consumer<C extends KafkaConsumerLike>(consumer: C, options: ConsumerOptions): C {
    return instrumentConsumer(consumer, this.#deps, this.#bare, options);
  }

  /** Disconnects the admin clients nodemeter opened and removes its health indicators and event listeners. */
  async close(): Promise<void> {
    for (const close of this.#closers.splice(0)) {
      try {
        await close();
      } catch {
        // Closing is best effort; a broker that is gone has nothing to disconnect from.
      }
    }
  }
}

/** kafkajs settings, top level (kafkajs) or under `kafkaJS` (@confluentinc/kafka-javascript). */
function kafkaJsSettings(config: unknown): Record<string, unknown> | undefined {
  if (config === null || typeof config !== 'object') return undefined;
  const nested = (config as { kafkaJS?: unknown }).kafkaJS;
  return nested !== null && typeof nested === 'object' ? (nested as Record<string, unknown>) : (config as Record<string, unknown>);
}

function groupIdOf(config: unknown): string | undefined {
  const g = kafkaJsSettings(config)?.groupId ?? (config as Record<string, unknown> | undefined)?.['group.id'];
  return typeof g === 'string' ? g : undefined;
}

