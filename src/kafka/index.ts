/**
 * nodemeter's kafkajs integration, explicit and without global patching:
 *
 *   const kafka = nm.kafka.instrument(new Kafka({ clientId: 'order-service', brokers }), { clientId: 'order-service' });
 *   const producer = kafka.producer();          // traced, metered sends
 *   const consumer = kafka.consumer({ groupId }); // traced, metered listeners; lag from real offsets
 *
 * or, for clients created elsewhere, `nm.kafka.producer(p)` and `nm.kafka.consumer(c, { groupId })`.
 * The `kafka` health indicator asks the cluster (describeCluster, bounded by a timeout).
 */
import { instrumentConsumer, type ConsumerOptions } from './consumer.js';
import type { KafkaDeps } from './deps.js';
import { LagMonitor } from './lag.js';
import { instrumentProducer, type ProducerOptions } from './producer.js';
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

  constructor(deps: KafkaDeps) {
    this.#deps = deps;
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
    const lag = options.lag === false ? undefined : new LagMonitor(getAdmin, deps);
    if (options.health !== false) {
      const unregister = deps.health.register('kafka', async () => {
        const cluster = await (await getAdmin()).describeCluster();
        return { status: 'UP', details: { clusterId: cluster.clusterId, brokers: cluster.brokers.length } };
      });
      this.#closers.push(unregister);
    }
    const self = this;
    const wrapped = Object.create(kafka) as K;
    Object.assign(wrapped, {
      producer(config?: object) {
        return self.producer(kafka.producer(config), { clientId });
      },
      consumer(config: { groupId: string }) {
        return self.consumer(kafka.consumer(config), {
          groupId: config.groupId,
          clientId,
          onSubscribe: lag ? (topics) => lag.track(config.groupId, clientId, topics) : undefined,
        });
      },
    });
    return wrapped;
  }

  /** An instrumented producer (sends traced and metered). */
  producer<P extends KafkaProducerLike>(producer: P, options: ProducerOptions = {}): P {
    return instrumentProducer(producer, this.#deps, options);
  }

  /** An instrumented consumer (listeners traced and metered). */
  consumer<C extends KafkaConsumerLike>(consumer: C, options: ConsumerOptions): C {
    return instrumentConsumer(consumer, this.#deps, options);
  }

  /** Disconnects the admin clients nodemeter opened and removes its health indicators. */
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
