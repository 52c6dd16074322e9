/**
 * Spring Kafka's meters and spans for kafkajs.
 *
 * Meters, as Spring Kafka's default (non-observation) mode: `spring_kafka_template_seconds{name,result,exception}`
 * per record sent and `spring_kafka_listener_seconds{name,result,exception}` per listener execution, where
 * result is `success` or `failure` and exception the error's class name or `none`. No `error` tag, no `.active`.
 *
 * Spans, as Spring Kafka's observations: `<topic> send` (PRODUCER) and `<topic> receive` (CONSUMER), remote service
 * `kafka`, tags `messaging.system=kafka`, `messaging.operation`, destination/source name and kind, consumer group,
 * and for received records client id, partition and offset.
 */
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

/** Spring Kafka's timer tags, in key order: exception, name, result (one rule for records and batches). */
function springKafkaValues(ctx: KafkaSenderContext | KafkaReceiverContext | KafkaBatchContext, out: string[]): void {
  out[0] = errorTag(ctx.error);
  out[1] = ctx.name;
  out[2] = ctx.error === undefined ? 'success' : 'failure';
}

const sendName = spanNames('send');
const receiveName = spanNames('receive');

/** @since 0.1.0 */
export class KafkaTemplateConvention implements ObservationConvention<KafkaSenderContext> {
  readonly name = 'spring.kafka.template';
  readonly description = 'Kafka template sends: from send() to the broker acknowledgement';
  readonly lowCardinalityKeyNames = ['exception', 'name', 'result'] as const;
  readonly errorTag = false;
  readonly longTaskTimer = false;

  lowCardinalityValues(ctx: KafkaSenderContext, out: string[]): void {
    springKafkaValues(ctx, out);
  }

  highCardinality(ctx: KafkaSenderContext): KeyValues {
    return {
      'messaging.system': 'kafka',
      'messaging.operation': 'publish',
      'messaging.destination.kind': 'topic',
      'messaging.destination.name': ctx.topic,
      'messaging.kafka.client_id': ctx.clientId,
    };
  }

  contextualName(ctx: KafkaSenderContext): string {
    return sendName(ctx.topic);
  }
}

/** @since 0.1.0 */
export class KafkaListenerConvention implements ObservationConvention<KafkaReceiverContext> {
  readonly name = 'spring.kafka.listener';
  readonly description = 'Kafka listener executions';
  readonly lowCardinalityKeyNames = ['exception', 'name', 'result'] as const;
  readonly errorTag = false;
  readonly longTaskTimer = false;

  constructor(
    /** false: spans only (the per-message spans of batch listeners, whose timer counts batches). */
    readonly meters = true,
  ) {}

  lowCardinalityValues(ctx: KafkaReceiverContext, out: string[]): void {
    springKafkaValues(ctx, out);
  }

  highCardinality(ctx: KafkaReceiverContext): KeyValues {
    return {
      'messaging.system': 'kafka',
      'messaging.operation': 'receive',
      'messaging.source.kind': 'topic',
      'messaging.source.name': ctx.topic,
      'messaging.kafka.consumer_group': ctx.groupId,
      'messaging.kafka.client_id': ctx.clientId,
      'messaging.kafka.source.partition': String(ctx.partition),
      'messaging.kafka.message.offset': ctx.offset,
    };
  }

  contextualName(ctx: KafkaReceiverContext): string {
    return receiveName(ctx.topic);
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
  readonly lowCardinalityKeyNames = ['exception', 'name', 'result'] as const;
  readonly errorTag = false;
  readonly longTaskTimer = false;
  readonly spans = false;

  lowCardinalityValues(ctx: KafkaBatchContext, out: string[]): void {
    springKafkaValues(ctx, out);
  }

  highCardinality(): KeyValues {
    return {};
  }

  contextualName(ctx: KafkaBatchContext): string {
    return receiveName(ctx.topic);
  }
}
