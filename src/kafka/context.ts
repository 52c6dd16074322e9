/**
 * Observation contexts of one produced record (PRODUCER, a sender context: the record's headers are its carrier),
 * one consumed record (CONSUMER, a receiver context: the record's headers carry the producer's trace) and one
 * batch given to a batch listener (meters only: its records have their own spans).
 */
import { ObservationContext, ReceiverContext, SenderContext } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';
import { HEADERS_GETTER, HEADERS_SETTER, type KafkaHeaders } from './headers.js';

/** @since 0.1.0 */
export class KafkaSenderContext extends SenderContext<KafkaHeaders> {
  readonly kind = 'producer' as const;
  override remoteServiceName = 'kafka';

  constructor(
    readonly topic: string,
    /** The producer's name (Spring: the KafkaTemplate bean name). */
    readonly name: string,
    readonly clientId: string,
    /** The headers object of the outgoing record, built by nodemeter (the caller's headers plus propagation). */
    headers: KafkaHeaders,
    readonly convention: ObservationConvention<KafkaSenderContext>,
  ) {
    super(headers, HEADERS_SETTER);
  }
}

/** @since 0.1.0 */
export class KafkaReceiverContext extends ReceiverContext<KafkaHeaders | undefined> {
  readonly kind = 'consumer' as const;
  override remoteServiceName = 'kafka';

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly key: Buffer | string | null | undefined,
    /** The listener's name (Spring: the listener container id); by default the consumer group. */
    readonly name: string,
    readonly groupId: string,
    readonly clientId: string,
    headers: KafkaHeaders | undefined,
    readonly convention: ObservationConvention<KafkaReceiverContext>,
  ) {
    super(headers, HEADERS_GETTER);
  }
}

/** One execution of a batch listener (Spring's batch listener: one timer record per batch). @since 0.2.0 */
export class KafkaBatchContext extends ObservationContext {
  readonly kind = 'consumer' as const;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The listener's name (Spring: the listener container id); by default the consumer group. */
    readonly name: string,
    readonly convention: ObservationConvention<KafkaBatchContext>,
  ) {
    super();
  }
}
