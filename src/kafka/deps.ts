/** What the Kafka integration needs from the core. */
import type { HealthRegistry } from '../health/registry.js';
import type { Diag } from '../core/diag.js';
import type { SpringBootLine } from '../core/fleet.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { ObservationRegistry } from '../observation/registry.js';

/** The Kafka integration's part of the resolved configuration. @since 0.3.0 */
export interface KafkaSetupOptions {
  /** The fleet profile: Boot 4.0 listeners `process`, Boot 3.5 listeners `receive`. Default `'4.0'`. */
  readonly springBoot?: SpringBootLine;
}

export interface KafkaDeps {
  readonly registry: MeterRegistry;
  readonly observations: ObservationRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
  readonly options?: KafkaSetupOptions;
}
