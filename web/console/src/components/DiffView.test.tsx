import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { DiffView, parseDryRun } from './DiffView';

// What applyManifest(dryRun: true) keeps on its operation: the orchestrator's
// ApplyResult marshalled with Go's field names.
const result = {
  DryRun: true,
  Objects: [
    { Ref: { APIVersion: 'apps/v1', Kind: 'Deployment', Namespace: 'default', Name: 'web' }, Action: 'configured',
      Changes: [{ Path: 'spec.replicas', Old: '2', New: '3' }, { Path: 'spec.template.spec.containers[0].image', Old: '"nginx:1.26"', New: '"nginx:1.27"' }, { Path: 'metadata.labels["tier"]', Old: '', New: '"web"' }] },
    { Ref: { APIVersion: 'v1', Kind: 'Service', Namespace: 'default', Name: 'web' }, Action: 'created', Changes: null },
  ],
};

afterEach(cleanup);

describe('DiffView', () => {
  it('parses the dry-run result of every object', () => {
    const { objects, conflicts } = parseDryRun(result);
    expect(conflicts).toEqual([]);
    expect(objects.map((o) => `${o.action} ${o.kind} ${o.namespace}/${o.name} ${o.changes.length}`)).toEqual([
      'configured Deployment default/web 3', 'created Service default/web 0',
    ]);
  });

  it('shows each changed field with its value now and after the apply', () => {
    render(<DiffView result={result} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['spec.replicas', '2', '3'],
      ['spec.template.spec.containers[0].image', '"nginx:1.26"', '"nginx:1.27"'],
      ['metadata.labels["tier"]', 'absent', '"web"'],
    ]);
    expect(screen.getByText(/New object: created as written/)).toBeTruthy();
  });

  it('lists conflicts with their owners', () => {
    render(<DiffView result={{ conflicts: [{ object: 'Deployment default/web', field: '.spec.replicas', manager: 'kubectl' }] }} />);
    expect(screen.getByRole('alert').textContent).toContain('owned by kubectl');
  });

  it('says when the dry run reported nothing', () => {
    render(<DiffView result={null} />);
    expect(screen.getByText(/no objects/)).toBeTruthy();
  });
});
