/** Names of the runtime binders, as used in `metrics.binders` and NODEMETER_METRICS_BINDERS_DISABLED. */
export const BINDER_NAMES = [
  'process-cpu',
  'uptime',
  'file-descriptors',
  'processor',
  'disk-space',
  'jvm-memory',
  'jvm-buffer',
  'jvm-gc',
  'jvm-heap-pressure',
  'jvm-threads',
  'jvm-info',
  'startup-time',
  'event-loop',
  'node-gc',
  'node-handles',
  'process-memory',
  'jvm-classes',
  'process-status',
] as const;

/** @since 0.1.0 */
export type BinderName = (typeof BINDER_NAMES)[number];
