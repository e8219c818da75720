// PENDING: graphql-transport-ws protocol tests against `bcs serve` /query.
// gqlgen's stock websocket transport fails most close-code rules (see
// shared/reference/graphql-conformance.md §4), so these stay off until BCS has
// its own transport or a wrapper. Enable with BCS_WS_TESTS=1, e.g.
//   BCS_WS_TESTS=1 BCS_BIN=bin/bcs node --test web/test/pending/
// `node --test web/test/` also finds this file (every .mjs under a test/
// directory counts), hence the explicit switch rather than relying on the path.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { gql, useBcs } from '../lib/server.mjs';

const ENABLED = process.env.BCS_WS_TESTS === '1';
const PROTOCOL = 'graphql-transport-ws';
const WAIT_MS = 5000;
// How long the server waits for connection_init (the reference server's 3 s).
const INIT_TIMEOUT_MS = Number(process.env.BCS_WS_INIT_TIMEOUT_MS ?? 3000);
const CHANGES = 'subscription { changes(filter: {}) { revision kind name type } }';

/** A raw socket with a message queue, so each test reads frames in order. */
async function connect(url, protocol = PROTOCOL) {
  const ws = new WebSocket(url, protocol);
  const queue = [];
  let wake;
  ws.on('message', (data) => {
    queue.push(JSON.parse(String(data)));
    wake?.();
  });
  const closed = once(ws, 'close').then(([code, reason]) => ({ code, reason: String(reason) }));
  await once(ws, 'open');
  return {
    ws,
    closed,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    /** Next message from the server; fails on close or after `ms`. */
    async next(ms = WAIT_MS) {
      const deadline = delay(ms, 'timeout');
      while (queue.length === 0) {
        const woke = new Promise((r) => { wake = r; });
        const r = await Promise.race([woke, closed, deadline]);
        if (r === 'timeout') throw new Error(`no message within ${ms} ms`);
        if (r?.code !== undefined && queue.length === 0) throw new Error(`socket closed ${r.code} ${r.reason}`);
      }
      return queue.shift();
    },
    /** The close event; fails if the socket is still open after `ms`. */
    async closeCode(ms = WAIT_MS) {
      const r = await Promise.race([closed, delay(ms, 'timeout')]);
      if (r === 'timeout') throw new Error(`socket still open after ${ms} ms; frames: ${JSON.stringify(queue)}`);
      return r;
    },
  };
}

/** Connects and completes connection_init → connection_ack. */
async function connectAcked(url) {
  const c = await connect(url);
  c.send({ type: 'connection_init', payload: {} });
  assert.equal((await c.next()).type, 'connection_ack');
  return c;
}

describe('graphql-transport-ws', { skip: !ENABLED && 'pending: set BCS_WS_TESTS=1 to run' }, () => {
  const bcs = useBcs();

  test('ping is answered with pong', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'ping', payload: { n: 1 } });
    assert.equal((await c.next()).type, 'pong');
    c.ws.close();
  });

  test('4400 on an unknown message type', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'no_such_type' });
    assert.equal((await c.closeCode()).code, 4400);
  });

  test('4400 on a malformed message', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send('{not json');
    assert.equal((await c.closeCode()).code, 4400);
  });

  test('4401 on subscribe before connection_ack', async () => {
    const c = await connect(bcs.wsUrl);
    c.send({ type: 'subscribe', id: '1', payload: { query: CHANGES } });
    assert.equal((await c.closeCode()).code, 4401);
  });

  test('4408 when connection_init never comes', async () => {
    const c = await connect(bcs.wsUrl);
    assert.equal((await c.closeCode(INIT_TIMEOUT_MS + WAIT_MS)).code, 4408);
  });

  test('4409 on a second subscribe with an active id', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'subscribe', id: 'dup', payload: { query: CHANGES } });
    c.send({ type: 'subscribe', id: 'dup', payload: { query: CHANGES } });
    const { code, reason } = await c.closeCode();
    assert.equal(code, 4409);
    assert.match(reason, /dup/);
  });

  test('4429 on a second connection_init', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'connection_init', payload: {} });
    assert.equal((await c.closeCode()).code, 4429);
  });

  test('an invalid subscription ends with error, and no complete follows', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'subscribe', id: 'bad', payload: { query: 'subscription { noSuchField }' } });
    const msg = await c.next();
    assert.equal(msg.type, 'error', `want error, got ${JSON.stringify(msg)}`);
    assert.equal(msg.id, 'bad');
    assert.ok(Array.isArray(msg.payload) && msg.payload.length > 0, 'error payload is a GraphQLError list');
    // A ping/pong round trip proves nothing else (no complete) was queued first.
    c.send({ type: 'ping' });
    assert.equal((await c.next()).type, 'pong');
    c.ws.close();
  });

  test('a subscription through the graphql-ws client receives changes', async () => {
    const client = createClient({ url: bcs.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    try {
      const first = new Promise((resolve, reject) => {
        client.subscribe({ query: CHANGES }, {
          next: resolve,
          error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
          complete: () => reject(new Error('completed before any change')),
        });
      });
      // The server registers the subscription asynchronously, so keep causing
      // changes until one arrives (bounded by the deadline).
      // TODO(lead): if creating a project does not emit a Change, trigger one
      // that does (e.g. through a simulated cluster).
      const deadline = Date.now() + WAIT_MS * 2;
      let result;
      for (let i = 0; !result; i++) {
        assert.ok(Date.now() < deadline, 'no change delivered before the deadline');
        const res = await gql(bcs.queryUrl, `mutation { createProject(input: {name: "ws${i}", code: "ws${i}"}) { id } }`);
        assert.ok(!res.errors, JSON.stringify(res.errors));
        result = await Promise.race([first, delay(500)]);
      }
      assert.ok(!result.errors, JSON.stringify(result.errors));
      for (const f of ['revision', 'kind', 'name', 'type']) assert.ok(f in result.data.changes, `changes.${f} missing`);
    } finally {
      await client.dispose();
    }
  });
});
