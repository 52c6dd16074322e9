/**
 * Spring Kafka's meters and spans for Kafka clients, in the two modes a Spring fleet runs.
 *
 * Observation mode (the default; Spring's `spring.kafka.{template,listener}.observation-enabled=true`, what a fleet
 * that traces over Kafka runs), label sets measured on running Boot 3.5.7 and 4.0.7 services:
 *
 *   spring_kafka_template_seconds{error, messaging_destination_kind="topic", messaging_destination_name=<topic>,
 *                                 messaging_operation="publish", messaging_system="kafka", spring_kafka_template_name}
 *   spring_kafka_listener_seconds{error, messaging_kafka_consumer_group, messaging_operation, messaging_source_kind=
 *                                 "topic", messaging_source_name=<topic>, messaging_system="kafka",
 *                                 spring_kafka_listener_id}
 *   + spring_kafka_template_active_seconds / spring_kafka_listener_active_seconds (long task timers, no `error`)
 *
 * where the listener's operation is `process` on Boot 4.0 (Spring Kafka 4.0) and `receive` on Boot 3.5 (Spring
 * Kafka 3.3). Spans: PRODUCER `<topic> send`, CONSUMER `<topic> process|receive`, tagged with the same keys in
 * dotted form plus, on the consumer, `messaging.kafka.client_id`, `messaging.consumer.id` (`<group> - <clientId>`),
 * `messaging.kafka.source.partition` and `messaging.kafka.message.offset` (Spring's high-cardinality keys).
 *
 * Observation off (`observationConventions: false`, Spring's default mode, for fleets that do not trace Kafka):
 * `spring_kafka_{template,listener}_seconds{exception, name, result}`, no `error`, no active timers; spans keep the
 * observation-mode tags.
 *
 * Conventions are singletons per mode and line; what differs per client (template name, listener id, topic) is
 * read from the context, and span names are built once per topic: nothing is built per record.
 */
import type { SpringBootLine } from '../core/fleet.js';
import { errorTag, type KeyValues, type ObservationConvention } from '../observation/convention.js';
import type { KafkaBatchContext, KafkaReceiverContext, KafkaSenderContext } from './context.js';

/** `<topic> <verb>` span names, built once per topic (topics are few; the cache is capped anyway). */
function spanNames(verb: string): (topic: string) => string {
  const names = new Map<string, string>();
  return (topic) => {
    let name = names.get(topic);
    if (name === undefined) {
      name = `${topic} ${verb}`;
      if (names.size < 10_000) names.set(topic, name);
    }
    return name;
  };
}

const sendName = spanNames('send');
const listenerNames = { receive: spanNames('receive'), process: spanNames('process') };

/** The listener observation's operation on each Boot line (Spring Kafka 3.3 vs 4.0, measured). */
export function listenerOperation(line: SpringBootLine): 'receive' | 'process' {
  return line === '3.5' ? 'receive' : 'process';
}

type AnyKafkaContext = KafkaSenderContext | KafkaReceiverContext | KafkaBatchContext;

/** Spring Kafka's observation-off timer tags, in key order: exception, name, result. */
function legacyValues(ctx: AnyKafkaContext, out: string[]): void {
  out[0] = errorTag(ctx.error);
  out[1] = ctx.name;
  out[2] = ctx.error === undefined ? 'success' : 'failure';
}

const LEGACY_KEYS = ['exception', 'name', 'result'] as const;

const TEMPLATE_KEYS = [
  'messaging_destination_kind',
  'messaging_destination_name',
  'messaging_operation',
  'messaging_system',
  'spring_kafka_template_name',
] as const;
const TEMPLATE_SPAN_KEYS = [
  'messaging.destination.kind',
  'messaging.destination.name',
  'messaging.operation',
  'messaging.system',
  'spring.kafka.template.name',
] as const;

const LISTENER_KEYS = [
  'messaging_kafka_consumer_group',
  'messaging_operation',
  'messaging_source_kind',
  'messaging_source_name',
  'messaging_system',
  'spring_kafka_listener_id',
] as const;
const LISTENER_SPAN_KEYS = [
  'messaging.kafka.consumer.group',
  'messaging.operation',
  'messaging.source.kind',
  'messaging.source.name',
  'messaging.system',
  'spring.kafka.listener.id',
] as const;

/** The template's observation-mode values, in TEMPLATE_KEYS order. */
function templateValues(ctx: KafkaSenderContext, out: string[]): void {
  out[0] = 'topic';
  out[1] = ctx.topic;
  out[2] = 'publish';
  out[3] = 'kafka';
  out[4] = ctx.name;
}

/** @since 0.1.0 */
export class KafkaTemplateConvention implements ObservationConvention<KafkaSenderContext> {
  readonly name = 'spring.kafka.template';
  readonly description = 'Kafka template sends: from send() to the broker acknowledgement';
  readonly lowCardinalityKeyNames: readonly string[];
  readonly spanKeyNames: readonly string[] | undefined;
  readonly errorTag: boolean;
  readonly longTaskTimer: boolean;

  constructor(
    /** true: Spring Kafka's observation label set (and `error`, `.active`); false: `{exception, name, result}`. */
    readonly observation = true,
  ) {
    this.lowCardinalityKeyNames = observation ? TEMPLATE_KEYS : LEGACY_KEYS;
    this.spanKeyNames = observation ? TEMPLATE_SPAN_KEYS : undefined;
    this.errorTag = observation;
    this.longTaskTimer = observation;
  }

  lowCardinalityValues(ctx: KafkaSenderContext, out: string[]): void {
    if (this.observation) templateValues(ctx, out);
    else legacyValues(ctx, out);
  }

