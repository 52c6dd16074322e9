/**
 * The route template of an Express request, from the patterns of the layers that routed it.
 *
 * `req.baseUrl` is the path the mounted routers matched (`/api/acme`), not their patterns (`/api/:tenant`), and
 * guessing the pattern back from parameter values is wrong whenever a value equals a literal segment
 * (`/users/orders/orders` under `/users/:userId/orders`). So when the response closes, the router tree is walked
 * again along `req.baseUrl`, down to the layer of `req.route`, and each mount layer gives its own piece:
 *
 *   app router ─ layer '/api/:tenant' ─► router ─ layer '/items/:itemId' (req.route)
 *        baseUrl '/api/acme'  ──► piece '/api/{tenant}'   +  route path '/items/{itemId}'
 *
 * How a layer tells its pattern:
 *   Express 4     `layer.regexp` and `layer.keys` (path-to-regexp 0.1): the regexp is run again with match indices
 *                 (`d` flag), and the span each key captured becomes `{key}`. Exact.
 *   Express 5     router ≥ 2.3 keeps the pattern (`layer.rawPath`), and `layer.matchers` say which of several
 *                 patterns matched: the pattern itself becomes the piece. Exact.
 *   router < 2.3  (Express 5 with an older lockfile) no pattern and no indices: within the piece that layer matched,
 *                 segments equal to one of that layer's own parameter values become `{name}`.
 *
 * Only pure matchers are called (never `layer.match()`, which in Express 4 writes request state onto the shared
 * layer). Express sub-apps (`app.use('/x', subApp)`) give their `mountpath`. The last template is kept per route
 * and baseUrl, so a service whose mounts have no parameters walks the tree once per route.
 */
import { toRouteTemplate } from './route.js';

type Params = Record<string, string>;
type Matcher = (path: string) => false | { path: string; params: Params };

/** The parts of an Express 4 `Layer` or a router 2.x `Layer` that are read here. */
interface LayerLike {
  handle?: unknown;
  route?: unknown;
  // Express 4 (path-to-regexp 0.1)
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: ReadonlyArray<{ name: string | number }>;
  // router 2.x
  matchers?: Matcher[];
  rawPath?: unknown;
  slash?: boolean;
}

interface AppLike {
  _router?: { stack?: unknown };
  router?: { stack?: unknown };
  mountpath?: unknown;
  parent?: AppLike;
}

/** What express.ts reads of a request. */
export interface ExpressRequestLike {
  baseUrl?: string;
  route?: { path?: unknown };
  app?: AppLike;
}

interface Piece {
  /** Characters of the remaining baseUrl this layer matched. */
  length: number;
  template: string;
}

const MAX_DEPTH = 16;
const withIndices = new WeakMap<RegExp, RegExp | null>();
const lastByRoute = new WeakMap<object, { base: string; template: string }>();

