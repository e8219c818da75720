// Apollo Federation v2: BCS as a subgraph, composed with a small CMDB subgraph
// (lib/cmdb-subgraph.mjs) by @apollo/gateway, and queries that cross both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCmdbSubgraph, ownerFor, budgetFor } from './lib/cmdb-subgraph.mjs';
import { startGateway } from './lib/gateway.mjs';
import { gql, useBcs } from './lib/server.mjs';

const bcs = useBcs();

const show = (v) => JSON.stringify(v, null, 2);

/** Returns data, failing with the whole response when there are errors. */
function dataOf(res, what) {
  assert.ok(!res.errors?.length && res.data, `${what} failed:\n${show(res)}`);
  return res.data;
}

test('BCS serves its federation SDL with Project @key(fields: "id")', async () => {
  const sdl = dataOf(await gql(bcs.queryUrl, '{ _service { sdl } }'), '_service')._service.sdl;
  assert.match(sdl, /@link\(\s*url:\s*"https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/, `no Federation v2 @link in:\n${sdl}`);
  assert.match(sdl, /type Project\b[^{]*@key\(fields:\s*"id"/, `no @key(fields: "id") on Project in:\n${sdl}`);
});

test('BCS resolves Project representations through _entities', async () => {
  const created = dataOf(
    await gql(bcs.queryUrl, 'mutation { createProject(input: {name: "direct", code: "direct", description: "d"}) { id name } }'),
    'createProject',
  ).createProject;
  const res = await gql(
    bcs.queryUrl,
    'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Project { id name code } } }',
    { r: [{ __typename: 'Project', id: created.id }, { __typename: 'Project', id: created.id }] },
  );
  const entities = dataOf(res, '_entities')._entities;
  assert.deepEqual(entities, [
    { __typename: 'Project', id: created.id, name: 'direct', code: 'direct' },
    { __typename: 'Project', id: created.id, name: 'direct', code: 'direct' },
  ]);
});

describe('through @apollo/gateway with a CMDB subgraph', () => {
  let cmdb;
  let gateway;
  before(async () => {
    cmdb = await startCmdbSubgraph();
    gateway = await startGateway([
      { name: 'bcs', url: bcs.queryUrl, headers: bcs.authHeaders },
      { name: 'cmdb', url: cmdb.url },
    ]);
  });
  after(async () => {
    await gateway?.stop();
    await cmdb?.stop();
  });

  test('the supergraph merges Project from both subgraphs', () => {
    const fields = gateway.schema.getType('Project')?.getFields() ?? {};
    for (const f of ['id', 'name', 'code', 'cmdbOwner', 'budget']) {
      assert.ok(f in fields, `Project.${f} missing from the supergraph:\n${gateway.supergraphSdl()}`);
    }
  });

  test('create through the gateway, then query across BCS and the CMDB', async () => {
    const created = dataOf(
      await gateway.execute('mutation { createProject(input: {name: "demo", code: "demo", description: "d"}) { id name } }'),
      'createProject via gateway',
    ).createProject;
    assert.equal(created.name, 'demo');

    const res = await gateway.execute('{ projects(first: 10) { edges { node { id name code cmdbOwner budget } } } }');
    const nodes = dataOf(res, 'cross-subgraph query').projects.edges.map((e) => e.node);
    const demo = nodes.find((n) => n.id === created.id);
    assert.ok(demo, `created project ${created.id} not listed:\n${show(res)}`);
    assert.deepEqual(demo, {
      id: created.id, name: 'demo', code: 'demo', // from BCS
      cmdbOwner: ownerFor(created.id), budget: budgetFor(created.id), // from the CMDB
    });
    assert.ok(cmdb.representations.includes(created.id), 'the CMDB subgraph was never asked for the project');
    for (const n of nodes) assert.equal(n.cmdbOwner, ownerFor(n.id));
  });

  test('a CMDB root field pulls BCS fields through BCS _entities', async () => {
    const ids = dataOf(await gateway.execute('{ projects(first: 10) { edges { node { id name } } } }'), 'projects')
      .projects.edges.map((e) => e.node);
    assert.ok(ids.length >= 2, `need two projects, got ${show(ids)}`);
    const res = await gateway.execute('query ($ids: [ID!]!) { cmdbProjects(ids: $ids) { id name budget } }', {
      ids: ids.map((p) => p.id),
    });
    assert.deepEqual(
      dataOf(res, 'cmdbProjects').cmdbProjects,
      ids.map((p) => ({ id: p.id, name: p.name, budget: budgetFor(p.id) })),
    );
  });
});
