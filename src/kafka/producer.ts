/**
 * An instrumented Kafka producer (kafkajs, or @confluentinc/kafka-javascript's KafkaJS API): `send`, `sendBatch` and
 * the sends of transactions make one PRODUCER observation per record (span `<topic> send`,
 * `spring_kafka_template_seconds`), and the configured propagation headers are written into each record's headers,
 * next to the caller's own (a header the caller set is kept).
 *
 * The caller's records and header objects are never modified: each record is sent as a shallow copy with a new
 * headers object, so a message object sent twice does not carry the first send's trace.
 *
 *   send({ topic, messages }) ──► per message: context (headers copy) ─ start ─► inject ─► original send ─► stop
 *
 * Records and bytes sent (and failed) per topic feed the client families (client-metrics.ts); a kafkajs producer's
 * instrumentation events feed request latency and connections (client-events.ts).
 */
import { bindClientEvents, type InstrumentationEmitterLike } from './client-events.js';
import type { ClientState } from './client-metrics.js';
import { KafkaSenderContext } from './context.js';
import { delegate } from './delegate.js';
import type { KafkaDeps } from './deps.js';
import type { KafkaHeaders } from './headers.js';
import type { KafkaRuntime } from './runtime.js';
import type { KafkaMessageToSend, KafkaProducerBatchLike, KafkaProducerLike, KafkaProducerRecordLike, KafkaSenderLike } from './types.js';

/** @since 0.1.0 */
export interface ProducerOptions {
  /**
   * The template name: `spring_kafka_template_name` (observation mode) or `name` (observation off); Spring: the
   * KafkaTemplate bean name. Default: `kafkaTemplate` (the bean Spring Boot auto-configures) with observation on,
   * the client id with it off.
   */
  name?: string;
  /** The producer's client id, for `client_id` tags. */
  clientId?: string;
  /** Spring Kafka's observation label set (default true) or the observation-off `{exception, name, result}`. */
  observationConventions?: boolean;
}

type Message = KafkaMessageToSend;

/** Bytes of a record as sent: key and value (strings counted as UTF-8). */
export function recordBytes(m: { key?: unknown; value?: unknown }): number {
  return sizeOf(m.key) + sizeOf(m.value);
}

function sizeOf(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return 0;
}

export function instrumentProducer<P extends KafkaProducerLike>(producer: P, deps: KafkaDeps, runtime: KafkaRuntime, options: ProducerOptions = {}): P {
  const clientId = options.clientId ?? 'kafkajs';
  const observation = options.observationConventions ?? runtime.observationConventions;
  const name = options.name ?? (observation ? 'kafkaTemplate' : clientId);
  const convention = runtime.conventions(observation).template;
  const cluster = runtime.cluster;
  runtime.fetchClusterId();
  const state: ClientState | undefined = runtime.metrics().client('producer', {
    client_id: clientId,
    kafka_version: runtime.kafkaVersion(producer),
    spring_id: `kafkaProducerFactory.${clientId}`,
  });
  if (state !== undefined) runtime.onClose(bindClientEvents(producer as InstrumentationEmitterLike, state));

  /** Starts one observation per message of each topic; returns the records to send and the contexts. */
  function prepare(topic: string, messages: Message[], contexts: KafkaSenderContext[]): Message[] {
    const out = new Array<Message>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as Message;
      const headers: KafkaHeaders = m.headers ? { ...m.headers } : {};
      const ctx = new KafkaSenderContext(topic, name, clientId, headers, convention, cluster);
      // Started here, stopped when the broker answers: the tracing handler writes the headers at start.
      deps.observations.start(ctx);
      ctx.bytes = recordBytes(m as { key?: unknown; value?: unknown });
      contexts.push(ctx);
      out[i] = { ...m, headers };
    }
    return out;
  }

  /** One send acknowledges (or fails) all its records: each observation stops with the send's outcome. */
  function finish(contexts: KafkaSenderContext[], error: unknown, failed: boolean): void {
    // The client counters move once per run of records of one topic (a send is one topic), not once per record:
    // the same totals, without a counter update (label lookup, windowed stat) per record.
    let topic: string | undefined;
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < contexts.length; i++) {
      const ctx = contexts[i] as KafkaSenderContext;
      deps.observations.stop(ctx, failed ? error : undefined);
      if (state === undefined) continue;
      if (ctx.topic !== topic) {
        if (topic !== undefined) counted(state, topic, count, bytes, failed);
        topic = ctx.topic;
        count = 0;
        bytes = 0;
      }
      count++;
      bytes += ctx.bytes;
    }
    if (state !== undefined && topic !== undefined) counted(state, topic, count, bytes, failed);
  }

  function counted(s: ClientState, topic: string, count: number, bytes: number, failed: boolean): void {
    if (failed) runtime.metrics().sendErrors(s, topic, count);
    else runtime.metrics().records(s, topic, count, bytes);
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

  function send(target: KafkaSenderLike, record: KafkaProducerRecordLike): Promise<unknown> {
    const contexts: KafkaSenderContext[] = [];
    const messages = prepare(record.topic, record.messages, contexts);
    return observed(contexts, target, (t) => t.send({ ...record, messages }));
  }

  function sendBatch(target: KafkaSenderLike, batch: KafkaProducerBatchLike & { topicMessages: KafkaProducerRecordLike[] }): Promise<unknown> {
    const contexts: KafkaSenderContext[] = [];
    const topicMessages = batch.topicMessages.map((tm) => ({ ...tm, messages: prepare(tm.topic, tm.messages, contexts) }));
    return observed(contexts, target, (t) => t.sendBatch({ ...batch, topicMessages }));
  }

  function wrapSender(target: KafkaSenderLike): KafkaSenderLike {
    return {
      send(record: KafkaProducerRecordLike): Promise<unknown> {
        if (!record || !Array.isArray(record.messages)) return target.send(record);
        // Only while the client's cluster id is being read (once, bounded): the span's remote service names it.
        const pending = runtime.clusterPending();
        return pending === undefined ? send(target, record) : pending.then(() => send(target, record));
      },
      sendBatch(batch: KafkaProducerBatchLike): Promise<unknown> {
        if (!batch || !Array.isArray(batch.topicMessages)) return target.sendBatch(batch);
        const b = batch as KafkaProducerBatchLike & { topicMessages: KafkaProducerRecordLike[] };
        const pending = runtime.clusterPending();
        return pending === undefined ? sendBatch(target, b) : pending.then(() => sendBatch(target, b));
      },
    };
  }

  // Delegate everything else to the caller's producer; override only what is observed.
  return delegate(producer, {
    ...wrapSender(producer),
    async transaction(): Promise<KafkaSenderLike> {
      const tx = await (producer.transaction as () => Promise<KafkaSenderLike>).call(producer);
      return delegate(tx, wrapSender(tx));
    },
  });
}
