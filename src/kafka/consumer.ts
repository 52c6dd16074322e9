/**
 * An instrumented Kafka consumer (kafkajs, or @confluentinc/kafka-javascript's KafkaJS API).
 *
 * eachMessage: the handler runs inside a CONSUMER observation (`<topic> process` on Boot 4, `<topic> receive` on
 * Boot 3.5; `spring_kafka_listener_seconds`) whose parent is the producer's context read from the record headers,
 * so logs and calls made in the handler are its children. Records without (or with unreadable) trace headers start
 * a new root trace.
 *
 * eachBatch: one `spring_kafka_listener_seconds` record per batch (as a Spring batch listener: an observation with
 * the same tags and the same `error` rule as per record, but no span), and the payload
 * gains `processMessage(message, fn)`, which runs `fn` inside that message's own CONSUMER span, a child of the
 * trace that produced it. A batch holds records of many traces; this is how each one's work stays in its own
 * trace instead of all of it hanging under one batch span.
 *
 *   run({ eachBatch: async ({ batch, processMessage }) => {
 *     for (const message of batch.messages) await processMessage(message, () => handle(message));
 *   }})
 *
 * Records and bytes consumed per topic feed the client families (client-metrics.ts); a kafkajs consumer's
 * instrumentation events feed fetch, commit and rebalance metrics (client-events.ts).
 */
import { bindClientEvents, type InstrumentationEmitterLike } from './client-events.js';
import type { ClientState } from './client-metrics.js';
import { KafkaBatchContext, KafkaReceiverContext, type KafkaListenerInfo } from './context.js';
import { delegate } from './delegate.js';
import type { KafkaDeps } from './deps.js';
import { traceCarrier } from './headers.js';
import { recordBytes } from './producer.js';
import type { KafkaRuntime } from './runtime.js';
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
  /** The consumer group (the `messaging_kafka_consumer_group` label, and lag). */
  groupId: string;
  /**
   * The listener id: `spring_kafka_listener_id` (observation mode) and `name` (observation off); Spring: the
   * listener container id. Default: `<groupId>-0` with observation on (Spring names the first child container of a
   * listener `<id>-0`; a Node consumer is one such container), the group id with it off.
   */
  name?: string;
  clientId?: string;
  /** Spring Kafka's observation label set (default true) or the observation-off `{exception, name, result}`. */
  observationConventions?: boolean;
  /** Called with the topics each `subscribe()` names (the lag monitor uses it). */
  onSubscribe?: (topics: (string | RegExp)[]) => void;
}

type EachMessage = NonNullable<KafkaConsumerRunConfigLike['eachMessage']>;
type EachBatch = NonNullable<KafkaConsumerRunConfigLike['eachBatch']>;

export function instrumentConsumer<C extends KafkaConsumerLike>(consumer: C, deps: KafkaDeps, runtime: KafkaRuntime, options: ConsumerOptions): C {
  const { observations } = deps;
  const groupId = options.groupId;
  const clientId = options.clientId ?? 'kafkajs';
  const observation = options.observationConventions ?? runtime.observationConventions;
  const conventions = runtime.conventions(observation);
  const name = options.name ?? (observation ? `${groupId}-0` : groupId);
  const listener: KafkaListenerInfo = {
    name,
    listenerId: name,
    groupId,
    clientId,
    consumerId: `${groupId} - ${clientId}`,
    cluster: runtime.cluster,
  };
  runtime.fetchClusterId();
  const metrics = runtime.metrics();
  const state: ClientState | undefined = metrics.client('consumer', {
    client_id: clientId,
    kafka_version: runtime.kafkaVersion(consumer),
    spring_id: `kafkaConsumerFactory.${clientId}`,
  });
  if (state !== undefined) runtime.onClose(bindClientEvents(consumer as InstrumentationEmitterLike, state));

  function contextOf(topic: string, partition: number, message: KafkaConsumedMessageLike, meters: boolean): KafkaReceiverContext {
    return new KafkaReceiverContext(
      topic,
      partition,
      message.offset,
      message.key,
      listener,
      traceCarrier(message.headers),
      meters ? conventions.listener : conventions.batchRecord,
    );
  }

  function eachMessage(handler: EachMessage): EachMessage {
    return (payload: KafkaEachMessagePayloadLike): Promise<void> => {
      if (state !== undefined) metrics.records(state, payload.topic, 1, recordBytes(payload.message));
      // The handler and its payload go to observe() as function and argument: no closure per record.
      return observations.observe(contextOf(payload.topic, payload.partition, payload.message, true), handler, payload);
    };
  }

  function eachBatch(handler: EachBatch): EachBatch {
    // async, as before: a handler that throws synchronously still gives kafkajs a rejected promise.
    return async (payload: KafkaEachBatchPayloadLike): Promise<void> => {
      const { topic, partition, messages } = payload.batch;
      if (state !== undefined) {
        let bytes = 0;
        for (const m of messages) bytes += recordBytes(m);
        metrics.records(state, topic, messages.length, bytes);
      }
      const traced: TracedEachBatchPayload = Object.assign(Object.create(payload) as KafkaEachBatchPayloadLike, {
        processMessage<T>(message: KafkaConsumedMessageLike, fn: () => T): T {
          return observations.observe(contextOf(topic, partition, message, false), fn);
        },
      });
      return observations.observe(new KafkaBatchContext(topic, partition, listener, conventions.batch), handler, traced);
    };
  }

  return delegate(consumer, {
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
}
