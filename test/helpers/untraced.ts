/**
 * The test's own HTTP calls to the service under test. The test process is often that service, so its outgoing
 * calls would be observed (and traced) as the service's client calls; the test is not part of the service, so it
 * calls with tracing suppressed, which nodemeter honours for both spans and client metrics.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export function untracedFetch(url: string, init?: RequestInit): Promise<Response> {
  return context.with(suppressTracing(context.active()), () => fetch(url, init));
}
