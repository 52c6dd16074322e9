/**
 * Content negotiation of /actuator/prometheus, as Spring Boot's PrometheusScrapeEndpoint: OpenMetrics 1.0 when the
 * Accept header prefers it, the Prometheus text format 0.0.4 otherwise (the default, also for no Accept at all).
 * An Accept header that admits neither (`application/json` alone) is 406, as Spring answers it.
 */
import type { ExpositionFormat } from '../metrics/registry.js';

/**
 * Picks the format with the highest q among those the Accept header lists; undefined when it lists none of them
 * (406). `application/*` is OpenMetrics, the one `application/` type produced. Never throws.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'text';
  let bestFormat: ExpositionFormat = 'text';
  let bestQ = -1;
  for (const range of accept.split(',')) {
    const parts = range.split(';');
    const type = (parts[0] ?? '').trim().toLowerCase();
    let q = 1;
    let version: string | undefined;
    for (let i = 1; i < parts.length; i++) {
      const [k, v] = (parts[i] ?? '').split('=').map((s) => s.trim().toLowerCase());
      if (k === 'q' && v !== undefined) q = Number.isFinite(Number(v)) ? Number(v) : 0;
      else if (k === 'version') version = v;
    }
    let format: ExpositionFormat | undefined;
    if (type === 'application/openmetrics-text' && (version === undefined || version === '1.0.0')) format = 'openmetrics';
    else if (type === 'application/*') format = 'openmetrics';
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') format = 'text';
    // Strictly greater: on a tie the earlier range wins, as listed by the client.
    if (format && q > bestQ) {
      bestQ = q;
      bestFormat = format;
    }
  }
  return bestQ > 0 ? bestFormat : undefined;
}
