// GraphQL-over-HTTP conformance of `bcs serve` /query, audited by graphql-http.
// BCS requires every audit (MUST, SHOULD and MAY) to be ok, not only the MUSTs,
// so any non-ok status fails its test with the reason, request and response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAudits } from 'graphql-http';
import { useBcs } from './lib/server.mjs';

const EXPECTED_AUDITS = 61; // graphql-http 1.23.1: 13 MUST, 23 SHOULD, 25 MAY

const bcs = useBcs();

// The audits run one after another, so remembering the last request is enough
// to show which request produced a failing response.
let lastRequest;
async function recordingFetch(input, init = {}) {
  // The audits run as a signed-in client: BCS refuses anonymous requests.
  const headers = new Headers(init.headers);
  headers.set('authorization', bcs.authHeaders.authorization);
  lastRequest = { method: init.method ?? 'GET', url: String(input), headers: init.headers, body: init.body };
  return fetch(input, { ...init, headers });
}

async function describeResponse(res) {
  if (!res) return '(no response)';
  const headers = [...res.headers].map(([k, v]) => `  ${k}: ${v}`).join('\n');
  let body = '(body already read by the audit)';
  if (!res.bodyUsed) body = (await res.text()).slice(0, 1000);
  return `HTTP ${res.status}\n${headers}\n\n${body}`;
}

function describeRequest(req) {
  if (!req) return '(none)';
  const body = typeof req.body === 'string' ? req.body.slice(0, 500) : req.body ? '(non-string body)' : '';
  return `${req.method} ${req.url}\n  headers: ${JSON.stringify(req.headers ?? {})}\n  body: ${body}`;
}

const audits = serverAudits({ url: () => bcs.queryUrl, fetchFn: recordingFetch });

test('graphql-http offers the expected number of audits', () => {
  assert.equal(audits.length, EXPECTED_AUDITS, 'graphql-http changed; update EXPECTED_AUDITS deliberately');
});

for (const audit of audits) {
  test(`${audit.id} ${audit.name}`, async (t) => {
    lastRequest = undefined;
    const result = await audit.fn();
    if (result.status === 'ok') return;
    const msg =
      `audit ${result.id} is "${result.status}" (${audit.name.split(' ')[0]}): ${result.reason}\n` +
      `request: ${describeRequest(lastRequest)}\n` +
      `response: ${await describeResponse(result.response)}`;
    t.diagnostic(msg);
    assert.fail(msg);
  });
}
