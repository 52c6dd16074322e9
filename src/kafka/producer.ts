/**
 * An instrumented kafkajs producer: `send`, `sendBatch` and the sends of transactions make one PRODUCER observation
 * per record (span `<topic> send`, `spring_kafka_template_seconds`), and the configured propagation headers are
 * written into each record's headers, next to the caller's own (a header the caller set is kept).
 *
 * The caller's records and header objects are never modified: each record is sent as a shallow copy with a new
 * headers object, so a message object sent twice does not carry the first send's trace.
 *
 *   send({ topic, messages }) ──► per message: context (headers copy) ─ start ─► inject ─► original send ─► stop
 */
import type { CounterChild } from '../metrics/counter.js';
import { KafkaSenderContext } from './context.js';
import { KafkaTemplateConvention } from './conventions.js';
import type { KafkaDeps } from './deps.js';
import type { KafkaHeaders } from './headers.js';
import type { KafkaMessageToSend, KafkaProducerBatchLike, KafkaProducerLike, KafkaProducerRecordLike, KafkaSenderLike } from './types.js';

/** @since 0.1.0 */
export interface ProducerOptions {
  /** The `name` tag of spring_kafka_template_seconds (Spring: the template bean name). Default: the client id. */
  name?: string;
  /** The producer's client id, for `client_id` tags. */
  clientId?: string;
}

type Message = KafkaMessageToSend;

const convention = new KafkaTemplateConvention();

export function instrumentProducer<P extends KafkaProducerLike>(producer: P, deps: KafkaDeps, options: ProducerOptions = {}): P {
  const clientId = options.clientId ?? 'kafkajs';
  const name = options.name ?? clientId;
  const sent = deps.registry.counter('kafka.producer.topic.record.send', {
    description: 'Records sent, per topic (Kafka producer-topic-metrics record-send-total)',
    labelNames: ['client_id', 'topic'],
  });
  const failed = deps.registry.counter('kafka.producer.topic.record.error', {
    description: 'Records whose send failed, per topic (Kafka producer-topic-metrics record-error-total)',
    labelNames: ['client_id', 'topic'],
  });
  const perTopic = new Map<string, [CounterChild, CounterChild]>();
  const countersOf = (topic: string): [CounterChild, CounterChild] => {
    let c = perTopic.get(topic);
    if (c === undefined) {
      c = [sent.child({ client_id: clientId, topic }), failed.child({ client_id: clientId, topic })];
      if (perTopic.size < 10_000) perTopic.set(topic, c);
    }
    return c;
  };

  /** Starts one observation per message of each topic; returns the records to send and the contexts. */
  function prepare(topic: string, messages: Message[], contexts: KafkaSenderContext[]): Message[] {
    const out = new Array<Message>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as Message;
      const headers: KafkaHeaders = m.headers ? { ...m.headers } : {};
      const ctx = new KafkaSenderContext(topic, name, clientId, headers, convention);
      // Started here, stopped when the broker answers: the tracing handler writes the headers at start.
      deps.observations.start(ctx);
      contexts.push(ctx);
      out[i] = { ...m, headers };
    }
    return out;
  }

  /** One send acknowledges (or fails) all its records: each observation stops with the send's outcome. */
  function finish(contexts: KafkaSenderContext[], error: unknown, failed: boolean): void {
    for (const ctx of contexts) {
      deps.observations.stop(ctx, failed ? error : undefined);
      const [ok, bad] = countersOf(ctx.topic);
      (failed ? bad : ok).inc();
    }
  }

  function observed(contexts: KafkaSenderContext[], target: KafkaSenderLike, send: (t: KafkaSenderLike) => Promise<unknown>): Promise<unknown> {
    let sent: Promise<unknown>;
    try {
      sent = send(target);
    } catch (err) {
      finish(contexts, err, true);
      return Promise.reject(err); // a rejection, as the send's own promise would give
    }
    return sent.then(
      (result) => {
        finish(contexts, undefined, false);
        return result;
      },
      (err: unknown) => {
        finish(contexts, err, true);
        throw err;
      },
    );
  }

  function wrapSender(target: KafkaSenderLike): KafkaSenderLike {
    return {
      send(record: KafkaProducerRecordLike): Promise<unknown> {
        if (!record || !Array.isArray(record.messages)) return target.send(record);
        const contexts: KafkaSenderContext[] = [];
        const messages = prepare(record.topic, record.messages, contexts);
        return observed(contexts, target, (t) => t.send({ ...record, messages }));
      },
      sendBatch(batch: KafkaProducerBatchLike): Promise<unknown> {
        if (!batch || !Array.isArray(batch.topicMessages)) return target.sendBatch(batch);
        const contexts: KafkaSenderContext[] = [];
        const topicMessages = batch.topicMessages.map((tm) => ({ ...tm, messages: prepare(tm.topic, tm.messages, contexts) }));
        return observed(contexts, target, (t) => t.sendBatch({ ...batch, topicMessages }));
      },
    };
  }

  // Delegate everything else to the caller's producer; override only what is observed.
  const wrapped = Object.create(producer) as P;
  Object.assign(wrapped, wrapSender(producer), {
    async transaction(): Promise<KafkaSenderLike> {
      const tx = await (producer.transaction as () => Promise<KafkaSenderLike>).call(producer);
      return Object.assign(Object.create(tx) as KafkaSenderLike, wrapSender(tx));
    },
  });
  return wrapped;
}
