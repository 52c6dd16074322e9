/**
 * Span transport over Kafka, as Brave's KafkaSender: each span batch becomes a message on a topic (default
 * `zipkin`) holding a JSON list of Zipkin v2 spans, the format Zipkin's Kafka collector reads
 * (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_TOPIC` on the Zipkin server). Large fleets use it so that a burst of spans
 * queues in Kafka instead of in every service or in front of Zipkin's HTTP collector.
 *
 * The Zipkin exporter still translates the spans (and the compatibility module gives them Brave's shape); only its
 * send step is replaced by {@link createKafkaSpanSender}'s `send`. The bounds are the HTTP path's: the counting
 * exporter around it limits exports in flight, abandons one after the export timeout and counts every span as
 * exported or dropped in `nodemeter_spans_total`.
 *
 * The producer is a raw kafkajs client, never an instrumented one: spans about sending spans would feed themselves.
 * kafkajs is an optional peer dependency, loaded only when this transport is configured.
 */
import { createRequire } from 'node:module';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Diag } from '../core/diag.js';
import { EXPORTER_ZIPKIN_SUPPORTED, replaceZipkinSend, sendInBraveShape } from './compat/exporter-zipkin.js';
import { FAILED, SUCCESS } from './exporter.js';

/** The Kafka transport's settings after defaults. */
export interface KafkaSenderConfig {
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
}

/** The result the Zipkin exporter's send step reports (OpenTelemetry's ExportResult). */
export interface SendResult {
  readonly code: number;
  readonly error?: Error;
}

export interface KafkaSpanSender {
  /** Sends one batch of Zipkin spans; `done` is called once, when the broker acknowledged it or it failed. */
  send(zipkinSpans: readonly object[], done: (result: SendResult) => void): void;
  /** Disconnects the producer (bounded by the export timeout). */
  close(): Promise<void>;
}

/** The error export fails with when the transport cannot work at all (kafkajs missing). */
export class KafkaTransportUnavailableError extends Error {
  readonly code = 'NM_ZIPKIN_KAFKA_UNAVAILABLE';
}

/** Brave's KafkaSender default (`messageMaxBytes`), below Kafka's default `max.message.bytes` of 1 MiB. */
export const MESSAGE_MAX_BYTES = 1_000_000;

/** What nodemeter uses of kafkajs (structural: kafkajs's types are never imported). */
interface KafkaLike {
  producer(config?: object): ProducerLike;
}
interface ProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; acks?: number; timeout?: number; messages: { value: string }[] }): Promise<unknown>;
}
export type KafkaCtor = new (config: object) => KafkaLike;

/**
 * Marks a kafkajs config as nodemeter's own: the automatic kafkajs integration leaves clients made with it
 * uninstrumented (src/auto/exports.ts reads the same registered symbol).
 */
export const UNINSTRUMENTED = Symbol.for('nodemeter.uninstrumented');

/**
 * kafkajs's `Kafka` class, from nodemeter's location first, then from the application's working directory (an
 * optional peer may be installed beside the application only). Throws a KafkaTransportUnavailableError when absent.
 */
export function loadKafkajs(): KafkaCtor {
  const errors: unknown[] = [];
  for (const from of [import.meta.url, `${process.cwd()}/`]) {
    try {
      const Kafka = (createRequire(from)('kafkajs') as { Kafka?: unknown }).Kafka;
      if (typeof Kafka === 'function') return Kafka as KafkaCtor;
    } catch (err) {
      errors.push(err);
    }
  }
  throw new KafkaTransportUnavailableError(
    "tracing.zipkin.transport 'kafka' needs the kafkajs package, which is not installed (npm install kafkajs)",
    { cause: errors[0] },
  );
}

/**
 * The batch as Kafka messages: one JSON list of spans per message, split where a message would pass
 * `maxBytes` (a single span larger than that still goes alone: the broker then rejects it and the batch counts as
 * failed, as in Brave).
 */
export function toMessages(zipkinSpans: readonly object[], maxBytes = MESSAGE_MAX_BYTES): { value: string }[] {
  const messages: { value: string }[] = [];
  let parts: string[] = [];
  let size = 2; // the brackets
  for (const span of zipkinSpans) {
    const json = JSON.stringify(span);
    const bytes = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && size + bytes > maxBytes) {
      messages.push({ value: `[${parts.join(',')}]` });
      parts = [];
      size = 2;
    }
    parts.push(json);
    size += bytes;
  }
  if (parts.length > 0) messages.push({ value: `[${parts.join(',')}]` });
  return messages;
}

/**
 * A sender that publishes span batches to `config.topic`. The producer connects on the first batch and again
 * after a failed connection, so a broker that comes up later is used from then on.
 */
export function createKafkaSpanSender(
  config: KafkaSenderConfig,
  serviceName: string,
  timeoutMs: number,
  Kafka: KafkaCtor = loadKafkajs(),
): KafkaSpanSender {
  const kafka = new Kafka({
    clientId: `${serviceName}-zipkin`,
    brokers: [...config.bootstrapServers],
    connectionTimeout: Math.min(timeoutMs, 10_000),
    requestTimeout: timeoutMs,
    // Few retries: the counting exporter abandons an export after the export timeout anyway.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    // kafkajs logs to the console by default; failures reach the application as nodemeter's warning instead.
    logLevel: 0,
    [UNINSTRUMENTED]: true,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 2 } });
  let connected: Promise<void> | undefined;
  let closed = false;
  const connect = (): Promise<void> => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };
  return {
    send(zipkinSpans, done) {
      if (closed) {
        done({ code: FAILED, error: new Error('nodemeter: the Kafka span transport is closed') });
        return;
      }
      const messages = toMessages(zipkinSpans);
      connect()
        .then(() => producer.send({ topic: config.topic, acks: 1, timeout: timeoutMs, messages }))
        .then(
          () => done({ code: SUCCESS }),
          (err: unknown) => done({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
        );
    },
    async close() {
      closed = true;
      if (connected === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      try {
        await Promise.race([connected.then(() => producer.disconnect()).catch(() => {}), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * `zipkin` (a ZipkinExporter) made to publish its translated, Brave-shaped spans to Kafka instead of POSTing them;
 * its shutdown also disconnects the producer. Throws a KafkaTransportUnavailableError when kafkajs is missing or
 * this exporter's send step cannot be replaced (then nothing would reach Kafka, and nothing must reach HTTP).
 */
export function zipkinOverKafka(
  zipkin: SpanExporter,
  version: string | undefined,
  config: KafkaSenderConfig,
  serviceName: string,
  timeoutMs: number,
  diag: Diag,
  Kafka?: KafkaCtor,
): SpanExporter {
  const sender = createKafkaSpanSender(config, serviceName, timeoutMs, Kafka);
  if (!replaceZipkinSend(zipkin, version, (spans, done) => sender.send(spans, done))) {
    void sender.close();
    throw new KafkaTransportUnavailableError(
      `tracing.zipkin.transport 'kafka' needs ${EXPORTER_ZIPKIN_SUPPORTED.package} ${EXPORTER_ZIPKIN_SUPPORTED.range} (found ${version ?? 'an unknown version'})`,
    );
  }
  sendInBraveShape(zipkin, version, diag);
  return {
    export: (spans, resultCallback) => zipkin.export(spans, resultCallback),
    async shutdown() {
      try {
        await zipkin.shutdown();
      } finally {
        await sender.close();
      }
    },
    forceFlush: () => zipkin.forceFlush?.() ?? Promise.resolve(),
  };
}
