/**
 * Kafka record headers as a propagation carrier. kafkajs gives header values as Buffers (received), strings (as the
 * producer set them), arrays of either (a repeated header), or undefined; Spring reads the last value of a header
 * as UTF-8, and so does this getter.
 *
 * Kafka header names are case-sensitive, and Brave writes and reads B3 multi as `X-B3-TraceId`, `X-B3-SpanId`,
 * `X-B3-ParentSpanId`, `X-B3-Sampled`, `X-B3-Flags`: a Spring consumer given `x-b3-traceid` starts a new trace
 * (measured on Boot 3.5.7 and 4.0.7). OpenTelemetry's B3 propagator writes lower case (right for HTTP), so the
 * setter writes those names in Brave's case; the getter reads any case, for records from any producer.
 */
import type { CarrierGetter, CarrierSetter } from '../observation/context.js';
import type { KafkaHeaders } from './types.js';

export type { KafkaHeaders } from './types.js';

/** Brave's B3 multi header names, by the lower-case name the propagators use. */
export const B3_KAFKA_HEADER_NAMES: Readonly<Record<string, string>> = {
  'x-b3-traceid': 'X-B3-TraceId',
  'x-b3-spanid': 'X-B3-SpanId',
  'x-b3-parentspanid': 'X-B3-ParentSpanId',
  'x-b3-sampled': 'X-B3-Sampled',
  'x-b3-flags': 'X-B3-Flags',
};

function text(value: Buffer | string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** `name` equals `lower` (lower case) ignoring ASCII case, without allocating a lower-case copy. */
function equalsIgnoreCase(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The header `key` (lower case, as propagators ask) in any case: exact, Brave's case, then a scan. */
function lookup(headers: KafkaHeaders, key: string): KafkaHeaders[string] {
  let value = headers[key];
  if (value !== undefined) return value;
  const canonical = B3_KAFKA_HEADER_NAMES[key];
  if (canonical !== undefined) {
    value = headers[canonical];
    if (value !== undefined) return value;
  }
  for (const k in headers) {
    if (equalsIgnoreCase(k, key)) return headers[k];
  }
  return undefined;
}

/**
 * The headers of a consumed record as the carrier to read a parent from, or undefined when there is nothing to
 * read: kafkajs gives every record a headers object, empty when the producer wrote none, and an undefined carrier
 * tells the tracing handler to start a new trace without calling the propagators.
 */
export function traceCarrier(headers: KafkaHeaders | undefined): KafkaHeaders | undefined {
  if (headers === undefined || headers === null) return undefined;
  for (const _ in headers) return headers;
  return undefined;
}

export const HEADERS_GETTER: CarrierGetter<KafkaHeaders | undefined> = {
  get(headers, key) {
    if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
    const value = lookup(headers, key);
    if (Array.isArray(value)) return text(value[value.length - 1]);
    return text(value as Buffer | string | undefined);
  },
  keys(headers) {
    return headers !== undefined && headers !== null && typeof headers === 'object' ? Object.keys(headers) : [];
  },
  has(headers, key) {
    return headers !== undefined && headers !== null && typeof headers === 'object' && lookup(headers, key) !== undefined;
  },
};

/**
 * Writes into the headers object nodemeter built for the outgoing record, B3 multi names in Brave's case; a header
 * the caller set (in either case) is kept.
 */
export const HEADERS_SETTER: CarrierSetter<KafkaHeaders> = {
  set(headers, key, value) {
    const canonical = B3_KAFKA_HEADER_NAMES[key];
    if (canonical === undefined) {
      if (headers[key] === undefined) headers[key] = value;
      return;
    }
    if (headers[canonical] === undefined && headers[key] === undefined) headers[canonical] = value;
  },
};
