/**
 * Content types of the JSON endpoints, as Spring Boot's actuator: `application/vnd.spring-boot.actuator.v3+json` by
 * default (no Accept, `*\/*`, `application/*`), `application/json` when the client asks for it, 406 when the Accept
 * header lists neither (Spring MVC's answer to an unsatisfiable Accept). The v2 type is not produced: its health
 * shape (`details` instead of `components`) is Boot 2's.
 */
export const ACTUATOR_V3 = 'application/vnd.spring-boot.actuator.v3+json';
export const JSON_TYPE = 'application/json';

/** The content type to answer with, or undefined for 406. Never throws. */
export function negotiateJson(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return ACTUATOR_V3;
  let best: string | undefined;
  let bestQ = 0;
  let bestSpecific = -1;
  for (const range of accept.split(',')) {
    const parts = range.split(';');
    const type = (parts[0] ?? '').trim().toLowerCase();
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const [k, v] = (parts[i] ?? '').split('=').map((s) => s.trim().toLowerCase());
      if (k === 'q' && v !== undefined) q = Number.isFinite(Number(v)) ? Number(v) : 0;
    }
    let produced: string | undefined;
    let specific = 0;
    if (type === ACTUATOR_V3) [produced, specific] = [ACTUATOR_V3, 2];
    else if (type === JSON_TYPE) [produced, specific] = [JSON_TYPE, 2];
    else if (type === '*/*' || type === 'application/*') produced = ACTUATOR_V3;
    if (produced === undefined || q <= 0) continue;
    if (q > bestQ || (q === bestQ && specific > bestSpecific)) [best, bestQ, bestSpecific] = [produced, q, specific];
  }
  return best;
}
