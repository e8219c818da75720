// GraphQL over HTTP for queries and mutations; the socket (socket.ts) carries
// subscriptions. Typed documents come from graphql-codegen (src/gql).
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { ApiError, type GraphQLErrorShape } from './errors';
import { csrfToken, expire } from './session';

const printed = new WeakMap<object, string>();
function text(doc: TypedDocumentNode<any, any>): string {
  let s = printed.get(doc);
  if (!s) {
    s = print(doc);
    printed.set(doc, s);
  }
  return s;
}

export async function request<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
  let res: Response;
  try {
    res = await fetch('/query', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify({ query: text(doc), variables }),
    });
  } catch (e) {
    throw new ApiError([{ message: `network error: ${(e as Error).message}`, extensions: { code: 'NETWORK' } }]);
  }
  let body: { data?: R; errors?: GraphQLErrorShape[] } = {};
  try {
    body = await res.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${res.status}`, extensions: { code: res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL', requestId: res.headers.get('x-request-id') ?? undefined } }]);
  }
  if (body.errors?.length) {
    const err = new ApiError(body.errors);
    if (err.code === 'UNAUTHENTICATED') expire();
    throw err;
  }
  if (!res.ok || !body.data) throw new ApiError([{ message: `HTTP ${res.status}` }]);
  return body.data;
}
