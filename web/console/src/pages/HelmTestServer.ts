// A stand-in for BCS's /query in the Helm pages' component tests: answers
// each operation by name and records what was sent.
import { vi } from 'vitest';

export interface Sent { op: string; variables: Record<string, any> }
export type Answer = (variables: Record<string, any>) => { data?: unknown; errors?: unknown[] };

export function fakeServer(answers: Record<string, Answer>) {
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', async (_url: string, init: { body: string }) => {
    const body = JSON.parse(init.body) as { query: string; variables: Record<string, any> };
    const op = /(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? '';
    sent.push({ op, variables: body.variables ?? {} });
    const answer = answers[op];
    const out = answer ? answer(body.variables ?? {}) : { errors: [{ message: `no answer for ${op}`, extensions: { code: 'INTERNAL' } }] };
    return new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return sent;
}

export const viewerCan = (role: string, allowed: string[]) => ({
  role,
  ...Object.fromEntries(['projectEdit', 'clusterUse', 'namespaceUse'].map((a) => [a, allowed.includes(a)])),
});

export const projectAnswer = (can: Record<string, unknown>): Answer => () => ({
  data: { project: { id: 'prj_1', name: 'p', code: 'p', description: '', archived: false, viewerCan: can, members: { edges: [] }, clusters: { edges: [] } } },
});

export const clustersAnswer: Answer = () => ({
  data: { project: { id: 'prj_1', clusters: { edges: [{ node: { id: 'cls_1', name: 'dev', kind: 'K8S', environment: 'DEV', status: 'READY', statusMessage: '', version: '', endpoint: '', capacity: {}, lastSeenAt: null } }] } } },
});
