// The Helm pages' GraphQL operations and the logic they share (kept out of
// the components so vitest checks it without a browser).
import { graphql } from '../gql';
import type { HelmReleaseInput } from '../gql/graphql';

export const ChartRepositoriesQuery = graphql(`
  query ChartRepositories($projectID: ID!) {
    chartRepositories(projectID: $projectID) { id name url kind username plainHTTP hasPassword createdBy createdAt }
  }
`);
export const AddChartRepositoryMutation = graphql(`
  mutation AddChartRepository($input: AddChartRepositoryInput!) { addChartRepository(input: $input) { id name kind hasPassword } }
`);
export const RemoveChartRepositoryMutation = graphql(`
  mutation RemoveChartRepository($id: ID!) { removeChartRepository(id: $id) { deletedID } }
`);
export const ChartsQuery = graphql(`
  query Charts($repositoryID: ID!, $search: String) {
    charts(repositoryID: $repositoryID, search: $search) { name reference description versions { version appVersion description } }
  }
`);
export const ChartValuesQuery = graphql(`
  query ChartValues($repositoryID: ID!, $search: String, $version: String) {
    charts(repositoryID: $repositoryID, search: $search) { name reference versions(version: $version) { version defaultValues } }
  }
`);
export const ReleasesQuery = graphql(`
  query Releases($clusterID: ID!, $namespace: String) {
    releases(clusterID: $clusterID, namespace: $namespace) { name namespace revision status chart chartVersion appVersion updated description }
  }
`);
export const ReleaseQuery = graphql(`
  query Release($clusterID: ID!, $namespace: String!, $name: String!) {
    release(clusterID: $clusterID, namespace: $namespace, name: $name) {
      clusterID name namespace revision status chart chartVersion appVersion updated description
      history { revision status chart chartVersion appVersion updated description }
    }
  }
`);
export const ReleaseRevisionQuery = graphql(`
  query ReleaseRevision($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int) {
    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name values(revision: $revision) manifest(revision: $revision) }
  }
`);
export const ReleaseValuesDiffQuery = graphql(`
  query ReleaseValuesDiff($clusterID: ID!, $namespace: String!, $name: String!, $from: Int!, $to: Int!) {
    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name valuesDiff(from: $from, to: $to) }
  }
`);
export const InstallReleaseMutation = graphql(`
  mutation InstallRelease($input: HelmReleaseInput!) { installRelease(input: $input) { id status reason message result } }
`);
export const UpgradeReleaseMutation = graphql(`
  mutation UpgradeRelease($input: HelmReleaseInput!) { upgradeRelease(input: $input) { id status reason message result } }
`);
export const RollbackReleaseMutation = graphql(`
  mutation RollbackRelease($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int!) {
    rollbackRelease(clusterID: $clusterID, namespace: $namespace, name: $name, revision: $revision) { id status reason message result }
  }
`);
export const UninstallReleaseMutation = graphql(`
  mutation UninstallRelease($clusterID: ID!, $namespace: String!, $name: String!) {
    uninstallRelease(clusterID: $clusterID, namespace: $namespace, name: $name) { id status reason message result }
  }
`);

export interface InstallForm {
  clusterID: string;
  namespace: string;
  name: string;
  chart: string;
  version: string;
  values: string;
}

/**
 * The input installRelease and upgradeRelease take. Blank optional fields
 * are left out so the server picks its defaults (the newest stable version,
 * no values) instead of being handed an empty string to reject.
 */
export function releaseInput(f: InstallForm, dryRun: boolean): HelmReleaseInput {
  const input: HelmReleaseInput = {
    clusterID: f.clusterID,
    namespace: f.namespace.trim(),
    name: f.name.trim(),
    chart: f.chart.trim(),
    dryRun,
  };
  if (f.version.trim()) input.version = f.version.trim();
  if (f.values.trim()) input.values = f.values;
  return input;
}

/** The fields a preview was made of: Install is enabled only for exactly these. */
export function formKey(f: InstallForm): string {
  return JSON.stringify([f.clusterID, f.namespace.trim(), f.name.trim(), f.chart.trim(), f.version.trim(), f.values]);
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Preview {
  revision?: number;
  chartVersion?: string;
  objects: ObjectRef[];
  objectCount: number;
  valuesDiff?: string;
}

/** Reads a Helm Operation's result (a dry run's or a finished one's). */
export function previewOf(result: Record<string, unknown> | null | undefined): Preview {
  const r = result ?? {};
  const summary = (r.objects ?? {}) as { objects?: unknown; objectCount?: unknown };
  const objects = Array.isArray(summary.objects)
    ? summary.objects.filter((o): o is ObjectRef => !!o && typeof o === 'object' && typeof (o as ObjectRef).kind === 'string')
    : [];
  return {
    revision: typeof r.revision === 'number' ? r.revision : undefined,
    chartVersion: typeof r.chartVersion === 'string' ? r.chartVersion : undefined,
    objects,
    objectCount: typeof summary.objectCount === 'number' ? summary.objectCount : objects.length,
    valuesDiff: typeof r.valuesDiff === 'string' ? r.valuesDiff : undefined,
  };
}

export type DiffLine = { kind: 'add' | 'del' | 'hunk' | 'ctx'; text: string };

/**
 * Classifies a unified diff's lines for display. The file headers before
 * the first hunk are dropped; inside a hunk "--- x" is a removed "-- x".
 */
export function diffLines(diff: string): DiffLine[] {
  const out: DiffLine[] = [];
  let inHunk = false;
  for (const text of diff.split('\n')) {
    if (!inHunk && (text.startsWith('+++') || text.startsWith('---'))) continue;
    if (text.startsWith('@@')) {
      inHunk = true;
      out.push({ kind: 'hunk', text });
    } else if (text.startsWith('+')) out.push({ kind: 'add', text });
    else if (text.startsWith('-')) out.push({ kind: 'del', text });
    else if (text !== '' || out.length) out.push({ kind: 'ctx', text });
  }
  while (out.length && out[out.length - 1].kind === 'ctx' && out[out.length - 1].text === '') out.pop();
  return out;
}

/** Whether two revisions can be compared: both kept, and different. */
export function canCompare(revisions: number[], from: number | undefined, to: number | undefined): boolean {
  return from !== undefined && to !== undefined && from !== to && revisions.includes(from) && revisions.includes(to);
}

/** The path of a release's page. */
export function releasePath(pid: string, clusterID: string, namespace: string, name: string): string {
  return `/projects/${pid}/releases/${encodeURIComponent(clusterID)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** The install page, prefilled with a chart reference and version. */
export function installPath(pid: string, chart: string, version?: string): string {
  const q = new URLSearchParams({ chart });
  if (version) q.set('version', version);
  return `/projects/${pid}/charts/install?${q}`;
}
