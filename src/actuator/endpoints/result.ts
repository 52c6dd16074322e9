/** What an endpoint answers before the router picks the content type and writes it. */
export interface EndpointResult {
  readonly status: number;
  /** A JSON value; undefined for an empty body (Spring's 404 of an unknown selector, 204). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const NOT_FOUND: EndpointResult = { status: 404 };
export const NO_CONTENT: EndpointResult = { status: 204 };
export function badRequest(message: string): EndpointResult {
  return { status: 400, body: { error: 'Bad Request', message } };
}
