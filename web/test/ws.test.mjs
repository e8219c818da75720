// GraphQL over websockets on `bcs serve` /query: graphql-transport-ws exactly
// as enisdenjo/graphql-ws's PROTOCOL.md says (raw frames, one test per close
// code), a subscription through the graphql-ws client, and the legacy Apollo
// graphql-ws subprotocol. Websockets sign in with the token in the
// connection_init payload ({"Authorization": "Bearer …"} or {"token": …}).
//
// Without a Kubernetes cluster nothing writes the change log, so the
// subscriptions that must deliver use clusterStatus: createRegisterToken adds a
// REGISTERING cluster, which clusterStatus(projectID) emits at once.
// Not covered here: 1013 (slow consumer) needs a stream faster than the
// client reads; internal/transport/ws_slow_test.go covers it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { gql, useBcs } from './lib/server.mjs';

const PROTOCOL = 'graphql-transport-ws';
const LEGACY = 'graphql-ws';
const WAIT_MS = 5000;
// How long the server waits for connection_init (transport.DefaultInitTimeout).
const INIT_TIMEOUT_MS = 3000;
// A subscription that stays open and quiet: no cluster writes the change log.
const CHANGES = 'subscription { changes(filter: {}) { revision kind namespace name type } }';
const CLUSTER_STATUS = 'subscription ($p: ID!) { clusterStatus(projectID: $p) { id name status } }';

const bcs = useBcs();
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** Returns data, failing with the whole response when there are errors. */
function dataOf(res, what) {
  assert.ok(!res.errors?.length && res.data, `${what} failed:\n${JSON.stringify(res, null, 2)}`);
  return res.data;
}

/** A project (as admin) with one REGISTERING cluster named `clusterName`. */
async function projectWithCluster(code, clusterName = 'edge-1') {
  const { id } = dataOf(
    await gql(bcs.queryUrl, 'mutation ($c: String!) { createProject(input: {name: $c, code: $c}) { id } }', { c: code }),
    'createProject',
  ).createProject;
  const { cluster } = dataOf(
    await gql(bcs.queryUrl, 'mutation ($p: ID!, $n: String!) { createRegisterToken(projectID: $p, clusterName: $n) { cluster { id name status } } }',
      { p: id, n: clusterName }),
    'createRegisterToken',
  ).createRegisterToken;
  return { projectID: id, cluster };
}

/**
 * A raw socket with a message queue, so each test reads frames in order.
 * `protocol` null offers no subprotocol at all.
 */
async function connect(url, protocol = PROTOCOL) {
  const ws = protocol === null ? new WebSocket(url) : new WebSocket(url, protocol);
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
    /** Next message from the server (legacy keep-alives skipped); fails on close or after `ms`. */
    async next(ms = WAIT_MS) {
      const deadline = delay(ms, 'timeout');
      for (;;) {
        while (queue.length === 0) {
          const woke = new Promise((r) => { wake = r; });
          const r = await Promise.race([woke, closed, deadline]);
          if (r === 'timeout') throw new Error(`no message within ${ms} ms`);
          if (r?.code !== undefined && queue.length === 0) throw new Error(`socket closed ${r.code} ${r.reason}`);
        }
        const msg = queue.shift();
        if (msg.type !== 'ka') return msg;
      }
    },
    /** The close event; fails if the socket is still open after `ms`. */
    async closeCode(ms = WAIT_MS) {
      const r = await Promise.race([closed, delay(ms, 'timeout')]);
      if (r === 'timeout') throw new Error(`socket still open after ${ms} ms; frames: ${JSON.stringify(queue)}`);
      return r;
    },
  };
}

/** Connects and completes connection_init → connection_ack with `payload`. */
async function connectAcked(url, payload = bearer(bcs.token), protocol = PROTOCOL) {
  const c = await connect(url, protocol);
  c.send({ type: 'connection_init', payload });
  const ack = await c.next();
  assert.equal(ack.type, 'connection_ack', `want connection_ack, got ${JSON.stringify(ack)}`);
  return c;
}

