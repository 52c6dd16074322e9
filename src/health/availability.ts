/**
 * Application availability, as Spring Boot's ApplicationAvailability: a liveness state (is the process able to work
 * at all) and a readiness state (should it get traffic now). The `livenessState` and `readinessState` health
 * indicators read them; graceful shutdown turns readiness to REFUSING_TRAFFIC first, so `/actuator/health/readiness`
 * answers 503 before the listeners close.
 *
 *   LivenessState  CORRECT → UP            BROKEN → DOWN
 *   ReadinessState ACCEPTING_TRAFFIC → UP  REFUSING_TRAFFIC → OUT_OF_SERVICE
 */
import type { Health, HealthRegistry } from './registry.js';

/** @since 0.3.0 */
export type LivenessState = 'CORRECT' | 'BROKEN';
/** @since 0.3.0 */
export type ReadinessState = 'ACCEPTING_TRAFFIC' | 'REFUSING_TRAFFIC';

/** `nm.availability`. @since 0.3.0 */
export interface Availability {
  readonly liveness: LivenessState;
  readonly readiness: ReadinessState;
  setLiveness(state: LivenessState): void;
  setReadiness(state: ReadinessState): void;
}

const LIVENESS: readonly LivenessState[] = ['CORRECT', 'BROKEN'];
const READINESS: readonly ReadinessState[] = ['ACCEPTING_TRAFFIC', 'REFUSING_TRAFFIC'];

/** A new availability, live and ready. @since 0.3.0 */
export function createAvailability(): Availability {
  let liveness: LivenessState = 'CORRECT';
  let readiness: ReadinessState = 'ACCEPTING_TRAFFIC';
  return {
    get liveness() {
      return liveness;
    },
    get readiness() {
      return readiness;
    },
    setLiveness(state) {
      if (!LIVENESS.includes(state)) throw new TypeError(`liveness must be one of ${LIVENESS.join(', ')}`);
      liveness = state;
    },
    setReadiness(state) {
      if (!READINESS.includes(state)) throw new TypeError(`readiness must be one of ${READINESS.join(', ')}`);
      readiness = state;
    },
  };
}

/** The health component names of the two states, and the groups that hold them, as Spring. */
export const LIVENESS_COMPONENT = 'livenessState';
export const READINESS_COMPONENT = 'readinessState';

/** Registers `livenessState` and `readinessState`; returns a function that removes both. */
export function registerAvailabilityIndicators(health: HealthRegistry, availability: Availability): () => void {
  const up: Health = { status: 'UP' };
  const down: Health = { status: 'DOWN' };
  const out: Health = { status: 'OUT_OF_SERVICE' };
  const a = health.register(LIVENESS_COMPONENT, () => (availability.liveness === 'CORRECT' ? up : down));
  const b = health.register(READINESS_COMPONENT, () => (availability.readiness === 'ACCEPTING_TRAFFIC' ? up : out));
  return () => {
    a();
    b();
  };
}
