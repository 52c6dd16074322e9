/**
 * Micrometer-style dotted names to Prometheus names, as Micrometer's PrometheusNamingConvention does:
 * dots become underscores, the base unit is appended unless present, timers end in `_seconds`, counters in `_total`.
 */
import { NodemeterError } from '../core/errors.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Kinds of meter, as Micrometer has them. */
export type MeterKind = 'counter' | 'gauge' | 'timer';

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/**
 * The Prometheus family name of a meter, without the `_total` of counters (the exposition adds it).
 * `jvm.memory.used` + `bytes` gives `jvm_memory_used_bytes`; timer `http.server.requests` gives
 * `http_server_requests_seconds`.
 */
export function prometheusBaseName(name: string, kind: MeterKind, baseUnit?: string): string {
  let out = sanitize(name);
  if (kind === 'counter' && out.endsWith('_total')) out = out.slice(0, -'_total'.length);
  const unit = kind === 'timer' ? 'seconds' : baseUnit ? sanitize(baseUnit) : undefined;
  if (unit && !out.endsWith(`_${unit}`)) out = `${out}_${unit}`;
  if (!METRIC_NAME.test(out) || out.startsWith('__')) {
    throw new NodemeterError('NM_ERR_METRIC_NAME_INVALID', `meter name ${JSON.stringify(name)} cannot be a Prometheus name`);
  }
  return out;
}

/** Throws NM_ERR_METRIC_NAME_INVALID for label names Prometheus rejects or reserves. */
export function checkLabelNames(meter: string, labelNames: readonly string[]): void {
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le' || label === 'quantile') {
      throw new NodemeterError(
        'NM_ERR_METRIC_NAME_INVALID',
        `label name ${JSON.stringify(label)} of meter ${meter} is not a valid Prometheus label name`,
      );
    }
  }
}
