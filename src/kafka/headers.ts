/**
 * Kafka record headers as a propagation carrier. kafkajs gives header values as Buffers (received), strings (as the
 * producer set them), arrays of either (a repeated header), or undefined; Spring reads the last value of a header
 * as UTF-8, and so does this getter.
 */
import type { CarrierGetter, CarrierSetter } from '../observation/context.js';
import type { KafkaHeaders } from './types.js';

export type { KafkaHeaders } from './types.js';

function text(value: Buffer | string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

export const HEADERS_GETTER: CarrierGetter<KafkaHeaders | undefined> = {
  get(headers, key) {
    if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
    // Propagators ask for lower-case names; producers may have written any case (X-B3-TraceId).
    let value = headers[key];
    if (value === undefined) {
      for (const k of Object.keys(headers)) {
        if (k.toLowerCase() === key) {
          value = headers[k];
          break;
        }
      }
    }
    if (Array.isArray(value)) return text(value[value.length - 1]);
    return text(value as Buffer | string | undefined);
  },
  keys(headers) {
    return headers !== undefined && headers !== null && typeof headers === 'object' ? Object.keys(headers) : [];
  },
};

/** Writes into the headers object nodemeter built for the outgoing record; a header the caller set is kept. */
export const HEADERS_SETTER: CarrierSetter<KafkaHeaders> = {
  set(headers, key, value) {
    if (headers[key] === undefined) headers[key] = value;
  },
};
