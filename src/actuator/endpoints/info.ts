/**
 * `/actuator/info`, as Spring Boot's InfoEndpoint: the contributors' maps merged, `{}` when none has anything.
 *
 *   build    (on)   name and version of the application's package.json (nearest to the working directory)
 *   git      (on)   commit id, time and branch when known: GIT_COMMIT / SOURCE_COMMIT, GIT_COMMIT_TIME, GIT_BRANCH,
 *                   else a Spring-style `git.properties` in the working directory (git.commit.id, …)
 *   node     (off)  as Spring's `java`: Node.js, V8 and the runtime versions
 *   os       (off)  name, version, arch
 *   process  (off)  pid, parentPid, owner, cpus, memory (heap used/committed/max, rss)
 *   user contributions: `nm.info.register(key, () => value)`
 *
 * Files are read once, on the first request. A throwing user contributor is left out of the answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import type { ResolvedActuatorConfig } from '../options.js';
import type { EndpointResult } from './result.js';

/** A contribution to `/actuator/info`. @since 0.3.0 */
export type InfoContributor = () => unknown;

/** `nm.info`: what `/actuator/info` shows besides the built-in contributors. @since 0.3.0 */
export interface InfoRegistry {
  /** Adds or replaces the contribution under `key`; returns a function that removes it. */
  register(key: string, contributor: InfoContributor): () => void;
}

function findPackageJson(from: string): Record<string, unknown> | undefined {
  let dir = from;
  for (let i = 0; i < 20; i++) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
  return undefined;
}

function readProperties(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).replace(/\\:/g, ':');
  }
  return out;
}

/** Spring's SIMPLE git mode: branch, commit id (7 characters) and time. */
export function gitInfo(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Record<string, unknown> | undefined {
  let id = env.GIT_COMMIT ?? env.SOURCE_COMMIT;
  let time = env.GIT_COMMIT_TIME;
  let branch = env.GIT_BRANCH;
  if (!id) {
    const props = readProperties(path.join(cwd, 'git.properties'));
    id = props?.['git.commit.id'] ?? props?.['git.commit.id.full'];
    time ??= props?.['git.commit.time'];
    branch ??= props?.['git.branch'];
  }
  if (!id) return undefined;
  const commit: Record<string, unknown> = { id: id.slice(0, 7) };
  if (time) commit.time = time;
  return branch ? { branch, commit } : { commit };
}

export function buildInfo(cwd = process.cwd()): Record<string, unknown> | undefined {
  const pkg = findPackageJson(cwd);
  if (!pkg || typeof pkg.name !== 'string') return undefined;
  const build: Record<string, unknown> = { artifact: pkg.name, name: pkg.name };
  if (typeof pkg.version === 'string') build.version = pkg.version;
  return build;
}

function nodeInfo(): Record<string, unknown> {
  return {
    version: process.versions.node,
    vendor: { name: 'Node.js' },
    runtime: { name: process.release.name, version: process.version },
    v8: { version: process.versions.v8 },
  };
}

function osInfo(): Record<string, unknown> {
  return { name: os.type(), version: os.release(), arch: os.arch() };
}

function processInfo(): Record<string, unknown> {
  let owner: string | undefined;
  try {
    owner = os.userInfo().username;
  } catch {
    // No user name for this uid (containers): left out, as Spring leaves out what it cannot read.
  }
  const memory = process.memoryUsage();
  return {
    pid: process.pid,
    parentPid: process.ppid,
    ...(owner === undefined ? {} : { owner }),
    cpus: os.availableParallelism(),
    memory: {
      heap: { used: memory.heapUsed, committed: memory.heapTotal, max: v8.getHeapStatistics().heap_size_limit },
      rss: memory.rss,
    },
  };
}

export class InfoEndpoint implements InfoRegistry {
  readonly #config: ResolvedActuatorConfig['info'];
  readonly #contributors = new Map<string, InfoContributor>();
  #static: Record<string, unknown> | undefined;

  constructor(config: ResolvedActuatorConfig['info']) {
    this.#config = config;
  }

  register(key: string, contributor: InfoContributor): () => void {
    this.#contributors.set(key, contributor);
    return () => {
      if (this.#contributors.get(key) === contributor) this.#contributors.delete(key);
    };
  }

  async answer(): Promise<EndpointResult> {
    if (this.#static === undefined) {
      this.#static = {};
      const build = this.#config.build ? buildInfo() : undefined;
      const git = this.#config.git ? gitInfo() : undefined;
      if (git) this.#static.git = git;
      if (build) this.#static.build = build;
    }
    const body: Record<string, unknown> = { ...this.#static };
    if (this.#config.node) body.node = nodeInfo();
    if (this.#config.os) body.os = osInfo();
    if (this.#config.process) body.process = processInfo();
    for (const [key, contributor] of this.#contributors) {
      try {
        const value = await contributor();
        if (value !== undefined) body[key] = value;
      } catch {
        // One failing contributor does not fail the endpoint.
      }
    }
    return { status: 200, body };
  }
}
