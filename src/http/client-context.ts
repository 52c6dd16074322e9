/**
 * The observation context of one outgoing HTTP call (node:http/https request or fetch/undici): a sender context
 * whose carrier is the outgoing request, written with the setter of its client.
 */
import { SenderContext, type CarrierSetter } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';

/** @since 0.1.0 */
export class HttpClientContext<C = unknown> extends SenderContext<C> {
  readonly kind = 'client' as const;
  /** Response status; undefined when no response came. */
  status: number | undefined = undefined;

  constructor(
    readonly method: string,
    /** `http://host:port` */
    readonly origin: string,
    /** Path with query string, as sent. */
    readonly path: string,
    readonly uriTemplate: string | undefined,
    readonly convention: ObservationConvention<HttpClientContext>,
    /** The outgoing request (a ClientRequest, an undici request) and how to add headers to it. */
    carrier: C,
    setter: CarrierSetter<C>,
  ) {
    super(carrier, setter);
  }

  get host(): string {
    const start = this.origin.indexOf('://');
    const rest = start === -1 ? this.origin : this.origin.slice(start + 3);
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      return close === -1 ? rest : rest.slice(0, close + 1);
    }
    const end = rest.search(/[:/]/);
    return end === -1 ? rest : rest.slice(0, end);
  }
}
