/**
 * An instrumented kafkajs consumer.
 *
 * eachMessage: the handler runs inside a CONSUMER observation (`<topic> receive`, `spring_kafka_listener_seconds`)
 * whose parent is the producer's context read from the record headers, so logs and calls made in the handler are
 * its children. Records without (or with unreadable) trace headers start a new root trace.
 *
 * eachBatch: one `spring_kafka_listener_seconds` record per batch (as a Spring batch listener), and the payload
 * gains `processMessage(message, fn)`, which runs `fn` inside that message's own CONSUMER span, a child of the
 * trace that produced it. A batch holds records of many traces; this is how each one's work stays in its own
 * trace instead of all of it hanging under one batch span.
 *
 *   run({ eachBatch: async ({ batch, processMessage }) => {
 *     for (const message of batch.messages) await processMessage(message, () => handle(message));
 *   }})
 */
import type { Consumer, ConsumerRunConfig, EachBatchPayload, EachMessagePayload, KafkaMessage } from 'kafkajs';
import type { CounterChild } from '../metrics/counter.js';
import { KafkaReceiverContext } from './context.js';
import { KafkaListenerConvention } from './conventions.js';
import type { KafkaDeps } from './deps.js';
import type { KafkaHeaders } from './headers.js';

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

/** The eachBatch payload, with per-message tracing. @since 0.1.0 */
export interface TracedEachBatchPayload extends EachBatchPayload {
  /** Runs `fn` inside `message`'s own CONSUMER span, child of the trace that produced it. */
  processMessage<T>(message: KafkaMessage, fn: () => T): T;
}

const messageConvention = new KafkaListenerConvention(true);
const batchMessageConvention = new KafkaListenerConvention(false);

export function instrumentConsumer<C extends Consumer>(consumer: C, deps: KafkaDeps, options: ConsumerOptions): C {
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
  const batchTimer = registry.timer('spring.kafka.listener', {
    description: messageConvention.description,
    labelNames: [...messageConvention.lowCardinalityKeyNames],
  });
  const batchOk = batchTimer.child({ exception: 'none', name, result: 'success' });

  function contextOf(topic: string, partition: number, message: KafkaMessage, meters: boolean): KafkaReceiverContext {
    return new KafkaReceiverContext(
      topic,
      partition,
      message.offset,
      message.key,
      name,
      groupId,
      clientId,
      message.headers as KafkaHeaders | undefined,
      meters ? messageConvention : batchMessageConvention,
    );
  }

  /** Runs `fn` in the observation; stops it when `fn` returns or its promise settles. */
  function observe<T>(ctx: KafkaReceiverContext, fn: () => T): T {
    observations.start(ctx);
    let result: T;
    try {
      result = observations.inScope(ctx, fn);
    } catch (err) {
      observations.error(ctx, err);
      observations.stop(ctx);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          observations.stop(ctx);
          return v;
        },
        (err: unknown) => {
          observations.error(ctx, err);
          observations.stop(ctx);
          throw err;
        },
      ) as T;
    }
    observations.stop(ctx);
    return result;
  }

  function eachMessage(handler: NonNullable<ConsumerRunConfig['eachMessage']>) {
    return (payload: EachMessagePayload): Promise<void> => {
      countOf(payload.topic).inc();
      return observe(contextOf(payload.topic, payload.partition, payload.message, true), () => handler(payload));
    };
  }

  function eachBatch(handler: NonNullable<ConsumerRunConfig['eachBatch']>) {
    return async (payload: EachBatchPayload): Promise<void> => {
      const { topic, partition } = payload.batch;
      countOf(topic).inc(payload.batch.messages.length);
      const traced: TracedEachBatchPayload = Object.assign(Object.create(payload) as EachBatchPayload, {
        processMessage<T>(message: KafkaMessage, fn: () => T): T {
          return observe(contextOf(topic, partition, message, false), fn);
        },
      });
      const start = performance.now();
      try {
        await handler(traced);
      } catch (err) {
        const e = err as { constructor?: { name?: string } };
        batchTimer.record({ exception: e?.constructor?.name ?? 'Error', name, result: 'failure' }, (performance.now() - start) / 1000);
        throw err;
      }
      batchOk.record((performance.now() - start) / 1000);
    };
  }

  const wrapped = Object.create(consumer) as C;
  Object.assign(wrapped, {
    subscribe(subscription: Parameters<Consumer['subscribe']>[0]) {
      const s = subscription as { topic?: string | RegExp; topics?: (string | RegExp)[] };
      options.onSubscribe?.(s.topics ?? (s.topic !== undefined ? [s.topic] : []));
      return consumer.subscribe(subscription);
    },
    run(config: ConsumerRunConfig = {}) {
      const next: ConsumerRunConfig = { ...config };
      if (config.eachMessage) next.eachMessage = eachMessage(config.eachMessage);
      if (config.eachBatch) next.eachBatch = eachBatch(config.eachBatch);
      return consumer.run(next);
    },
  });
  return wrapped;
}
