/**
 * `/actuator/loggers` and `/actuator/loggers/{name}`, as Spring Boot's LoggersEndpoint:
 *
 *   GET  {base}/loggers          {"levels":[OFF…TRACE],"loggers":{"ROOT":{configuredLevel,effectiveLevel},…},"groups":{}}
 *   GET  {base}/loggers/{name}   {"configuredLevel","effectiveLevel"}, 404 for an unknown name
 *   POST {base}/loggers/{name}   {"configuredLevel":"DEBUG"} (null resets) → 204; 400 for an unknown level;
 *                                405 unless write operations are enabled
 *
 * The levels come from the logging area through the small interface below.
 */
import { NOT_FOUND, NO_CONTENT, badRequest, type EndpointResult } from './result.js';

/** Spring's level names. @since 0.3.0 */
export type LoggerLevelName = 'OFF' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
const LEVELS: readonly LoggerLevelName[] = ['OFF', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

/** @since 0.3.0 */
export interface LoggerLevel {
  configuredLevel: LoggerLevelName | null;
  effectiveLevel: LoggerLevelName;
}

/** What `/actuator/loggers` reads and changes; the logging area implements it. @since 0.3.0 */
export interface LoggerLevels {
  list(): Record<string, LoggerLevel>;
  get(name: string): LoggerLevel | undefined;
  /** False when no logger has that name. */
  set(name: string, level: LoggerLevelName | null): boolean;
}

export function loggersGet(levels: LoggerLevels | undefined, name: string | undefined): EndpointResult {
  if (name === undefined) return { status: 200, body: { levels: LEVELS, loggers: levels?.list() ?? {}, groups: {} } };
  const level = levels?.get(name);
  return level ? { status: 200, body: level } : NOT_FOUND;
}

export function loggersPost(levels: LoggerLevels | undefined, name: string, body: string): EndpointResult {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return badRequest('the body must be JSON: {"configuredLevel":"DEBUG"}');
  }
  const value = (parsed as { configuredLevel?: unknown } | null)?.configuredLevel ?? null;
  const level = typeof value === 'string' ? value.toUpperCase() : value;
  if (level !== null && !LEVELS.includes(level as LoggerLevelName)) {
    return badRequest(`configuredLevel must be one of ${LEVELS.join(', ')} or null`);
  }
  if (!levels || !levels.set(name, level as LoggerLevelName | null)) return NOT_FOUND;
  return NO_CONTENT;
}