describe('graphql-transport-ws', () => {
  test('ping is answered with pong, payload echoed', async () => {
    const c = await connectAcked(bcs.wsUrl);
    c.send({ type: 'ping', payload: { n: 1 } });
    assert.deepEqual(await c.next(), { type: 'pong', payload: { n: 1 } });
    c.ws.close();
  });

  test('connection_init with {"token": …} is acknowledged', async () => {
    const c = await connectAcked(bcs.wsUrl, { token: bcs.token });
    c.ws.close();
  });

  test('4403 on connection_init without a token', async () => {
    const c = await connect(bcs.wsUrl);
    c.send({ type: 'connection_init', payload: {} });
    assert.equal((await c.closeCode()).code, 4403);
  });

  test('4403 on connection_init without a payload', async () => {
    const c = await connect(bcs.wsUrl);
    c.send({ type: 'connection_init' });
    assert.equal((await c.closeCode()).code, 4403);
  });

  test('4403 on connection_init with an invalid token', async () => {
    const c = await connect(bcs.wsUrl);
    c.send({ type: 'connection_init', payload: bearer('bcs_not-a-real-token') });
    assert.equal((await c.closeCode()).code, 4403);
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

  test('4406 when no subprotocol is offered', async () => {
    const c = await connect(bcs.wsUrl, null);
    assert.equal((await c.closeCode()).code, 4406);
  });

  test('4408 when connection_init never comes', async () => {
    const c = await connect(bcs.wsUrl);
    const started = Date.now();
    assert.equal((await c.closeCode(INIT_TIMEOUT_MS + WAIT_MS)).code, 4408);
    assert.ok(Date.now() - started >= INIT_TIMEOUT_MS - 250, 'closed before the init timeout');
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
    c.send({ type: 'connection_init', payload: bearer(bcs.token) });
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

  test('clusterStatus delivers, and complete from the client releases the id', async () => {
    const { projectID, cluster } = await projectWithCluster('wsraw');
    const c = await connectAcked(bcs.wsUrl);
    const subscribe = { type: 'subscribe', id: 's1', payload: { query: CLUSTER_STATUS, variables: { p: projectID } } };
    c.send(subscribe);
    const msg = await c.next();
    assert.deepEqual(msg, { type: 'next', id: 's1', payload: { data: { clusterStatus: cluster } } });
    assert.equal(cluster.status, 'REGISTERING');
    c.send({ type: 'complete', id: 's1' });
    // The id is free again: reusing it is not a 4409, and it delivers afresh.
    c.send(subscribe);
    assert.deepEqual(await c.next(), msg);
    c.send({ type: 'complete', id: 's1' });
    c.send({ type: 'ping' });
    assert.equal((await c.next()).type, 'pong');
    c.ws.close();
  });

  describe('another user', () => {
    let otherToken;
    let adminProject;
    before(async () => {
      otherToken = bcs.createToken('other');
      adminProject = (await projectWithCluster('wsadminonly', 'secret')).projectID;
    });

    /**
     * Subscribes as "other" and expects the refusal graphql-ws's reference
     * server gives a subscription whose source stream fails: one next with
     * errors and no data, then complete. Never a cluster or a change.
     */
    async function expectRefused(query, field, action) {
      const c = await connectAcked(bcs.wsUrl, bearer(otherToken));
      c.send({ type: 'subscribe', id: 'peek', payload: { query, variables: { p: adminProject } } });
      const msg = await c.next();
      assert.equal(msg.type, 'next', `want next with errors, got ${JSON.stringify(msg)}`);
      assert.equal(msg.id, 'peek');
      assert.equal(msg.payload.data, null, `leaked: ${JSON.stringify(msg)}`);
      assert.equal(msg.payload.errors?.length, 1, JSON.stringify(msg));
      const [err] = msg.payload.errors;
      assert.equal(err.extensions?.code, 'FORBIDDEN', JSON.stringify(msg));
      assert.equal(err.extensions?.action, action, JSON.stringify(msg));
      assert.deepEqual(err.path, [field]);
      assert.deepEqual(await c.next(), { type: 'complete', id: 'peek' });
      c.ws.close();
    }

    test('cannot follow clusterStatus of a project that is not theirs', () =>
      expectRefused(CLUSTER_STATUS, 'clusterStatus', 'cluster_view'));

    test('cannot follow changes of a project that is not theirs', () =>
      expectRefused('subscription ($p: ID!) { changes(filter: {projectID: $p}) { revision } }', 'changes', 'project_view'));
  });
});

describe('graphql-ws client', () => {
  test('subscribes with connectionParams, receives clusterStatus, completes', async () => {
    const { projectID, cluster } = await projectWithCluster('wsclient', 'xx');
    const client = createClient({
      url: bcs.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: bearer(bcs.token),
      retryAttempts: 0,
      lazy: true,
    });
    try {
      const it = client.iterate({ query: CLUSTER_STATUS, variables: { p: projectID } });
      const first = await Promise.race([it.next(), delay(WAIT_MS, 'timeout')]);
      assert.notEqual(first, 'timeout', `no clusterStatus within ${WAIT_MS} ms`);
      assert.deepEqual(first.value, { data: { clusterStatus: cluster } });
      assert.equal(cluster.name, 'xx');
      assert.equal(cluster.status, 'REGISTERING');
      // return() sends complete and ends the iteration.
      assert.deepEqual(await it.return(), { done: true, value: undefined });
    } finally {
      await client.dispose();
    }
  });

  test('without connectionParams the client sees close 4403', async () => {
    const client = createClient({ url: bcs.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    try {
      const err = await new Promise((resolve, reject) => {
        client.subscribe({ query: CHANGES }, {
          next: (v) => reject(new Error(`unexpected result ${JSON.stringify(v)}`)),
          error: resolve,
          complete: () => reject(new Error('completed without an error')),
        });
      });
      assert.equal(err?.code, 4403, `want CloseEvent 4403, got ${err?.code ?? err}`);
    } finally {
      await client.dispose();
    }
  });
});

describe('legacy graphql-ws subprotocol', () => {
  test('connection_init → ack, start → data, stop, connection_terminate', async () => {
    const { projectID, cluster } = await projectWithCluster('wslegacy');
    const c = await connectAcked(bcs.wsUrl, bearer(bcs.token), LEGACY);
    assert.equal(c.ws.protocol, LEGACY);
    c.send({ type: 'start', id: 'l1', payload: { query: CLUSTER_STATUS, variables: { p: projectID } } });
    assert.deepEqual(await c.next(), { type: 'data', id: 'l1', payload: { data: { clusterStatus: cluster } } });
    c.send({ type: 'stop', id: 'l1' });
    c.send({ type: 'connection_terminate' });
    assert.equal((await c.closeCode()).code, 1000);
  });

  test('connection_init without a token: connection_error, then close 4403', async () => {
    const c = await connect(bcs.wsUrl, LEGACY);
    c.send({ type: 'connection_init', payload: {} });
    const msg = await c.next();
    assert.equal(msg.type, 'connection_error', JSON.stringify(msg));
    assert.equal((await c.closeCode()).code, 4403);
  });
});
