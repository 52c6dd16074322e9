/**
 * Cluster mode without a primary that runs nodemeter: PM2's cluster mode, whose primary is PM2's own daemon. Each
 * process listens on a private Unix domain socket in one directory per application, and the process that is asked
 * (the scraped one) asks every other socket there directly:
 *
 *   scrape on W ──► own answer + for each <pid>.sock but W's: connect, {topic,arg}\n ──► answer\n (deadline each)
 *
 *   directory   <os.tmpdir()>/nodemeter-<app>-<hash of PM2_HOME, cwd, app name, service name>/   mode 0700,
 *               owned by this user (another user's or a group/world-accessible directory is refused)
 *   sockets     <pid>.sock; a socket whose process is gone (refused, and the pid is not alive) is removed, at start
 *               and whenever it is met
 *
 * A peer that does not answer in time is left out and counted as missing; one that refuses (it has just exited)
 * is not missing, it is gone. Requests and answers are one line of JSON each, bounded in size. The server is
 * unreferenced: it never keeps a process alive. Not on Windows (no Unix sockets in a directory there): the caller
 * falls back to the IPC exchange.
 */
import fs from 'node:fs';
// node:crypto and node:net are resolved where PM2's cluster mode uses them (once per process or per question, never
// per request): imported, they load at start-up in every process (docs/benchmarks.md, start-up).
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ClusterExchange, Gathered } from './exchange.js';

/** Longest question a peer reads (a topic and a small argument). */
const MAX_REQUEST_BYTES = 64 * 1024;
/** Longest answer read from a peer (a large registry's families as JSON are a few MB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** The per-application directory of the peers' sockets. */
export function peerDirectory(appName: string, serviceName: string): string {
  const key = [process.env.PM2_HOME ?? '', process.env.pm_cwd ?? process.cwd(), appName, serviceName].join('\u0000');
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 12);
  // Unix socket paths are limited to ~104 bytes: a short, safe slice of the name, the hash makes it unique.
  const safe = appName.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 24);
  return path.join(os.tmpdir(), `nodemeter-${safe}-${hash}`);
}

