/**
 * An instrumented kafkajs consumer.
 *
 * eachMessage: the handler runs inside a CONSUMER observation (`<topic> receive`, `spring_kafka_listener_seconds`)
 * whose parent is the producer's context read from the record headers, so logs and calls made in the handler are
 * its children. Records without (or with unreadable) trace headers start a new root trace.
 *
 * eachBatch: one `spring_kafka_listener_seconds` record per batch (as a Spring batch listener: an observation with
 * the same tags and the same `exception` rule as per record, but no span), and the payload
 * gains `processMessage(message, fn)`, which runs `fn` inside that message's own CONSUMER span, a child of the
 * trace that produced it. A batch holds records of many traces; this is how each one's work stays in its own
 * trace instead of all of it hanging under one batch span.
 *
 *   run({ eachBatch: async ({ batch, processMessage }) => {
 *     for (const message of batch.messages) await processMessage(message, () => handle(message));
 *   }})
 */
import type { CounterChild } from '../metrics/counter.js';
import { KafkaBatchContext, KafkaReceiverContext } from './context.js';
import { KafkaBatchListenerConvention, KafkaListenerConvention } from './conventions.js';
import type { KafkaDeps } from './deps.js';
import type {
  KafkaConsumedMessageLike,
  KafkaConsumerLike,
  KafkaConsumerRunConfigLike,
  KafkaEachBatchPayloadLike,
  KafkaEachMessagePayloadLike,
  KafkaSubscriptionLike,
  TracedEachBatchPayload,
} from './types.js';

/** @since 0.1.0 */
export interface ConsumerOptions {
  /** The consumer group (needed for the `name` tag default and for lag). */
  groupId: string;
  /** The `name` tag of spring_kafka_listener_seconds (Spring: the listener container id). Default: the group id. */
  name?: string;
  clientId?: string;
  /** Called with the topics each `subscribe()` names (the lag monitor uses it). */
  onSubscribe?: (topics: (string | RegExp)[]) => void;
}

type EachMessage = NonNullable<KafkaConsumerRunConfigLike['eachMessage']>;
type EachBatch = NonNullable<KafkaConsumerRunConfigLike['eachBatch']>;

const messageConvention = new KafkaListenerConvention(true);
const batchMessageConvention = new KafkaListenerConvention(false);
const batchConvention = new KafkaBatchListenerConvention();

export function instrumentConsumer<C extends KafkaConsumerLike>(consumer: C, deps: KafkaDeps, options: ConsumerOptions): C {
  const { observations, registry } = deps;
  const groupId = options.groupId;
  const clientId = options.clientId ?? 'kafkajs';
  const name = options.name ?? groupId;
  const consumed = registry.counter('kafka.consumer.fetch.manager.records.consumed', {
    description: 'Records consumed, per topic (Kafka consumer-fetch-manager-metrics records-consumed-total)',
    labelNames: ['client_id', 'topic'],
  });
  const perTopic = new Map<string, CounterChild>();
  const countOf = (topic: string): CounterChild => {
    let c = perTopic.get(topic);
    if (c === undefined) {
      c = consumed.child({ client_id: clientId, topic });
      if (perTopic.size < 10_000) perTopic.set(topic, c);
    }
    return c;
  };

  function contextOf(topic: string, partition: number, message: KafkaConsumedMessageLike, meters: boolean): KafkaReceiverContext {
    return new KafkaReceiverContext(
      topic,
      partition,
      message.offset,
      message.key,
      name,
      groupId,
      clientId,
      message.headers,
      meters ? messageConvention : batchMessageConvention,
    );
  }

  function eachMessage(handler: EachMessage): EachMessage {
    return (payload: KafkaEachMessagePayloadLike): Promise<void> => {
      countOf(payload.topic).inc();
      // The handler and its payload go to observe() as function and argument: no closure per record.
      return observations.observe(contextOf(payload.topic, payload.partition, payload.message, true), handler, payload);
    };
  }

  function eachBatch(handler: EachBatch): EachBatch {
    // async, as before: a handler that throws synchronously still gives kafkajs a rejected promise.
    return async (payload: KafkaEachBatchPayloadLike): Promise<void> => {
      const { topic, partition } = payload.batch;
      countOf(topic).inc(payload.batch.messages.length);
      const traced: TracedEachBatchPayload = Object.assign(Object.create(payload) as KafkaEachBatchPayloadLike, {
        processMessage<T>(message: KafkaConsumedMessageLike, fn: () => T): T {
          return observations.observe(contextOf(topic, partition, message, false), fn);
        },
      });
      return observations.observe(new KafkaBatchContext(topic, partition, name, batchConvention), handler, traced);
    };
  }

  const wrapped = Object.create(consumer) as C;
  Object.assign(wrapped, {
    subscribe(subscription: KafkaSubscriptionLike) {
      const s = subscription;
      options.onSubscribe?.(s.topics ?? (s.topic !== undefined ? [s.topic] : []));
      return consumer.subscribe(subscription);
    },
    run(config: KafkaConsumerRunConfigLike = {}) {
      const next: KafkaConsumerRunConfigLike = { ...config };
      if (config.eachMessage) next.eachMessage = eachMessage(config.eachMessage);
      if (config.eachBatch) next.eachBatch = eachBatch(config.eachBatch);
      return consumer.run(next);
    },
  });
  return wrapped;
}
