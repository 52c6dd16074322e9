/**
 * Coded errors. Every code lives here, is documented in docs/reference/errors.md, and a test keeps the two in step.
 * Errors are branded with a `Symbol.for` key so `isNodemeterError()` works across two copies of the package.
 */

const kBrand = Symbol.for('nodemeter.error');

/** Every error code nodemeter throws. Codes are never reused. @since 0.1.0 */
export const ErrorCodes = {
  /** An option passed to `instrument()` has the wrong type or an out-of-range value. */
  NM_ERR_CONFIG_INVALID: 'NM_ERR_CONFIG_INVALID',
  /** An option name that nodemeter does not know (usually a typo). */
  NM_ERR_CONFIG_UNKNOWN_OPTION: 'NM_ERR_CONFIG_UNKNOWN_OPTION',
  /** A meter name or label name that Prometheus cannot represent. */
  NM_ERR_METRIC_NAME_INVALID: 'NM_ERR_METRIC_NAME_INVALID',
  /** `nm.db.bind()` was given something that is not a pool nodemeter can bind (pg, mysql2, knex, generic-pool). */
  NM_ERR_DB_UNSUPPORTED_POOL: 'NM_ERR_DB_UNSUPPORTED_POOL',
  /** The management port could not be listened on and `management.onPortTaken` is `fail`. */
  NM_ERR_MANAGEMENT_PORT_UNAVAILABLE: 'NM_ERR_MANAGEMENT_PORT_UNAVAILABLE',
} as const;

/** @since 0.1.0 */
export type ErrorCode = keyof typeof ErrorCodes;

/**
 * The one error class nodemeter throws, always with a `code` from {@link ErrorCodes}.
 * @since 0.1.0
 */
export class NodemeterError extends TypeError {
  readonly code: ErrorCode;
  readonly [kBrand] = true;

  constructor(code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'NodemeterError';
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNodemeterError(value);
  }
}

/** True for errors thrown by any copy of nodemeter. @since 0.1.0 */
export function isNodemeterError(value: unknown): value is NodemeterError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kBrand] === true;
}
