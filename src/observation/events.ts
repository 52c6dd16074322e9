/**
 * Events an integration reports on an observation (`observations.event(ctx, name)`), declared here so integrations
 * and the handlers that react to them share the name without knowing each other.
 */

/**
 * An error escaped to the framework's last resort (Express's final handler, Fastify's default error handler, …):
 * the logging handler writes it once at ERROR, as Spring does. @since 0.3.0
 */
export const UNHANDLED_ERROR = 'unhandled-error';
