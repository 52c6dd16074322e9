/** What an endpoint answers before the router picks the content type and writes it. */
export interface EndpointResult {
  readonly status: number;
  /** A JSON value; undefined for an empty body (Spring's 404 of an unknown selector, 204). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * An error: the router writes Spring's error body (`{timestamp,status,error,path}`, `application/json`) instead of
   * `body`, as Spring Boot's BasicErrorController answers a rejected request (`server.error.include-message` is
   * `never` by default, so no message: the reason goes to the diagnostics at debug level).
   */
  readonly error?: string;
}

export const NOT_FOUND: EndpointResult = { status: 404 };
export const NO_CONTENT: EndpointResult = { status: 204 };
export function badRequest(message: string): EndpointResult {
  return { status: 400, error: message };
}
