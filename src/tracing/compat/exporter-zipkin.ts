/**
 * OpenTelemetry's Zipkin exporter, made to write spans in Brave's shape: the remote service (and the remote address,
 * where a span has one) in Zipkin's `remoteEndpoint`, as Spring's services write it, instead of as tags.
 *
 * Spring's Kafka spans carry `remoteEndpoint.serviceName = "Apache Kafka: <clusterId>"` (Zipkin lower-cases it), and
 * Zipkin's dependency graph draws Kafka from it. exporter-zipkin 2.x never writes `remoteEndpoint`: it turns every
 * span attribute into a tag, so nodemeter's remote service (OpenTelemetry's `peer.service`) would be a tag Spring's
 * spans do not have, and Kafka would be missing from the graph. The exporter has no public hook between its
 * translation and its request, so this module wraps the instance's internal send function (`_send`, set in the
 * constructor; replaced before each export only when `getExportRequestHeaders` is configured, which nodemeter does
 * not do) and maps each Zipkin span before it is serialized:
 *
 *   tags['peer.service']          ──► remoteEndpoint.serviceName   (tag removed)
 *   tags['network.peer.address']  ──► remoteEndpoint.ipv4 / ipv6   (tag removed; kept as a tag if not an IP)
 *   tags['network.peer.port']     ──► remoteEndpoint.port          (tag removed)
 *
 * Spans without those tags (Spring's HTTP spans have no remote endpoint either) pass unchanged, without a copy.
 * Outside {@link EXPORTER_ZIPKIN_SUPPORTED}, or if the instance has no `_send`, the exporter is used as it is (the
 * remote service stays a `peer.service` tag) and the LIBRARY_VERSION_UNSUPPORTED warning says so once.
 */
import type { Diag } from '../../core/diag.js';
import { checkVersion, type SupportedVersions } from '../../core/supported-versions.js';
import { Warnings } from '../../core/warnings.js';

/** The exporter-zipkin versions whose internal `_send(zipkinSpans, done)` this module wraps. @since 0.2.0 */
export const EXPORTER_ZIPKIN_SUPPORTED: SupportedVersions = { package: '@opentelemetry/exporter-zipkin', range: '>=2.0.0 <3' };

/** The attribute that names the remote service (OpenTelemetry's `peer.service`, written by the tracing handler). */
export const REMOTE_SERVICE_TAG = 'peer.service';
const PEER_ADDRESS_TAG = 'network.peer.address';
const PEER_PORT_TAG = 'network.peer.port';
// node:net is resolved on the first span with a peer address: the bundle would otherwise load it at import, tracing
// off included (docs/benchmarks.md, start-up).
let isIP: ((input: string) => number) | undefined;

/** Zipkin v2's endpoint (the exporter's own `Endpoint` type has no `remoteEndpoint` on its span). */
export interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

/** The part of a Zipkin v2 span this module reads and writes. */
export interface ZipkinSpanLike {
  tags?: Record<string, string>;
  remoteEndpoint?: ZipkinEndpoint;
}

type Send = (zipkinSpans: ZipkinSpanLike[], done: (result: unknown) => void) => void;

/**
 * The span in Brave's shape: a new object with the remote tags moved to `remoteEndpoint`, or the span itself when
 * it has none of them.
 */
export function toBraveShape<S extends ZipkinSpanLike>(span: S): S {
  const tags = span.tags;
  if (tags === undefined) return span;
  const service = tags[REMOTE_SERVICE_TAG];
  const address = tags[PEER_ADDRESS_TAG];
  const port = tags[PEER_PORT_TAG];
  if (service === undefined && address === undefined && port === undefined) return span;
  const rest: Record<string, string> = {};
  for (const key of Object.keys(tags)) {
    if (key !== REMOTE_SERVICE_TAG && key !== PEER_ADDRESS_TAG && key !== PEER_PORT_TAG) rest[key] = tags[key] as string;
  }
  const endpoint: ZipkinEndpoint = { ...span.remoteEndpoint };
  if (service !== undefined && service !== '') endpoint.serviceName = service;
  if (address !== undefined) {
    isIP ??= process.getBuiltinModule('node:net').isIP;
    const family = isIP(address);
    if (family === 4) endpoint.ipv4 = address;
    else if (family === 6) endpoint.ipv6 = address;
    else rest[PEER_ADDRESS_TAG] = address; // a host name: Zipkin's endpoint takes IPs only
  }
  const portNumber = port === undefined ? NaN : Number(port);
  if (Number.isInteger(portNumber) && portNumber > 0 && portNumber < 65536) endpoint.port = portNumber;
  const shaped: S = { ...span, tags: rest };
  if (Object.keys(endpoint).length > 0) shaped.remoteEndpoint = endpoint;
  return shaped;
}

/**
 * Makes `exporter` (a ZipkinExporter of `version`) send spans in Brave's shape. Returns false, after the
 * LIBRARY_VERSION_UNSUPPORTED warning, when it cannot and the exporter stays as it is.
 */
export function sendInBraveShape(exporter: object, version: string | undefined, diag: Diag): boolean {
  const verdict = checkVersion(EXPORTER_ZIPKIN_SUPPORTED, version);
  const target = exporter as { _send?: unknown };
  const send = target._send;
  if (!verdict.supported || typeof send !== 'function') {
    diag.warn(
      Warnings.LIBRARY_VERSION_UNSUPPORTED,
      {
        package: EXPORTER_ZIPKIN_SUPPORTED.package,
        version: verdict.supported ? `${verdict.version ?? '(version unknown)'} without the internal _send this relies on,` : verdict.version,
        range: EXPORTER_ZIPKIN_SUPPORTED.range,
        without: "Zipkin's remoteEndpoint: the remote service stays a peer.service tag, unlike Spring's spans",
      },
      EXPORTER_ZIPKIN_SUPPORTED.package,
    );
    return false;
  }
  const inner = send as Send;
  const shaped: Send = (zipkinSpans, done) => {
    for (let i = 0; i < zipkinSpans.length; i++) zipkinSpans[i] = toBraveShape(zipkinSpans[i] as ZipkinSpanLike);
    inner.call(exporter, zipkinSpans, done);
  };
  target._send = shaped;
  return true;
}

/**
 * Makes `exporter` (a ZipkinExporter of `version`) hand its translated Zipkin spans to `send` instead of POSTing
 * them (the Kafka transport, src/tracing/kafka-sender.ts). Call before {@link sendInBraveShape}, which then wraps
 * `send`. Returns false, sending nothing anywhere, when this exporter has no internal send to replace.
 */
export function replaceZipkinSend(exporter: object, version: string | undefined, send: Send): boolean {
  const target = exporter as { _send?: unknown };
  if (!checkVersion(EXPORTER_ZIPKIN_SUPPORTED, version).supported || typeof target._send !== 'function') return false;
  target._send = send;
  return true;
}
