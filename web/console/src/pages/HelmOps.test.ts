import { describe, expect, it } from 'vitest';
import { canCompare, diffLines, formKey, installPath, previewOf, releaseInput, releasePath, type InstallForm } from './HelmOps';

const form: InstallForm = { clusterID: 'cls_1', namespace: ' shop ', name: ' web ', chart: ' oci://r/charts/shop ', version: '', values: '' };

describe('releaseInput', () => {
  it('leaves blank version and values out so the server picks its defaults', () => {
    const input = releaseInput(form, true);
    expect(input).toEqual({ clusterID: 'cls_1', namespace: 'shop', name: 'web', chart: 'oci://r/charts/shop', dryRun: true });
    expect('version' in input).toBe(false);
    expect('values' in input).toBe(false);
  });

  it('sends the values text as typed (line numbers in errors must match the editor)', () => {
    const values = '\nreplicaCount: 2\n';
    const input = releaseInput({ ...form, version: ' ^0.2 ', values }, false);
    expect(input.version).toBe('^0.2');
    expect(input.values).toBe(values);
    expect(input.dryRun).toBe(false);
  });
});

describe('formKey', () => {
  it('changes with any field a preview depends on, not with surrounding blanks', () => {
    const k = formKey(form);
    expect(formKey({ ...form, name: 'web' })).toBe(k);
    for (const change of [{ clusterID: 'cls_2' }, { namespace: 'other' }, { chart: 'x/y' }, { version: '1' }, { values: 'a: 1' }]) {
      expect(formKey({ ...form, ...change })).not.toBe(k);
    }
  });
});

describe('previewOf', () => {
  it('reads the objects and the values diff of a dry run', () => {
    const p = previewOf({
      dryRun: true, revision: 2, chartVersion: '0.2.0', valuesDiff: '--- current\n+++ new\n-a: 1\n+a: 2\n',
      objects: { digest: 'x', bytes: 10, objectCount: 101, objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: '', name: 'web' }, 'junk'] },
    });
    expect(p.revision).toBe(2);
    expect(p.chartVersion).toBe('0.2.0');
    expect(p.objects).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: '', name: 'web' }]);
    expect(p.objectCount).toBe(101);
    expect(p.valuesDiff).toContain('+a: 2');
  });

  it('copes with a missing or odd result', () => {
    expect(previewOf(null)).toEqual({ revision: undefined, chartVersion: undefined, objects: [], objectCount: 0, valuesDiff: undefined });
    expect(previewOf({ objects: 'nope', revision: '3' }).revision).toBeUndefined();
  });
});

describe('diffLines', () => {
  it('classifies lines and drops the file headers', () => {
    const lines = diffLines('--- revision 1\n+++ revision 2\n@@ -1,2 +1,2 @@\n image: web\n-replicas: 1\n+replicas: 3\n');
    expect(lines).toEqual([
      { kind: 'hunk', text: '@@ -1,2 +1,2 @@' },
      { kind: 'ctx', text: ' image: web' },
      { kind: 'del', text: '-replicas: 1' },
      { kind: 'add', text: '+replicas: 3' },
    ]);
  });

  it('is empty for identical values, so the page says they are the same', () => {
    expect(diffLines('')).toEqual([]);
    expect(diffLines('\n')).toEqual([]);
  });

  it('reads "---" inside a hunk as a removed line, not as a header', () => {
    expect(diffLines('--- a\n+++ b\n@@ -1 +1 @@\n--- x\n+++ y\n')).toEqual([
      { kind: 'hunk', text: '@@ -1 +1 @@' },
      { kind: 'del', text: '--- x' },
      { kind: 'add', text: '+++ y' },
    ]);
  });
});

describe('canCompare', () => {
  it('needs two different kept revisions', () => {
    expect(canCompare([1, 2, 3], 1, 3)).toBe(true);
    expect(canCompare([1, 2, 3], 2, 2)).toBe(false);
    expect(canCompare([2, 3], 1, 3)).toBe(false);
    expect(canCompare([1], 1, undefined)).toBe(false);
  });
});

describe('paths', () => {
  it('escapes names into a deep link the router decodes', () => {
    expect(releasePath('prj_1', 'cls_1', 'shop', 'a b')).toBe('/projects/prj_1/releases/cls_1/shop/a%20b');
    expect(installPath('prj_1', 'oci://r/charts/shop', '0.1.0')).toBe('/projects/prj_1/charts/install?chart=oci%3A%2F%2Fr%2Fcharts%2Fshop&version=0.1.0');
  });
});
