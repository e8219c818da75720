// A stand-in CMDB subgraph for the federation test (test only). It extends
// BCS's Project entity by its key with two fields derived from the id, so the
// test can tell which subgraph answered each field.
import http from 'node:http';
import { once } from 'node:events';
import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createHandler } from 'graphql-http/lib/use/http';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Project @key(fields: "id") {
    id: ID!
    cmdbOwner: String
    budget: Int
  }

  type Query {
    "Projects the CMDB knows by id: lets the gateway fetch BCS fields via BCS's _entities."
    cmdbProjects(ids: [ID!]!): [Project!]!
  }
`);

/** The owner the CMDB reports for a project id. */
export const ownerFor = (id) => `owner-of-${id}`;

/** A stable budget per id (a small hash), so assertions can recompute it. */
export function budgetFor(id) {
  let h = 0;
  for (const c of String(id)) h = (h * 31 + c.charCodeAt(0)) % 100000;
  return 1000 + h;
}

/**
 * Serves the subgraph on a free loopback port. `representations` collects the
 * ids the gateway asked for through _entities.
 */
export async function startCmdbSubgraph() {
  const representations = [];
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: {
      Query: {
        cmdbProjects: (_, { ids }) => ids.map((id) => ({ id, cmdbOwner: ownerFor(id), budget: budgetFor(id) })),
      },
      Project: {
        __resolveReference(ref) {
          representations.push(ref.id);
          return { id: ref.id, cmdbOwner: ownerFor(ref.id), budget: budgetFor(ref.id) };
        },
      },
    },
  });
  const server = http.createServer(createHandler({ schema }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/graphql`,
    representations,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
