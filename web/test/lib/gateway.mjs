// An in-process @apollo/gateway that composes subgraphs by introspecting their
// `_service { sdl }` (IntrospectAndCompose). Queries go straight to the
// gateway's executor: the test is about composition and query planning across
// subgraphs, not about the gateway's own HTTP layer.
import { createHash } from 'node:crypto';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { getOperationAST, parse, validate } from 'graphql';

/**
 * subgraphs: [{ name, url, headers? }]; headers are sent on every subgraph
 * request (BCS needs its Bearer token). Rejects with composition errors if any.
 */
export async function startGateway(subgraphs) {
  const headersFor = new Map(subgraphs.map((s) => [s.url, s.headers ?? {}]));
  const buildService = ({ url }) => new RemoteGraphQLDataSource({
    url,
    willSendRequest({ request }) {
      for (const [k, v] of Object.entries(headersFor.get(url) ?? {})) request.http.headers.set(k, v);
    },
  });
  const logs = [];
  const record = (level) => (...args) => logs.push(`${level}: ${args.join(' ')}`);
  const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  let supergraphSdl = '';
  const gateway = new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs: subgraphs.map(({ name, url }) => ({ name, url })), logger }), buildService, logger });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => { supergraphSdl = coreSupergraphSdl; });
  const { schema, executor } = await gateway.load();

  async function execute(query, variables = {}) {
    const document = parse(query);
    const errors = validate(schema, document);
    if (errors.length > 0) return { errors };
    const operation = getOperationAST(document);
    // The fields of GatewayGraphQLRequestContext the executor reads.
    const result = await executor({
      request: { query, variables },
      document,
      source: query,
      operation,
      operationName: operation?.name?.value ?? null,
      queryHash: createHash('sha256').update(query).digest('hex'),
      schema,
      schemaHash: '',
      context: {},
      logger,
      metrics: {},
    });
    // The gateway builds null-prototype objects; plain JSON compares cleanly.
    return JSON.parse(JSON.stringify(result));
  }

  return { schema, execute, logs, supergraphSdl: () => supergraphSdl, stop: () => gateway.stop() };
}
