/** What the Kafka integration needs from the core. */
import type { HealthRegistry } from '../health/registry.js';
import type { Diag } from '../core/diag.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { ObservationRegistry } from '../observation/registry.js';

export interface KafkaDeps {
  readonly registry: MeterRegistry;
  readonly observations: ObservationRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
}
