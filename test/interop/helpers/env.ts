/** The stack addresses the interop suite needs (printed by `scripts/stack up zipkin kafka victorialogs spring`). */
export interface InteropEnv {
  zipkinUrl: string;
  kafkaBrokers: string;
  victoriaLogsUrl: string;
}

export function interopEnv(): InteropEnv {
  const missing = ['ZIPKIN_URL', 'KAFKA_BROKERS', 'VICTORIALOGS_URL', 'SPRING_APP_JAR_35', 'SPRING_APP_JAR_40']
    .filter((k) => !process.env[k]);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} must be set: eval "$(bash scripts/stack up zipkin kafka victorialogs spring)"`);
  }
  return {
    zipkinUrl: process.env.ZIPKIN_URL!,
    kafkaBrokers: process.env.KAFKA_BROKERS!,
    victoriaLogsUrl: process.env.VICTORIALOGS_URL!,
  };
}
