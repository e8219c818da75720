/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me { me { id name displayName admin } }\n": typeof types.MeDocument,
    "\n  query Projects { projects(first: 200, orderBy: [{ field: NAME, direction: ASC }]) { edges { node { id name code description archived } } } }\n": typeof types.ProjectsDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id name code } }\n": typeof types.CreateProjectDocument,
    "\n  fragment Perms on ProjectPermissions {\n    role projectEdit projectDelete memberManage auditView clusterCreate clusterManage clusterDelete clusterUse\n    namespaceCreate namespaceUpdate namespaceDelete namespaceUse templateCreate templateUpdate templateDelete templateInstantiate\n  }\n": typeof types.PermsFragmentDoc,
    "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id name code description archived\n      viewerCan { ...Perms }\n      members(first: 200) { edges { node { id role user { id name displayName } } } }\n      clusters(first: 200) { edges { node { id name kind status } } }\n    }\n  }\n": typeof types.ProjectDocument,
    "\n  mutation AddMember($projectID: ID!, $userName: String!, $role: MemberRole!) { addMember(projectID: $projectID, userName: $userName, role: $role) { id } }\n": typeof types.AddMemberDocument,
    "\n  mutation UpdateMember($id: ID!, $role: MemberRole!) { updateMemberRole(id: $id, role: $role) { id role } }\n": typeof types.UpdateMemberDocument,
    "\n  mutation RemoveMember($id: ID!) { removeMember(id: $id) { deletedID } }\n": typeof types.RemoveMemberDocument,
    "\n  query Clusters($id: ID!) {\n    project(id: $id) {\n      id\n      clusters(first: 200) { edges { node { id name kind environment status statusMessage version endpoint capacity lastSeenAt } } }\n    }\n  }\n": typeof types.ClustersDocument,
    "\n  subscription ClusterStatus($projectID: ID!) { clusterStatus(projectID: $projectID) { id name kind environment status statusMessage version endpoint capacity lastSeenAt } }\n": typeof types.ClusterStatusDocument,
    "\n  mutation RegisterCluster($input: RegisterClusterInput!) { registerCluster(input: $input) { id name status } }\n": typeof types.RegisterClusterDocument,
    "\n  mutation RegisterToken($projectID: ID!, $clusterName: String!, $environment: ClusterEnvironment) {\n    createRegisterToken(projectID: $projectID, clusterName: $clusterName, environment: $environment) { token cluster { id name status } }\n  }\n": typeof types.RegisterTokenDocument,
    "\n  query WorkloadsPage($projectID: ID!, $after: Cursor) {\n    workloads(first: 1000, after: $after, where: { projectID: $projectID }) {\n      edges { node { id clusterID kind namespace name desired ready updated available images } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.WorkloadsPageDocument,
    "\n  query Head($projectID: ID!) { changesHead(projectID: $projectID) }\n": typeof types.HeadDocument,
    "\n  subscription Changes($filter: ChangesFilter, $since: Int) {\n    changes(filter: $filter, since: $since) { revision type clusterID kind namespace name objectID object }\n  }\n": typeof types.ChangesDocument,
    "\n  query Workload($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Workload {\n        id clusterID projectID kind namespace name desired ready updated available images labels spec status observedAt\n        cluster { id name }\n        pods(first: 500) { edges { node { id name phase nodeName podIP restarts startedAt } } }\n        events(first: 50) { revision type kind name object createdAt }\n        revisions { revision type kind name object createdAt }\n      }\n    }\n  }\n": typeof types.WorkloadDocument,
    "\n  mutation Scale($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) { id status action } }\n": typeof types.ScaleDocument,
    "\n  mutation Restart($input: WorkloadRefInput!) { restartWorkload(input: $input) { id status action } }\n": typeof types.RestartDocument,
    "\n  mutation Rollback($input: RollbackWorkloadInput!) { rollbackWorkload(input: $input) { id status action } }\n": typeof types.RollbackDocument,
    "\n  mutation Apply($input: ApplyManifestInput!) { applyManifest(input: $input) { id status reason message result } }\n": typeof types.ApplyDocument,
    "\n  subscription OperationLive($id: ID!) { operation(id: $id) { id status reason message result finishedAt } }\n": typeof types.OperationLiveDocument,
    "\n  query Operations($projectID: ID!) {\n    operations(first: 100, where: { projectID: $projectID }, orderBy: [{ field: CREATED_AT, direction: DESC }]) {\n      edges { node { id createdAt action status targetKind targetNamespace targetName reason message createdBy clusterID } }\n    }\n  }\n": typeof types.OperationsDocument,
    "\n  query Tokens { tokens { id name createdAt expiresAt lastUsedAt revokedAt } }\n": typeof types.TokensDocument,
    "\n  mutation CreateToken($input: CreateTokenInput!) { createToken(input: $input) { secret token { id name } } }\n": typeof types.CreateTokenDocument,
    "\n  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { id revokedAt } }\n": typeof types.RevokeTokenDocument,
    "\n  query Audit($projectID: String!) {\n    auditLog(first: 100, where: { projectID: $projectID }) {\n      edges { node { id createdAt actor action targetType targetID result error requestID } }\n    }\n  }\n": typeof types.AuditDocument,
    "\n  query Search {\n    projects(first: 100) { edges { node { id name code clusters(first: 20) { edges { node { id name } } } } } }\n  }\n": typeof types.SearchDocument,
    "\n  query Templates($id: ID!) {\n    project(id: $id) { id templates(first: 200) { edges { node { id name kind description updatedAt } } } }\n  }\n": typeof types.TemplatesDocument,
    "\n  mutation CreateTemplate($input: CreateTemplateSetInput!) { createTemplate(input: $input) { id } }\n": typeof types.CreateTemplateDocument,
    "\n  query Template($id: ID!) {\n    template(id: $id) {\n      id name kind description draft locked projectID\n      versions(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges { node { id label note digest content createdAt createdBy\n          instances(first: 50) { edges { node { id namespace clusterID status versionID updatedAt } } } } }\n      }\n    }\n  }\n": typeof types.TemplateDocument,
    "\n  mutation UpdateDraft($id: ID!, $draft: String) { updateTemplateDraft(id: $id, draft: $draft) { id draft } }\n": typeof types.UpdateDraftDocument,
    "\n  mutation CreateVersion($templateID: ID!, $label: String!, $note: String) { createTemplateVersion(templateID: $templateID, label: $label, note: $note) { id label } }\n": typeof types.CreateVersionDocument,
    "\n  query Variables($projectID: ID!) { variables(projectID: $projectID) { id key value scope clusterID namespace secret } }\n": typeof types.VariablesDocument,
    "\n  mutation SetVariable($input: SetVariableInput!) { setVariable(input: $input) { id } }\n": typeof types.SetVariableDocument,
    "\n  query Preview($templateID: ID!, $versionID: ID, $clusterID: ID!, $namespace: String!, $dryRun: Boolean) {\n    previewTemplate(templateID: $templateID, versionID: $versionID, clusterID: $clusterID, namespace: $namespace, dryRun: $dryRun) {\n      content variables objects { kind namespace name line }\n      diff { kind namespace name action changes { path old new } }\n    }\n  }\n": typeof types.PreviewDocument,
    "\n  mutation Instantiate($input: InstantiateTemplateInput!) { instantiateTemplate(input: $input) { id namespace clusterID status } }\n": typeof types.InstantiateDocument,
    "\n  subscription InstanceLive($id: ID!) { instance(id: $id) { id namespace clusterID status versionID updatedAt } }\n": typeof types.InstanceLiveDocument,
    "\n  mutation UpgradeInstance($id: ID!, $versionID: ID!) { upgradeInstance(id: $id, versionID: $versionID) { id status } }\n": typeof types.UpgradeInstanceDocument,
    "\n  mutation RollbackInstance($id: ID!) { rollbackInstance(id: $id) { id status } }\n": typeof types.RollbackInstanceDocument,
    "\n  mutation RetryInstance($id: ID!, $force: Boolean) { retryInstance(id: $id, force: $force) { id status } }\n": typeof types.RetryInstanceDocument,
    "\n  query Cluster($id: ID!) {\n    cluster(id: $id) {\n      id name kind status version capacity\n      nodes(first: 500) { edges { node { id name status unschedulable internalIP version roles taints labels capacity allocatable } } }\n      namespaces(first: 500) { edges { node { id name status quota labels } } }\n    }\n  }\n": typeof types.ClusterDocument,
    "\n  mutation Cordon($clusterID: ID!, $name: String!) { cordonNode(clusterID: $clusterID, name: $name) { id status } }\n": typeof types.CordonDocument,
    "\n  mutation Uncordon($clusterID: ID!, $name: String!) { uncordonNode(clusterID: $clusterID, name: $name) { id status } }\n": typeof types.UncordonDocument,
    "\n  mutation Drain($clusterID: ID!, $name: String!) { drainNode(clusterID: $clusterID, name: $name) { id status } }\n": typeof types.DrainDocument,
    "\n  mutation SetNodeLabels($clusterID: ID!, $name: String!, $labels: StringMap!, $remove: [String!]) {\n    setNodeLabels(clusterID: $clusterID, name: $name, labels: $labels, remove: $remove) { id status }\n  }\n": typeof types.SetNodeLabelsDocument,
    "\n  mutation SetNodeTaints($clusterID: ID!, $name: String!, $taints: [TaintInput!]!) {\n    setNodeTaints(clusterID: $clusterID, name: $name, taints: $taints) { id status }\n  }\n": typeof types.SetNodeTaintsDocument,
    "\n  mutation ApplyNamespace($input: ApplyNamespaceInput!) { applyNamespace(input: $input) { id status } }\n": typeof types.ApplyNamespaceDocument,
    "\n  mutation RegisterMesos($input: RegisterMesosClusterInput!) { registerMesosCluster(input: $input) { id name status } }\n": typeof types.RegisterMesosDocument,
    "\n  query ChartRepositories($projectID: ID!) {\n    chartRepositories(projectID: $projectID) { id name url kind username plainHTTP hasPassword createdBy createdAt }\n  }\n": typeof types.ChartRepositoriesDocument,
    "\n  mutation AddChartRepository($input: AddChartRepositoryInput!) { addChartRepository(input: $input) { id name kind hasPassword } }\n": typeof types.AddChartRepositoryDocument,
    "\n  mutation RemoveChartRepository($id: ID!) { removeChartRepository(id: $id) { deletedID } }\n": typeof types.RemoveChartRepositoryDocument,
    "\n  query Charts($repositoryID: ID!, $search: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference description versions { version appVersion description } }\n  }\n": typeof types.ChartsDocument,
    "\n  query ChartValues($repositoryID: ID!, $search: String, $version: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference versions(version: $version) { version defaultValues } }\n  }\n": typeof types.ChartValuesDocument,
    "\n  query Releases($clusterID: ID!, $namespace: String) {\n    releases(clusterID: $clusterID, namespace: $namespace) { name namespace revision status chart chartVersion appVersion updated description }\n  }\n": typeof types.ReleasesDocument,
    "\n  query Release($clusterID: ID!, $namespace: String!, $name: String!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) {\n      clusterID name namespace revision status chart chartVersion appVersion updated description\n      history { revision status chart chartVersion appVersion updated description }\n    }\n  }\n": typeof types.ReleaseDocument,
    "\n  query ReleaseRevision($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name values(revision: $revision) manifest(revision: $revision) }\n  }\n": typeof types.ReleaseRevisionDocument,
    "\n  query ReleaseValuesDiff($clusterID: ID!, $namespace: String!, $name: String!, $from: Int!, $to: Int!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name valuesDiff(from: $from, to: $to) }\n  }\n": typeof types.ReleaseValuesDiffDocument,
    "\n  mutation InstallRelease($input: HelmReleaseInput!) { installRelease(input: $input) { id status reason message result } }\n": typeof types.InstallReleaseDocument,
    "\n  mutation UpgradeRelease($input: HelmReleaseInput!) { upgradeRelease(input: $input) { id status reason message result } }\n": typeof types.UpgradeReleaseDocument,
    "\n  mutation RollbackRelease($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int!) {\n    rollbackRelease(clusterID: $clusterID, namespace: $namespace, name: $name, revision: $revision) { id status reason message result }\n  }\n": typeof types.RollbackReleaseDocument,
    "\n  mutation UninstallRelease($clusterID: ID!, $namespace: String!, $name: String!) {\n    uninstallRelease(clusterID: $clusterID, namespace: $namespace, name: $name) { id status reason message result }\n  }\n": typeof types.UninstallReleaseDocument,
    "\n  query KubectlSettings($id: ID!) {\n    project(id: $id) { id viewerCan { role } kubectlSettings { execMinRole kubeconfigMinRole } }\n    me { id admin }\n  }\n": typeof types.KubectlSettingsDocument,
    "\n  mutation CreateKubeconfig($clusterID: ID!, $expiresIn: String) { createKubeconfig(clusterID: $clusterID, expiresIn: $expiresIn) }\n": typeof types.CreateKubeconfigDocument,
};
const documents: Documents = {
    "\n  query Me { me { id name displayName admin } }\n": types.MeDocument,
    "\n  query Projects { projects(first: 200, orderBy: [{ field: NAME, direction: ASC }]) { edges { node { id name code description archived } } } }\n": types.ProjectsDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id name code } }\n": types.CreateProjectDocument,
    "\n  fragment Perms on ProjectPermissions {\n    role projectEdit projectDelete memberManage auditView clusterCreate clusterManage clusterDelete clusterUse\n    namespaceCreate namespaceUpdate namespaceDelete namespaceUse templateCreate templateUpdate templateDelete templateInstantiate\n  }\n": types.PermsFragmentDoc,
    "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id name code description archived\n      viewerCan { ...Perms }\n      members(first: 200) { edges { node { id role user { id name displayName } } } }\n      clusters(first: 200) { edges { node { id name kind status } } }\n    }\n  }\n": types.ProjectDocument,
    "\n  mutation AddMember($projectID: ID!, $userName: String!, $role: MemberRole!) { addMember(projectID: $projectID, userName: $userName, role: $role) { id } }\n": types.AddMemberDocument,
    "\n  mutation UpdateMember($id: ID!, $role: MemberRole!) { updateMemberRole(id: $id, role: $role) { id role } }\n": types.UpdateMemberDocument,
    "\n  mutation RemoveMember($id: ID!) { removeMember(id: $id) { deletedID } }\n": types.RemoveMemberDocument,
    "\n  query Clusters($id: ID!) {\n    project(id: $id) {\n      id\n      clusters(first: 200) { edges { node { id name kind environment status statusMessage version endpoint capacity lastSeenAt } } }\n    }\n  }\n": types.ClustersDocument,
    "\n  subscription ClusterStatus($projectID: ID!) { clusterStatus(projectID: $projectID) { id name kind environment status statusMessage version endpoint capacity lastSeenAt } }\n": types.ClusterStatusDocument,
    "\n  mutation RegisterCluster($input: RegisterClusterInput!) { registerCluster(input: $input) { id name status } }\n": types.RegisterClusterDocument,
    "\n  mutation RegisterToken($projectID: ID!, $clusterName: String!, $environment: ClusterEnvironment) {\n    createRegisterToken(projectID: $projectID, clusterName: $clusterName, environment: $environment) { token cluster { id name status } }\n  }\n": types.RegisterTokenDocument,
    "\n  query WorkloadsPage($projectID: ID!, $after: Cursor) {\n    workloads(first: 1000, after: $after, where: { projectID: $projectID }) {\n      edges { node { id clusterID kind namespace name desired ready updated available images } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.WorkloadsPageDocument,
    "\n  query Head($projectID: ID!) { changesHead(projectID: $projectID) }\n": types.HeadDocument,
    "\n  subscription Changes($filter: ChangesFilter, $since: Int) {\n    changes(filter: $filter, since: $since) { revision type clusterID kind namespace name objectID object }\n  }\n": types.ChangesDocument,
    "\n  query Workload($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Workload {\n        id clusterID projectID kind namespace name desired ready updated available images labels spec status observedAt\n        cluster { id name }\n        pods(first: 500) { edges { node { id name phase nodeName podIP restarts startedAt } } }\n        events(first: 50) { revision type kind name object createdAt }\n        revisions { revision type kind name object createdAt }\n      }\n    }\n  }\n": types.WorkloadDocument,
    "\n  mutation Scale($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) { id status action } }\n": types.ScaleDocument,
    "\n  mutation Restart($input: WorkloadRefInput!) { restartWorkload(input: $input) { id status action } }\n": types.RestartDocument,
    "\n  mutation Rollback($input: RollbackWorkloadInput!) { rollbackWorkload(input: $input) { id status action } }\n": types.RollbackDocument,
    "\n  mutation Apply($input: ApplyManifestInput!) { applyManifest(input: $input) { id status reason message result } }\n": types.ApplyDocument,
    "\n  subscription OperationLive($id: ID!) { operation(id: $id) { id status reason message result finishedAt } }\n": types.OperationLiveDocument,
    "\n  query Operations($projectID: ID!) {\n    operations(first: 100, where: { projectID: $projectID }, orderBy: [{ field: CREATED_AT, direction: DESC }]) {\n      edges { node { id createdAt action status targetKind targetNamespace targetName reason message createdBy clusterID } }\n    }\n  }\n": types.OperationsDocument,
    "\n  query Tokens { tokens { id name createdAt expiresAt lastUsedAt revokedAt } }\n": types.TokensDocument,
    "\n  mutation CreateToken($input: CreateTokenInput!) { createToken(input: $input) { secret token { id name } } }\n": types.CreateTokenDocument,
    "\n  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { id revokedAt } }\n": types.RevokeTokenDocument,
    "\n  query Audit($projectID: String!) {\n    auditLog(first: 100, where: { projectID: $projectID }) {\n      edges { node { id createdAt actor action targetType targetID result error requestID } }\n    }\n  }\n": types.AuditDocument,
    "\n  query Search {\n    projects(first: 100) { edges { node { id name code clusters(first: 20) { edges { node { id name } } } } } }\n  }\n": types.SearchDocument,
    "\n  query Templates($id: ID!) {\n    project(id: $id) { id templates(first: 200) { edges { node { id name kind description updatedAt } } } }\n  }\n": types.TemplatesDocument,
    "\n  mutation CreateTemplate($input: CreateTemplateSetInput!) { createTemplate(input: $input) { id } }\n": types.CreateTemplateDocument,
    "\n  query Template($id: ID!) {\n    template(id: $id) {\n      id name kind description draft locked projectID\n      versions(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges { node { id label note digest content createdAt createdBy\n          instances(first: 50) { edges { node { id namespace clusterID status versionID updatedAt } } } } }\n      }\n    }\n  }\n": types.TemplateDocument,
    "\n  mutation UpdateDraft($id: ID!, $draft: String) { updateTemplateDraft(id: $id, draft: $draft) { id draft } }\n": types.UpdateDraftDocument,
    "\n  mutation CreateVersion($templateID: ID!, $label: String!, $note: String) { createTemplateVersion(templateID: $templateID, label: $label, note: $note) { id label } }\n": types.CreateVersionDocument,
    "\n  query Variables($projectID: ID!) { variables(projectID: $projectID) { id key value scope clusterID namespace secret } }\n": types.VariablesDocument,
    "\n  mutation SetVariable($input: SetVariableInput!) { setVariable(input: $input) { id } }\n": types.SetVariableDocument,
    "\n  query Preview($templateID: ID!, $versionID: ID, $clusterID: ID!, $namespace: String!, $dryRun: Boolean) {\n    previewTemplate(templateID: $templateID, versionID: $versionID, clusterID: $clusterID, namespace: $namespace, dryRun: $dryRun) {\n      content variables objects { kind namespace name line }\n      diff { kind namespace name action changes { path old new } }\n    }\n  }\n": types.PreviewDocument,
    "\n  mutation Instantiate($input: InstantiateTemplateInput!) { instantiateTemplate(input: $input) { id namespace clusterID status } }\n": types.InstantiateDocument,
    "\n  subscription InstanceLive($id: ID!) { instance(id: $id) { id namespace clusterID status versionID updatedAt } }\n": types.InstanceLiveDocument,
    "\n  mutation UpgradeInstance($id: ID!, $versionID: ID!) { upgradeInstance(id: $id, versionID: $versionID) { id status } }\n": types.UpgradeInstanceDocument,
    "\n  mutation RollbackInstance($id: ID!) { rollbackInstance(id: $id) { id status } }\n": types.RollbackInstanceDocument,
    "\n  mutation RetryInstance($id: ID!, $force: Boolean) { retryInstance(id: $id, force: $force) { id status } }\n": types.RetryInstanceDocument,
    "\n  query Cluster($id: ID!) {\n    cluster(id: $id) {\n      id name kind status version capacity\n      nodes(first: 500) { edges { node { id name status unschedulable internalIP version roles taints labels capacity allocatable } } }\n      namespaces(first: 500) { edges { node { id name status quota labels } } }\n    }\n  }\n": types.ClusterDocument,
    "\n  mutation Cordon($clusterID: ID!, $name: String!) { cordonNode(clusterID: $clusterID, name: $name) { id status } }\n": types.CordonDocument,
    "\n  mutation Uncordon($clusterID: ID!, $name: String!) { uncordonNode(clusterID: $clusterID, name: $name) { id status } }\n": types.UncordonDocument,
    "\n  mutation Drain($clusterID: ID!, $name: String!) { drainNode(clusterID: $clusterID, name: $name) { id status } }\n": types.DrainDocument,
    "\n  mutation SetNodeLabels($clusterID: ID!, $name: String!, $labels: StringMap!, $remove: [String!]) {\n    setNodeLabels(clusterID: $clusterID, name: $name, labels: $labels, remove: $remove) { id status }\n  }\n": types.SetNodeLabelsDocument,
    "\n  mutation SetNodeTaints($clusterID: ID!, $name: String!, $taints: [TaintInput!]!) {\n    setNodeTaints(clusterID: $clusterID, name: $name, taints: $taints) { id status }\n  }\n": types.SetNodeTaintsDocument,
    "\n  mutation ApplyNamespace($input: ApplyNamespaceInput!) { applyNamespace(input: $input) { id status } }\n": types.ApplyNamespaceDocument,
    "\n  mutation RegisterMesos($input: RegisterMesosClusterInput!) { registerMesosCluster(input: $input) { id name status } }\n": types.RegisterMesosDocument,
    "\n  query ChartRepositories($projectID: ID!) {\n    chartRepositories(projectID: $projectID) { id name url kind username plainHTTP hasPassword createdBy createdAt }\n  }\n": types.ChartRepositoriesDocument,
    "\n  mutation AddChartRepository($input: AddChartRepositoryInput!) { addChartRepository(input: $input) { id name kind hasPassword } }\n": types.AddChartRepositoryDocument,
    "\n  mutation RemoveChartRepository($id: ID!) { removeChartRepository(id: $id) { deletedID } }\n": types.RemoveChartRepositoryDocument,
    "\n  query Charts($repositoryID: ID!, $search: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference description versions { version appVersion description } }\n  }\n": types.ChartsDocument,
    "\n  query ChartValues($repositoryID: ID!, $search: String, $version: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference versions(version: $version) { version defaultValues } }\n  }\n": types.ChartValuesDocument,
    "\n  query Releases($clusterID: ID!, $namespace: String) {\n    releases(clusterID: $clusterID, namespace: $namespace) { name namespace revision status chart chartVersion appVersion updated description }\n  }\n": types.ReleasesDocument,
    "\n  query Release($clusterID: ID!, $namespace: String!, $name: String!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) {\n      clusterID name namespace revision status chart chartVersion appVersion updated description\n      history { revision status chart chartVersion appVersion updated description }\n    }\n  }\n": types.ReleaseDocument,
    "\n  query ReleaseRevision($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name values(revision: $revision) manifest(revision: $revision) }\n  }\n": types.ReleaseRevisionDocument,
    "\n  query ReleaseValuesDiff($clusterID: ID!, $namespace: String!, $name: String!, $from: Int!, $to: Int!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name valuesDiff(from: $from, to: $to) }\n  }\n": types.ReleaseValuesDiffDocument,
    "\n  mutation InstallRelease($input: HelmReleaseInput!) { installRelease(input: $input) { id status reason message result } }\n": types.InstallReleaseDocument,
    "\n  mutation UpgradeRelease($input: HelmReleaseInput!) { upgradeRelease(input: $input) { id status reason message result } }\n": types.UpgradeReleaseDocument,
    "\n  mutation RollbackRelease($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int!) {\n    rollbackRelease(clusterID: $clusterID, namespace: $namespace, name: $name, revision: $revision) { id status reason message result }\n  }\n": types.RollbackReleaseDocument,
    "\n  mutation UninstallRelease($clusterID: ID!, $namespace: String!, $name: String!) {\n    uninstallRelease(clusterID: $clusterID, namespace: $namespace, name: $name) { id status reason message result }\n  }\n": types.UninstallReleaseDocument,
    "\n  query KubectlSettings($id: ID!) {\n    project(id: $id) { id viewerCan { role } kubectlSettings { execMinRole kubeconfigMinRole } }\n    me { id admin }\n  }\n": types.KubectlSettingsDocument,
    "\n  mutation CreateKubeconfig($clusterID: ID!, $expiresIn: String) { createKubeconfig(clusterID: $clusterID, expiresIn: $expiresIn) }\n": types.CreateKubeconfigDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me { me { id name displayName admin } }\n"): (typeof documents)["\n  query Me { me { id name displayName admin } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Projects { projects(first: 200, orderBy: [{ field: NAME, direction: ASC }]) { edges { node { id name code description archived } } } }\n"): (typeof documents)["\n  query Projects { projects(first: 200, orderBy: [{ field: NAME, direction: ASC }]) { edges { node { id name code description archived } } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id name code } }\n"): (typeof documents)["\n  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id name code } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Perms on ProjectPermissions {\n    role projectEdit projectDelete memberManage auditView clusterCreate clusterManage clusterDelete clusterUse\n    namespaceCreate namespaceUpdate namespaceDelete namespaceUse templateCreate templateUpdate templateDelete templateInstantiate\n  }\n"): (typeof documents)["\n  fragment Perms on ProjectPermissions {\n    role projectEdit projectDelete memberManage auditView clusterCreate clusterManage clusterDelete clusterUse\n    namespaceCreate namespaceUpdate namespaceDelete namespaceUse templateCreate templateUpdate templateDelete templateInstantiate\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id name code description archived\n      viewerCan { ...Perms }\n      members(first: 200) { edges { node { id role user { id name displayName } } } }\n      clusters(first: 200) { edges { node { id name kind status } } }\n    }\n  }\n"): (typeof documents)["\n  query Project($id: ID!) {\n    project(id: $id) {\n      id name code description archived\n      viewerCan { ...Perms }\n      members(first: 200) { edges { node { id role user { id name displayName } } } }\n      clusters(first: 200) { edges { node { id name kind status } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddMember($projectID: ID!, $userName: String!, $role: MemberRole!) { addMember(projectID: $projectID, userName: $userName, role: $role) { id } }\n"): (typeof documents)["\n  mutation AddMember($projectID: ID!, $userName: String!, $role: MemberRole!) { addMember(projectID: $projectID, userName: $userName, role: $role) { id } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMember($id: ID!, $role: MemberRole!) { updateMemberRole(id: $id, role: $role) { id role } }\n"): (typeof documents)["\n  mutation UpdateMember($id: ID!, $role: MemberRole!) { updateMemberRole(id: $id, role: $role) { id role } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($id: ID!) { removeMember(id: $id) { deletedID } }\n"): (typeof documents)["\n  mutation RemoveMember($id: ID!) { removeMember(id: $id) { deletedID } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Clusters($id: ID!) {\n    project(id: $id) {\n      id\n      clusters(first: 200) { edges { node { id name kind environment status statusMessage version endpoint capacity lastSeenAt } } }\n    }\n  }\n"): (typeof documents)["\n  query Clusters($id: ID!) {\n    project(id: $id) {\n      id\n      clusters(first: 200) { edges { node { id name kind environment status statusMessage version endpoint capacity lastSeenAt } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClusterStatus($projectID: ID!) { clusterStatus(projectID: $projectID) { id name kind environment status statusMessage version endpoint capacity lastSeenAt } }\n"): (typeof documents)["\n  subscription ClusterStatus($projectID: ID!) { clusterStatus(projectID: $projectID) { id name kind environment status statusMessage version endpoint capacity lastSeenAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterCluster($input: RegisterClusterInput!) { registerCluster(input: $input) { id name status } }\n"): (typeof documents)["\n  mutation RegisterCluster($input: RegisterClusterInput!) { registerCluster(input: $input) { id name status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterToken($projectID: ID!, $clusterName: String!, $environment: ClusterEnvironment) {\n    createRegisterToken(projectID: $projectID, clusterName: $clusterName, environment: $environment) { token cluster { id name status } }\n  }\n"): (typeof documents)["\n  mutation RegisterToken($projectID: ID!, $clusterName: String!, $environment: ClusterEnvironment) {\n    createRegisterToken(projectID: $projectID, clusterName: $clusterName, environment: $environment) { token cluster { id name status } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkloadsPage($projectID: ID!, $after: Cursor) {\n    workloads(first: 1000, after: $after, where: { projectID: $projectID }) {\n      edges { node { id clusterID kind namespace name desired ready updated available images } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query WorkloadsPage($projectID: ID!, $after: Cursor) {\n    workloads(first: 1000, after: $after, where: { projectID: $projectID }) {\n      edges { node { id clusterID kind namespace name desired ready updated available images } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Head($projectID: ID!) { changesHead(projectID: $projectID) }\n"): (typeof documents)["\n  query Head($projectID: ID!) { changesHead(projectID: $projectID) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Changes($filter: ChangesFilter, $since: Int) {\n    changes(filter: $filter, since: $since) { revision type clusterID kind namespace name objectID object }\n  }\n"): (typeof documents)["\n  subscription Changes($filter: ChangesFilter, $since: Int) {\n    changes(filter: $filter, since: $since) { revision type clusterID kind namespace name objectID object }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Workload($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Workload {\n        id clusterID projectID kind namespace name desired ready updated available images labels spec status observedAt\n        cluster { id name }\n        pods(first: 500) { edges { node { id name phase nodeName podIP restarts startedAt } } }\n        events(first: 50) { revision type kind name object createdAt }\n        revisions { revision type kind name object createdAt }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Workload($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Workload {\n        id clusterID projectID kind namespace name desired ready updated available images labels spec status observedAt\n        cluster { id name }\n        pods(first: 500) { edges { node { id name phase nodeName podIP restarts startedAt } } }\n        events(first: 50) { revision type kind name object createdAt }\n        revisions { revision type kind name object createdAt }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Scale($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) { id status action } }\n"): (typeof documents)["\n  mutation Scale($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) { id status action } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Restart($input: WorkloadRefInput!) { restartWorkload(input: $input) { id status action } }\n"): (typeof documents)["\n  mutation Restart($input: WorkloadRefInput!) { restartWorkload(input: $input) { id status action } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Rollback($input: RollbackWorkloadInput!) { rollbackWorkload(input: $input) { id status action } }\n"): (typeof documents)["\n  mutation Rollback($input: RollbackWorkloadInput!) { rollbackWorkload(input: $input) { id status action } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Apply($input: ApplyManifestInput!) { applyManifest(input: $input) { id status reason message result } }\n"): (typeof documents)["\n  mutation Apply($input: ApplyManifestInput!) { applyManifest(input: $input) { id status reason message result } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OperationLive($id: ID!) { operation(id: $id) { id status reason message result finishedAt } }\n"): (typeof documents)["\n  subscription OperationLive($id: ID!) { operation(id: $id) { id status reason message result finishedAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Operations($projectID: ID!) {\n    operations(first: 100, where: { projectID: $projectID }, orderBy: [{ field: CREATED_AT, direction: DESC }]) {\n      edges { node { id createdAt action status targetKind targetNamespace targetName reason message createdBy clusterID } }\n    }\n  }\n"): (typeof documents)["\n  query Operations($projectID: ID!) {\n    operations(first: 100, where: { projectID: $projectID }, orderBy: [{ field: CREATED_AT, direction: DESC }]) {\n      edges { node { id createdAt action status targetKind targetNamespace targetName reason message createdBy clusterID } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Tokens { tokens { id name createdAt expiresAt lastUsedAt revokedAt } }\n"): (typeof documents)["\n  query Tokens { tokens { id name createdAt expiresAt lastUsedAt revokedAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateToken($input: CreateTokenInput!) { createToken(input: $input) { secret token { id name } } }\n"): (typeof documents)["\n  mutation CreateToken($input: CreateTokenInput!) { createToken(input: $input) { secret token { id name } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { id revokedAt } }\n"): (typeof documents)["\n  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { id revokedAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Audit($projectID: String!) {\n    auditLog(first: 100, where: { projectID: $projectID }) {\n      edges { node { id createdAt actor action targetType targetID result error requestID } }\n    }\n  }\n"): (typeof documents)["\n  query Audit($projectID: String!) {\n    auditLog(first: 100, where: { projectID: $projectID }) {\n      edges { node { id createdAt actor action targetType targetID result error requestID } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search {\n    projects(first: 100) { edges { node { id name code clusters(first: 20) { edges { node { id name } } } } } }\n  }\n"): (typeof documents)["\n  query Search {\n    projects(first: 100) { edges { node { id name code clusters(first: 20) { edges { node { id name } } } } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Templates($id: ID!) {\n    project(id: $id) { id templates(first: 200) { edges { node { id name kind description updatedAt } } } }\n  }\n"): (typeof documents)["\n  query Templates($id: ID!) {\n    project(id: $id) { id templates(first: 200) { edges { node { id name kind description updatedAt } } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTemplate($input: CreateTemplateSetInput!) { createTemplate(input: $input) { id } }\n"): (typeof documents)["\n  mutation CreateTemplate($input: CreateTemplateSetInput!) { createTemplate(input: $input) { id } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Template($id: ID!) {\n    template(id: $id) {\n      id name kind description draft locked projectID\n      versions(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges { node { id label note digest content createdAt createdBy\n          instances(first: 50) { edges { node { id namespace clusterID status versionID updatedAt } } } } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Template($id: ID!) {\n    template(id: $id) {\n      id name kind description draft locked projectID\n      versions(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges { node { id label note digest content createdAt createdBy\n          instances(first: 50) { edges { node { id namespace clusterID status versionID updatedAt } } } } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateDraft($id: ID!, $draft: String) { updateTemplateDraft(id: $id, draft: $draft) { id draft } }\n"): (typeof documents)["\n  mutation UpdateDraft($id: ID!, $draft: String) { updateTemplateDraft(id: $id, draft: $draft) { id draft } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateVersion($templateID: ID!, $label: String!, $note: String) { createTemplateVersion(templateID: $templateID, label: $label, note: $note) { id label } }\n"): (typeof documents)["\n  mutation CreateVersion($templateID: ID!, $label: String!, $note: String) { createTemplateVersion(templateID: $templateID, label: $label, note: $note) { id label } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Variables($projectID: ID!) { variables(projectID: $projectID) { id key value scope clusterID namespace secret } }\n"): (typeof documents)["\n  query Variables($projectID: ID!) { variables(projectID: $projectID) { id key value scope clusterID namespace secret } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetVariable($input: SetVariableInput!) { setVariable(input: $input) { id } }\n"): (typeof documents)["\n  mutation SetVariable($input: SetVariableInput!) { setVariable(input: $input) { id } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Preview($templateID: ID!, $versionID: ID, $clusterID: ID!, $namespace: String!, $dryRun: Boolean) {\n    previewTemplate(templateID: $templateID, versionID: $versionID, clusterID: $clusterID, namespace: $namespace, dryRun: $dryRun) {\n      content variables objects { kind namespace name line }\n      diff { kind namespace name action changes { path old new } }\n    }\n  }\n"): (typeof documents)["\n  query Preview($templateID: ID!, $versionID: ID, $clusterID: ID!, $namespace: String!, $dryRun: Boolean) {\n    previewTemplate(templateID: $templateID, versionID: $versionID, clusterID: $clusterID, namespace: $namespace, dryRun: $dryRun) {\n      content variables objects { kind namespace name line }\n      diff { kind namespace name action changes { path old new } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Instantiate($input: InstantiateTemplateInput!) { instantiateTemplate(input: $input) { id namespace clusterID status } }\n"): (typeof documents)["\n  mutation Instantiate($input: InstantiateTemplateInput!) { instantiateTemplate(input: $input) { id namespace clusterID status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription InstanceLive($id: ID!) { instance(id: $id) { id namespace clusterID status versionID updatedAt } }\n"): (typeof documents)["\n  subscription InstanceLive($id: ID!) { instance(id: $id) { id namespace clusterID status versionID updatedAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpgradeInstance($id: ID!, $versionID: ID!) { upgradeInstance(id: $id, versionID: $versionID) { id status } }\n"): (typeof documents)["\n  mutation UpgradeInstance($id: ID!, $versionID: ID!) { upgradeInstance(id: $id, versionID: $versionID) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RollbackInstance($id: ID!) { rollbackInstance(id: $id) { id status } }\n"): (typeof documents)["\n  mutation RollbackInstance($id: ID!) { rollbackInstance(id: $id) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryInstance($id: ID!, $force: Boolean) { retryInstance(id: $id, force: $force) { id status } }\n"): (typeof documents)["\n  mutation RetryInstance($id: ID!, $force: Boolean) { retryInstance(id: $id, force: $force) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Cluster($id: ID!) {\n    cluster(id: $id) {\n      id name kind status version capacity\n      nodes(first: 500) { edges { node { id name status unschedulable internalIP version roles taints labels capacity allocatable } } }\n      namespaces(first: 500) { edges { node { id name status quota labels } } }\n    }\n  }\n"): (typeof documents)["\n  query Cluster($id: ID!) {\n    cluster(id: $id) {\n      id name kind status version capacity\n      nodes(first: 500) { edges { node { id name status unschedulable internalIP version roles taints labels capacity allocatable } } }\n      namespaces(first: 500) { edges { node { id name status quota labels } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Cordon($clusterID: ID!, $name: String!) { cordonNode(clusterID: $clusterID, name: $name) { id status } }\n"): (typeof documents)["\n  mutation Cordon($clusterID: ID!, $name: String!) { cordonNode(clusterID: $clusterID, name: $name) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Uncordon($clusterID: ID!, $name: String!) { uncordonNode(clusterID: $clusterID, name: $name) { id status } }\n"): (typeof documents)["\n  mutation Uncordon($clusterID: ID!, $name: String!) { uncordonNode(clusterID: $clusterID, name: $name) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Drain($clusterID: ID!, $name: String!) { drainNode(clusterID: $clusterID, name: $name) { id status } }\n"): (typeof documents)["\n  mutation Drain($clusterID: ID!, $name: String!) { drainNode(clusterID: $clusterID, name: $name) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNodeLabels($clusterID: ID!, $name: String!, $labels: StringMap!, $remove: [String!]) {\n    setNodeLabels(clusterID: $clusterID, name: $name, labels: $labels, remove: $remove) { id status }\n  }\n"): (typeof documents)["\n  mutation SetNodeLabels($clusterID: ID!, $name: String!, $labels: StringMap!, $remove: [String!]) {\n    setNodeLabels(clusterID: $clusterID, name: $name, labels: $labels, remove: $remove) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNodeTaints($clusterID: ID!, $name: String!, $taints: [TaintInput!]!) {\n    setNodeTaints(clusterID: $clusterID, name: $name, taints: $taints) { id status }\n  }\n"): (typeof documents)["\n  mutation SetNodeTaints($clusterID: ID!, $name: String!, $taints: [TaintInput!]!) {\n    setNodeTaints(clusterID: $clusterID, name: $name, taints: $taints) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ApplyNamespace($input: ApplyNamespaceInput!) { applyNamespace(input: $input) { id status } }\n"): (typeof documents)["\n  mutation ApplyNamespace($input: ApplyNamespaceInput!) { applyNamespace(input: $input) { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterMesos($input: RegisterMesosClusterInput!) { registerMesosCluster(input: $input) { id name status } }\n"): (typeof documents)["\n  mutation RegisterMesos($input: RegisterMesosClusterInput!) { registerMesosCluster(input: $input) { id name status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChartRepositories($projectID: ID!) {\n    chartRepositories(projectID: $projectID) { id name url kind username plainHTTP hasPassword createdBy createdAt }\n  }\n"): (typeof documents)["\n  query ChartRepositories($projectID: ID!) {\n    chartRepositories(projectID: $projectID) { id name url kind username plainHTTP hasPassword createdBy createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddChartRepository($input: AddChartRepositoryInput!) { addChartRepository(input: $input) { id name kind hasPassword } }\n"): (typeof documents)["\n  mutation AddChartRepository($input: AddChartRepositoryInput!) { addChartRepository(input: $input) { id name kind hasPassword } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveChartRepository($id: ID!) { removeChartRepository(id: $id) { deletedID } }\n"): (typeof documents)["\n  mutation RemoveChartRepository($id: ID!) { removeChartRepository(id: $id) { deletedID } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Charts($repositoryID: ID!, $search: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference description versions { version appVersion description } }\n  }\n"): (typeof documents)["\n  query Charts($repositoryID: ID!, $search: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference description versions { version appVersion description } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChartValues($repositoryID: ID!, $search: String, $version: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference versions(version: $version) { version defaultValues } }\n  }\n"): (typeof documents)["\n  query ChartValues($repositoryID: ID!, $search: String, $version: String) {\n    charts(repositoryID: $repositoryID, search: $search) { name reference versions(version: $version) { version defaultValues } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Releases($clusterID: ID!, $namespace: String) {\n    releases(clusterID: $clusterID, namespace: $namespace) { name namespace revision status chart chartVersion appVersion updated description }\n  }\n"): (typeof documents)["\n  query Releases($clusterID: ID!, $namespace: String) {\n    releases(clusterID: $clusterID, namespace: $namespace) { name namespace revision status chart chartVersion appVersion updated description }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Release($clusterID: ID!, $namespace: String!, $name: String!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) {\n      clusterID name namespace revision status chart chartVersion appVersion updated description\n      history { revision status chart chartVersion appVersion updated description }\n    }\n  }\n"): (typeof documents)["\n  query Release($clusterID: ID!, $namespace: String!, $name: String!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) {\n      clusterID name namespace revision status chart chartVersion appVersion updated description\n      history { revision status chart chartVersion appVersion updated description }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReleaseRevision($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name values(revision: $revision) manifest(revision: $revision) }\n  }\n"): (typeof documents)["\n  query ReleaseRevision($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name values(revision: $revision) manifest(revision: $revision) }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReleaseValuesDiff($clusterID: ID!, $namespace: String!, $name: String!, $from: Int!, $to: Int!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name valuesDiff(from: $from, to: $to) }\n  }\n"): (typeof documents)["\n  query ReleaseValuesDiff($clusterID: ID!, $namespace: String!, $name: String!, $from: Int!, $to: Int!) {\n    release(clusterID: $clusterID, namespace: $namespace, name: $name) { name valuesDiff(from: $from, to: $to) }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InstallRelease($input: HelmReleaseInput!) { installRelease(input: $input) { id status reason message result } }\n"): (typeof documents)["\n  mutation InstallRelease($input: HelmReleaseInput!) { installRelease(input: $input) { id status reason message result } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpgradeRelease($input: HelmReleaseInput!) { upgradeRelease(input: $input) { id status reason message result } }\n"): (typeof documents)["\n  mutation UpgradeRelease($input: HelmReleaseInput!) { upgradeRelease(input: $input) { id status reason message result } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RollbackRelease($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int!) {\n    rollbackRelease(clusterID: $clusterID, namespace: $namespace, name: $name, revision: $revision) { id status reason message result }\n  }\n"): (typeof documents)["\n  mutation RollbackRelease($clusterID: ID!, $namespace: String!, $name: String!, $revision: Int!) {\n    rollbackRelease(clusterID: $clusterID, namespace: $namespace, name: $name, revision: $revision) { id status reason message result }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UninstallRelease($clusterID: ID!, $namespace: String!, $name: String!) {\n    uninstallRelease(clusterID: $clusterID, namespace: $namespace, name: $name) { id status reason message result }\n  }\n"): (typeof documents)["\n  mutation UninstallRelease($clusterID: ID!, $namespace: String!, $name: String!) {\n    uninstallRelease(clusterID: $clusterID, namespace: $namespace, name: $name) { id status reason message result }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query KubectlSettings($id: ID!) {\n    project(id: $id) { id viewerCan { role } kubectlSettings { execMinRole kubeconfigMinRole } }\n    me { id admin }\n  }\n"): (typeof documents)["\n  query KubectlSettings($id: ID!) {\n    project(id: $id) { id viewerCan { role } kubectlSettings { execMinRole kubeconfigMinRole } }\n    me { id admin }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateKubeconfig($clusterID: ID!, $expiresIn: String) { createKubeconfig(clusterID: $clusterID, expiresIn: $expiresIn) }\n"): (typeof documents)["\n  mutation CreateKubeconfig($clusterID: ID!, $expiresIn: String) { createKubeconfig(clusterID: $clusterID, expiresIn: $expiresIn) }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;