function stackOf(handle: unknown): LayerLike[] | undefined {
  if (typeof handle !== 'function') return undefined;
  const stack = (handle as { stack?: unknown }).stack;
  return Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

function stripSlash(s: string): string {
  return s.length > 0 && s.endsWith('/') ? s.slice(0, -1) : s;
}

/** Express 4: the layer's regexp again, with indices, so each key's span is known. */
function express4Piece(layer: LayerLike, rest: string): Piece | undefined {
  const regexp = layer.regexp as RegExp & { fast_slash?: boolean };
  if (regexp.fast_slash) return { length: 0, template: '' };
  let re = withIndices.get(regexp);
  if (re === undefined) {
    try {
      re = new RegExp(regexp.source, regexp.flags.includes('d') ? regexp.flags : `${regexp.flags}d`);
    } catch {
      re = null;
    }
    withIndices.set(regexp, re);
  }
  if (re === null) return undefined;
  re.lastIndex = 0;
  const m = re.exec(rest) as (RegExpExecArray & { indices?: Array<[number, number] | undefined> }) | null;
  if (m === null || m.index !== 0) return undefined;
  const matched = stripSlash(m[0]);
  const keys = layer.keys ?? [];
  let template = matched;
  // Only when every capture group is a key (user regexps with groups of their own shift the numbering).
  if (m.indices !== undefined && m.length - 1 === keys.length) {
    for (let i = keys.length; i >= 1; i--) {
      const span = m.indices[i];
      const name = keys[i - 1]?.name;
      if (span === undefined || typeof name !== 'string' || span[0] >= matched.length) continue;
      template = `${template.slice(0, span[0])}{${name}}${template.slice(Math.min(span[1], matched.length))}`;
    }
  }
  return { length: matched.length, template };
}

/** router 2.x (Express 5): the pattern that matched (≥ 2.3), else that layer's own parameter values. */
function routerPiece(layer: LayerLike, rest: string): Piece | undefined {
  if (layer.slash === true) return { length: 0, template: '' };
  const matchers = layer.matchers as Matcher[];
  for (let i = 0; i < matchers.length; i++) {
    let r: ReturnType<Matcher>;
    try {
      r = (matchers[i] as Matcher)(rest);
    } catch {
      continue;
    }
    if (!r || !rest.startsWith(r.path)) continue;
    const matched = stripSlash(r.path);
    const pattern = Array.isArray(layer.rawPath) ? (layer.rawPath as unknown[])[i] : layer.rawPath;
    if (typeof pattern === 'string') return { length: matched.length, template: stripSlash(toRouteTemplate(pattern)) };
    if (pattern instanceof RegExp) return { length: matched.length, template: matched };
    return { length: matched.length, template: byOwnValues(matched, r.params) };
  }
  return undefined;
}

/** router < 2.3 only: segments of this layer's piece equal to one of this layer's parameter values. */
function byOwnValues(piece: string, params: Params): string {
  const names = Object.keys(params);
  if (names.length === 0) return piece;
  const segments = piece.split('/');
  for (let i = 1; i < segments.length; i++) {
    let segment = segments[i] as string;
    try {
      segment = decodeURIComponent(segment);
    } catch {
      // Not percent-encoded text: compare as is.
    }
    for (const name of names) {
      if (segment !== '' && params[name] === segment) {
        segments[i] = `{${name}}`;
        delete params[name];
        break;
      }
    }
  }
  return segments.join('/');
}

function pieceOf(layer: LayerLike, rest: string): Piece | undefined {
  if (layer.regexp instanceof RegExp) return express4Piece(layer, rest);
  if (Array.isArray(layer.matchers)) return routerPiece(layer, rest);
  return undefined;
}

/** Depth-first along `rest` (what is left of baseUrl) to the layer of `route`; the mount pieces on the way. */
function walk(stack: readonly LayerLike[], rest: string, route: unknown, depth: number): string | undefined {
  for (const layer of stack) {
    if (layer.route !== undefined) {
      if (layer.route === route && (rest === '' || rest === '/')) return '';
      continue;
    }
    const inner = stackOf(layer.handle);
    if (inner === undefined || depth >= MAX_DEPTH) continue;
    const piece = pieceOf(layer, rest);
    if (piece === undefined) continue;
    const below = walk(inner, rest.slice(piece.length), route, depth + 1);
    if (below !== undefined) return piece.template + below;
  }
  return undefined;
}

/** Mount patterns of a sub-app and its parents (`app.use('/admin/:org', admin)`), outermost first. */
function subAppPrefix(app: AppLike): { template: string; segments: number } | undefined {
  let template = '';
  let segments = 0;
  for (let a: AppLike | undefined = app; a?.parent !== undefined; a = a.parent) {
    const mount = a.mountpath;
    // An array of mount paths or a wildcard spans an unknown number of segments: not resolvable here.
    if (typeof mount !== 'string' || mount.includes('*')) return undefined;
    const t = stripSlash(toRouteTemplate(mount));
    template = t + template;
    segments += t === '' ? 0 : t.split('/').length - 1;
  }
  return { template, segments };
}

function resolve(req: ExpressRequestLike, route: object, base: string): string | undefined {
  const app = req.app;
  if (app === undefined) return undefined;
  let stack: unknown;
  try {
    stack = (app._router ?? app.router)?.stack;
  } catch {
    return undefined;
  }
  if (!Array.isArray(stack)) return undefined;
  let prefix = '';
  let rest = base;
  if (app.parent !== undefined) {
    const sub = subAppPrefix(app);
    if (sub === undefined) return undefined;
    prefix = sub.template;
    let cut = 0;
    for (let n = 0; n < sub.segments; n++) {
      const next = rest.indexOf('/', cut + 1);
      cut = next === -1 ? rest.length : next;
    }
    rest = rest.slice(cut);
  }
  const mounts = walk(stack as LayerLike[], rest, route, 0);
  return mounts === undefined ? undefined : prefix + mounts;
}

/**
 * The route template of a request that Express routed (`/api/{tenant}/items/{itemId}`), or undefined when no route
 * matched. When the layers cannot be walked (an unknown router), the route path under the matched baseUrl.
 */
export function expressRouteTemplate(req: ExpressRequestLike): string | undefined {
  const route = req.route;
  const path = route?.path;
  if (route === undefined || path === undefined) return undefined;
  const base = req.baseUrl ?? '';
  const last = lastByRoute.get(route);
  if (last !== undefined && last.base === base) return last.template;
  const mounts = base === '' ? '' : (resolve(req, route, base) ?? base);
  const p = typeof path === 'string' ? path : String(path);
  // A router mounted at /orders with a route '/' serves /orders, not /orders/.
  const template = mounts !== '' && p === '/' ? mounts : toRouteTemplate(mounts + p);
  lastByRoute.set(route, { base, template });
  return template;
}