  highCardinality(ctx: KafkaSenderContext): KeyValues {
    // Spring's template observation has no high-cardinality keys; without observation the span still carries the
    // observation-mode tags (the low-cardinality values went to the legacy label set).
    if (this.observation) return {};
    return {
      'messaging.destination.kind': 'topic',
      'messaging.destination.name': ctx.topic,
      'messaging.operation': 'publish',
      'messaging.system': 'kafka',
      'spring.kafka.template.name': ctx.name,
    };
  }

  contextualName(ctx: KafkaSenderContext): string {
    return sendName(ctx.topic);
  }
}

/** The listener's observation-mode values, in LISTENER_KEYS order. */
function listenerValues(ctx: KafkaReceiverContext | KafkaBatchContext, operation: string, out: string[]): void {
  out[0] = ctx.groupId;
  out[1] = operation;
  out[2] = 'topic';
  out[3] = ctx.topic;
  out[4] = 'kafka';
  out[5] = ctx.listenerId;
}

/** @since 0.1.0 */
export class KafkaListenerConvention implements ObservationConvention<KafkaReceiverContext> {
  readonly name = 'spring.kafka.listener';
  readonly description = 'Kafka listener executions';
  readonly lowCardinalityKeyNames: readonly string[];
  readonly spanKeyNames: readonly string[] | undefined;
  readonly errorTag: boolean;
  readonly longTaskTimer: boolean;
  readonly operation: 'receive' | 'process';
  readonly #spanName: (topic: string) => string;

  constructor(
    /** false: spans only (the per-message spans of batch listeners, whose timer counts batches). */
    readonly meters = true,
    readonly line: SpringBootLine = '4.0',
    readonly observation = true,
  ) {
    this.operation = listenerOperation(line);
    this.#spanName = listenerNames[this.operation];
    this.lowCardinalityKeyNames = observation ? LISTENER_KEYS : LEGACY_KEYS;
    this.spanKeyNames = observation ? LISTENER_SPAN_KEYS : undefined;
    this.errorTag = observation;
    this.longTaskTimer = observation && meters;
  }

  lowCardinalityValues(ctx: KafkaReceiverContext, out: string[]): void {
    if (this.observation) listenerValues(ctx, this.operation, out);
    else legacyValues(ctx, out);
  }

  highCardinality(ctx: KafkaReceiverContext): KeyValues {
    const tags: KeyValues = {
      'messaging.kafka.source.partition': String(ctx.partition),
      'messaging.kafka.message.offset': ctx.offset,
      'messaging.consumer.id': ctx.consumerId,
      'messaging.kafka.client_id': ctx.clientId,
    };
    if (!this.observation) {
      tags['messaging.kafka.consumer.group'] = ctx.groupId;
      tags['messaging.operation'] = this.operation;
      tags['messaging.source.kind'] = 'topic';
      tags['messaging.source.name'] = ctx.topic;
      tags['messaging.system'] = 'kafka';
      tags['spring.kafka.listener.id'] = ctx.listenerId;
    }
    return tags;
  }

  contextualName(ctx: KafkaReceiverContext): string {
    return this.#spanName(ctx.topic);
  }
}

/**
 * A batch listener's executions: the same `spring.kafka.listener` timer and tags as per-record listeners, recorded
 * once per batch through the same observation lifecycle, and no span (each record of the batch gets its own span
 * in its own trace, through `processMessage`).
 * @since 0.2.0
 */
export class KafkaBatchListenerConvention implements ObservationConvention<KafkaBatchContext> {
  readonly name = 'spring.kafka.listener';
  readonly description = 'Kafka listener executions';
  readonly lowCardinalityKeyNames: readonly string[];
  readonly errorTag: boolean;
  readonly longTaskTimer: boolean;
  readonly spans = false;
  readonly operation: 'receive' | 'process';
  readonly #spanName: (topic: string) => string;

  constructor(
    readonly line: SpringBootLine = '4.0',
    readonly observation = true,
  ) {
    this.operation = listenerOperation(line);
    this.#spanName = listenerNames[this.operation];
    this.lowCardinalityKeyNames = observation ? LISTENER_KEYS : LEGACY_KEYS;
    this.errorTag = observation;
    this.longTaskTimer = observation;
  }

  lowCardinalityValues(ctx: KafkaBatchContext, out: string[]): void {
    if (this.observation) listenerValues(ctx, this.operation, out);
    else legacyValues(ctx, out);
  }

  highCardinality(): KeyValues {
    return {};
  }

  contextualName(ctx: KafkaBatchContext): string {
    return this.#spanName(ctx.topic);
  }
}

/** The conventions of one mode and line, created once per process and shared by every client. */
export interface KafkaConventions {
  readonly template: KafkaTemplateConvention;
  readonly listener: KafkaListenerConvention;
  /** Spans of the records of a batch (the batch has the timer). */
  readonly batchRecord: KafkaListenerConvention;
  readonly batch: KafkaBatchListenerConvention;
}

const cache = new Map<string, KafkaConventions>();

/** The shared conventions for `line` in observation mode (`observation`) or Spring Kafka's default mode. */
export function kafkaConventions(line: SpringBootLine, observation: boolean): KafkaConventions {
  const key = `${line}/${observation}`;
  let c = cache.get(key);
  if (c === undefined) {
    c = {
      template: new KafkaTemplateConvention(observation),
      listener: new KafkaListenerConvention(true, line, observation),
      batchRecord: new KafkaListenerConvention(false, line, observation),
      batch: new KafkaBatchListenerConvention(line, observation),
    };
    cache.set(key, c);
  }
  return c;
}
