/** Observation contexts of one produced record (PRODUCER) and one consumed record (CONSUMER). */
import { ObservationContext } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';
import { HEADERS_GETTER, HEADERS_SETTER, type KafkaHeaders } from './headers.js';

/** @since 0.1.0 */
export class KafkaSenderContext extends ObservationContext {
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
    super();
    this.carrier = headers;
    this.setter = HEADERS_SETTER as never;
  }
}

/** @since 0.1.0 */
export class KafkaReceiverContext extends ObservationContext {
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
    super();
    this.carrier = headers;
    this.getter = HEADERS_GETTER as never;
  }
}