/** True when this process is a worker of PM2's cluster mode (PM2's daemon is the primary; it runs no nodemeter). */
export function isPm2ClusterWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.exec_mode === 'cluster_mode' && (env.pm_id !== undefined || env.NODE_APP_INSTANCE !== undefined);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else (it cannot be our peer, but it is not ours to clean either).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidOf(file: string): number | undefined {
  const m = /^(\d+)\.sock$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** Creates (or checks) the directory: ours, a directory, not a link, nobody else may enter. Throws otherwise. */
function ensurePrivateDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) throw new Error(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`);
}

/** Removes the sockets of processes that are gone (a worker killed without shutdown leaves its socket). */
function removeStale(dir: string, self: number): void {
  for (const file of fs.readdirSync(dir)) {
    const pid = pidOf(file);
    if (pid === undefined) continue;
    if (pid === self || !alive(pid)) fs.rmSync(path.join(dir, file), { force: true });
  }
}

type Asked = { kind: 'answer'; ok: boolean; value: unknown } | { kind: 'gone' } | { kind: 'missing' };

/** The exchange of a peer. Throws when the directory cannot be used (the caller falls back). */
export function createPeerExchange(dir: string, timeoutMs: number): ClusterExchange {
  if (process.platform === 'win32') throw new Error('peer sockets need Unix domain sockets');
  ensurePrivateDirectory(dir);
  removeStale(dir, process.pid);
  return new PeerExchange(dir, timeoutMs);
}

class PeerExchange implements ClusterExchange {
  readonly role = 'peer' as const;
  readonly #responders = new Map<string, (arg: unknown) => unknown>();
  readonly #socketPath: string;
  readonly #server: net.Server;
  #closed = false;

  constructor(
    readonly dir: string,
    readonly timeoutMs: number,
  ) {
    this.#socketPath = path.join(dir, `${process.pid}.sock`);
    this.#server = process.getBuiltinModule('node:net').createServer((socket) => this.#serve(socket));
    this.#server.on('error', () => {
      // Listening failed (the directory vanished): this process answers no peer, and still asks them.
    });
    this.#server.listen(this.#socketPath);
    this.#server.unref();
  }

  respond(topic: string, answer: (arg: unknown) => unknown): () => void {
    this.#responders.set(topic, answer);
    return () => {
      if (this.#responders.get(topic) === answer) this.#responders.delete(topic);
    };
  }

  workerCount(): number {
    return 0;
  }

  async #own(topic: string, arg: unknown): Promise<{ ok: boolean; value: unknown } | undefined> {
    const responder = this.#responders.get(topic);
    if (responder === undefined) return undefined;
    try {
      return { ok: true, value: await responder(arg) };
    } catch (err) {
      return { ok: false, value: err instanceof Error ? err.message : String(err) };
    }
  }

  #serve(socket: net.Socket): void {
    let request = '';
    socket.setEncoding('utf8');
    socket.setTimeout(this.timeoutMs * 4, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      request += chunk;
      if (request.length > MAX_REQUEST_BYTES) return socket.destroy();
      const nl = request.indexOf('\n');
      if (nl < 0) return;
      socket.removeAllListeners('data');
      let question: { topic?: unknown; arg?: unknown };
      try {
        question = JSON.parse(request.slice(0, nl)) as { topic?: unknown; arg?: unknown };
      } catch {
        return socket.destroy();
      }
      void this.#own(String(question.topic), question.arg).then((own) => {
        const reply = own === undefined ? { ok: false, value: null } : own;
        if (!socket.destroyed) socket.end(`${JSON.stringify(reply)}\n`);
      });
    });
  }

  #ask(file: string, topic: string, arg: unknown, timeoutMs: number): Promise<Asked> {
    const socketPath = path.join(this.dir, file);
    return new Promise((resolve) => {
      let answer = '';
      let settled = false;
      const done = (result: Asked): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      // A hung peer (its event loop blocked) must not hang the question.
      const timer = setTimeout(() => done({ kind: 'missing' }), timeoutMs);
      timer.unref();
      const socket = process.getBuiltinModule('node:net').connect(socketPath);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`${JSON.stringify({ topic, arg })}\n`));
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (answer.length > MAX_ANSWER_BYTES) done({ kind: 'missing' });
      });
      socket.on('end', () => {
        try {
          const reply = JSON.parse(answer) as { ok?: unknown; value?: unknown };
          done({ kind: 'answer', ok: reply.ok === true, value: reply.value });
        } catch {
          done({ kind: 'missing' });
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') {
          // Nobody listens: the peer has exited. Its socket goes, unless its process lives (it is starting).
          const pid = pidOf(file);
          if (pid !== undefined && !alive(pid)) fs.rm(socketPath, { force: true }, () => {});
          done({ kind: 'gone' });
        } else done({ kind: 'missing' });
      });
    });
  }

  async gather(topic: string, arg?: unknown, timeoutMs = this.timeoutMs): Promise<Gathered> {
    let files: string[] = [];
    try {
      files = (await fs.promises.readdir(this.dir)).filter((f) => {
        const pid = pidOf(f);
        return pid !== undefined && pid !== process.pid;
      });
    } catch {
      // The directory is gone: this process answers alone.
    }
    const [own, asked] = await Promise.all([
      this.#own(topic, arg),
      Promise.all(files.map((f) => this.#ask(f, topic, arg, timeoutMs))),
    ]);
    const answers: unknown[] = own?.ok ? [own.value] : [];
    let missing = 0;
    for (const a of asked) {
      if (a.kind === 'answer' && a.ok) answers.push(a.value);
      else if (a.kind === 'missing') missing++;
      // A peer without a responder for the topic (answer, not ok) adds nothing, as under the primary.
    }
    return { answers, missing, primaryMissing: false };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    fs.rmSync(this.#socketPath, { force: true });
  }
}

/**
 * A process that answers alone, as a primary without workers: a PM2 worker whose peers cannot be reached. Its IPC
 * channel leads to PM2's daemon, which would never answer, so it is not asked.
 */
export function createSoloExchange(): ClusterExchange {
  const responders = new Map<string, (arg: unknown) => unknown>();
  return {
    role: 'primary',
    respond(topic, answer) {
      responders.set(topic, answer);
      return () => {
        if (responders.get(topic) === answer) responders.delete(topic);
      };
    },
    async gather(topic, arg) {
      const responder = responders.get(topic);
      if (responder === undefined) return { answers: [], missing: 0, primaryMissing: false };
      try {
        return { answers: [await responder(arg)], missing: 0, primaryMissing: false };
      } catch {
        return { answers: [], missing: 0, primaryMissing: false };
      }
    },
    workerCount: () => 0,
    close() {},
  };
}
