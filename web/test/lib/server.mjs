// Starts the real bcs binary for a test file: a free loopback port, a fresh
// SQLite database in a temporary directory, logs to a file whose tail is
// printed when something fails. Every test file goes through useBcs() so that
// spawning, readiness and cleanup are the same everywhere.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const READY_TIMEOUT_MS = Number(process.env.BCS_READY_TIMEOUT_MS ?? 20000);
const STOP_TIMEOUT_MS = 5000;
const POLL_INTERVAL_MS = 50;

/** A port the kernel just handed out on 127.0.0.1, released for the caller. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Last `lines` lines of a log file ('' if it cannot be read). */
export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Headers gql() sends to BCS: the admin token of the last server started. */
export const defaultHeaders = {};

/**
 * Spawns `BCS_BIN serve` and resolves once GET /readyz answers 200.
 * Rejects (with the log tail) if the process exits first or the deadline passes.
 */
export async function startBcs({ extraArgs = [], env = {} } = {}) {
  const bin = process.env.BCS_BIN || path.join(repoRoot, 'bin', 'bcs');
  if (!fs.existsSync(bin)) {
    throw new Error(`bcs binary not found at ${bin}: run \`make build\` or set BCS_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcs-node-test-'));
  const logFile = path.join(dir, 'bcs.log');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--database', `sqlite://${dir}/bcs.db`, ...extraArgs];
  // `bcs token create` against this server's database; it works while the
  // server runs (same SQLite file).
  const createToken = (user, { admin = false } = {}) =>
    execFileSync(bin, ['token', 'create', '--user', user, ...(admin ? ['--admin'] : []), '--database', `sqlite://${dir}/bcs.db`],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  // Every request needs a token: bootstrap the first admin as a user would.
  const token = createToken('admin', { admin: true });
  defaultHeaders.authorization = `Bearer ${token}`;

  const log = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  fs.closeSync(log); // the child holds its own copy
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  // Never leave a server behind, even when the test process dies early.
  const reap = () => child.kill('SIGKILL');
  process.on('exit', reap);

  const server = {
    bin, args, dir, port, logFile, child, token, createToken,
    authHeaders: { authorization: `Bearer ${token}` },
    url: base,
    queryUrl: `${base}/query`,
    wsUrl: `ws://127.0.0.1:${port}/query`,
    logTail: (n) => tail(logFile, n),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = delay(STOP_TIMEOUT_MS, 'timeout');
        if ((await Promise.race([exited, timer])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      process.off('exit', reap);
      if (!process.env.BCS_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const { code, signal } = await exited;
      const msg = `bcs exited before ready (code ${code}, signal ${signal})\n$ ${bin} ${args.join(' ')}\n${server.logTail()}`;
      await server.stop();
      throw new Error(msg);
    }
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
      last = `HTTP ${res.status}`;
      await res.arrayBuffer();
      if (res.status === 200) return server;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (Date.now() > deadline) {
      const msg = `bcs not ready within ${READY_TIMEOUT_MS} ms (last: ${last})\n${server.logTail()}`;
      await server.stop();
      throw new Error(msg);
    }
    // Polling interval, bounded by the deadline above; bail out early if it exits.
    await Promise.race([delay(POLL_INTERVAL_MS), exited]);
  }
}

/**
 * Registers before/after hooks in the calling test file and returns an object
 * that holds the running server's fields (url, queryUrl, wsUrl, …) once
 * `before` has run. The log tail is printed after each failed test.
 */
export function useBcs(opts) {
  const bcs = {};
  before(async () => Object.assign(bcs, await startBcs(opts)));
  afterEach((t) => {
    if (!t.passed && bcs.logTail) {
      console.error(`--- bcs log tail after failed test "${t.name}" (${bcs.logFile}) ---\n${bcs.logTail()}`);
    }
  });
  after(async () => bcs.stop?.());
  return bcs;
}

/** POSTs a GraphQL request and returns the parsed JSON body; throws on non-JSON. */
export async function gql(url, query, variables, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...defaultHeaders, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status} from ${url}, not JSON: ${text.slice(0, 500)}`);
  }
}
