/** The saga's Kafka topics of one fleet run (a run id keeps runs and their consumer groups apart). */
export function fleetTopics(runId) {
  return {
    orders: `fleet-${runId}-orders`,
    payments: `fleet-${runId}-payment-replies`,
    inventory: `fleet-${runId}-inventory-replies`,
    compensations: `fleet-${runId}-compensations`,
  };
}
