// Every GraphQL operation the console sends, in one place, typed by
// graphql-codegen from BCS's schema (src/gql is generated: `npm run codegen`).
import { graphql } from '../gql';

export const MeQuery = graphql(`
  query Me { me { id name displayName admin } }
`);

export const ProjectsQuery = graphql(`
  query Projects { projects(first: 200, orderBy: [{ field: NAME, direction: ASC }]) { edges { node { id name code description archived } } } }
`);

export const CreateProjectMutation = graphql(`
  mutation CreateProject($input: CreateProjectInput!) { createProject(input: $input) { id name code } }
`);

export const PermissionsFragment = graphql(`
  fragment Perms on ProjectPermissions {
    role projectEdit projectDelete memberManage auditView clusterCreate clusterManage clusterDelete clusterUse
    namespaceCreate namespaceUpdate namespaceDelete namespaceUse templateCreate templateUpdate templateDelete templateInstantiate
  }
`);

export const ProjectQuery = graphql(`
  query Project($id: ID!) {
    project(id: $id) {
      id name code description archived
      viewerCan { ...Perms }
      members(first: 200) { edges { node { id role user { id name displayName } } } }
      clusters(first: 200) { edges { node { id name kind status } } }
    }
  }
`);

export const AddMemberMutation = graphql(`
  mutation AddMember($projectID: ID!, $userName: String!, $role: MemberRole!) { addMember(projectID: $projectID, userName: $userName, role: $role) { id } }
`);
export const UpdateMemberMutation = graphql(`
  mutation UpdateMember($id: ID!, $role: MemberRole!) { updateMemberRole(id: $id, role: $role) { id role } }
`);
export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($id: ID!) { removeMember(id: $id) { deletedID } }
`);

export const ClustersQuery = graphql(`
  query Clusters($id: ID!) {
    project(id: $id) {
      id
      clusters(first: 200) { edges { node { id name kind environment status statusMessage version endpoint capacity lastSeenAt } } }
    }
  }
`);

export const ClusterStatusSubscription = graphql(`
  subscription ClusterStatus($projectID: ID!) { clusterStatus(projectID: $projectID) { id name kind environment status statusMessage version endpoint capacity lastSeenAt } }
`);

export const RegisterClusterMutation = graphql(`
  mutation RegisterCluster($input: RegisterClusterInput!) { registerCluster(input: $input) { id name status } }
`);
export const RegisterTokenMutation = graphql(`
  mutation RegisterToken($projectID: ID!, $clusterName: String!, $environment: ClusterEnvironment) {
    createRegisterToken(projectID: $projectID, clusterName: $clusterName, environment: $environment) { token cluster { id name status } }
  }
`);

export const WorkloadsPageQuery = graphql(`
  query WorkloadsPage($projectID: ID!, $after: Cursor) {
    workloads(first: 1000, after: $after, where: { projectID: $projectID }) {
      edges { node { id clusterID kind namespace name desired ready updated available images } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const HeadQuery = graphql(`
  query Head($projectID: ID!) { changesHead(projectID: $projectID) }
`);

export const ChangesSubscription = graphql(`
  subscription Changes($filter: ChangesFilter, $since: Int) {
    changes(filter: $filter, since: $since) { revision type clusterID kind namespace name objectID object }
  }
`);

export const WorkloadQuery = graphql(`
  query Workload($id: ID!) {
    node(id: $id) {
      __typename
      ... on Workload {
        id clusterID projectID kind namespace name desired ready updated available images labels spec status observedAt
        cluster { id name }
        pods(first: 500) { edges { node { id name phase nodeName podIP restarts startedAt } } }
        events(first: 50) { revision type kind name object createdAt }
        revisions { revision type kind name object createdAt }
      }
    }
  }
`);

export const ScaleMutation = graphql(`
  mutation Scale($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) { id status action } }
`);
export const RestartMutation = graphql(`
  mutation Restart($input: WorkloadRefInput!) { restartWorkload(input: $input) { id status action } }
`);
export const RollbackMutation = graphql(`
  mutation Rollback($input: RollbackWorkloadInput!) { rollbackWorkload(input: $input) { id status action } }
`);

export const ApplyMutation = graphql(`
  mutation Apply($input: ApplyManifestInput!) { applyManifest(input: $input) { id status reason message result } }
`);

export const OperationSubscription = graphql(`
  subscription OperationLive($id: ID!) { operation(id: $id) { id status reason message result finishedAt } }
`);

export const OperationsQuery = graphql(`
  query Operations($projectID: ID!) {
    operations(first: 100, where: { projectID: $projectID }, orderBy: [{ field: CREATED_AT, direction: DESC }]) {
      edges { node { id createdAt action status targetKind targetNamespace targetName reason message createdBy clusterID } }
    }
  }
`);

export const TokensQuery = graphql(`
  query Tokens { tokens { id name createdAt expiresAt lastUsedAt revokedAt } }
`);
export const CreateTokenMutation = graphql(`
  mutation CreateToken($input: CreateTokenInput!) { createToken(input: $input) { secret token { id name } } }
`);
export const RevokeTokenMutation = graphql(`
  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { id revokedAt } }
`);

export const AuditQuery = graphql(`
  query Audit($projectID: String!) {
    auditLog(first: 100, where: { projectID: $projectID }) {
      edges { node { id createdAt actor action targetType targetID result error requestID } }
    }
  }
`);

export const SearchQuery = graphql(`
  query Search {
    projects(first: 100) { edges { node { id name code clusters(first: 20) { edges { node { id name } } } } } }
  }
`);

export const TemplatesQuery = graphql(`
  query Templates($id: ID!) {
    project(id: $id) { id templates(first: 200) { edges { node { id name kind description updatedAt } } } }
  }
`);
export const CreateTemplateMutation = graphql(`
  mutation CreateTemplate($input: CreateTemplateSetInput!) { createTemplate(input: $input) { id } }
`);
export const TemplateQuery = graphql(`
  query Template($id: ID!) {
    template(id: $id) {
      id name kind description draft locked projectID
      versions(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {
        edges { node { id label note digest content createdAt createdBy
          instances(first: 50) { edges { node { id namespace clusterID status versionID updatedAt } } } } }
      }
    }
  }
`);
export const UpdateDraftMutation = graphql(`
  mutation UpdateDraft($id: ID!, $draft: String) { updateTemplateDraft(id: $id, draft: $draft) { id draft } }
`);
export const CreateVersionMutation = graphql(`
  mutation CreateVersion($templateID: ID!, $label: String!, $note: String) { createTemplateVersion(templateID: $templateID, label: $label, note: $note) { id label } }
`);
export const VariablesQuery = graphql(`
  query Variables($projectID: ID!) { variables(projectID: $projectID) { id key value scope clusterID namespace secret } }
`);
export const SetVariableMutation = graphql(`
  mutation SetVariable($input: SetVariableInput!) { setVariable(input: $input) { id } }
`);
export const PreviewQuery = graphql(`
  query Preview($templateID: ID!, $versionID: ID, $clusterID: ID!, $namespace: String!, $dryRun: Boolean) {
    previewTemplate(templateID: $templateID, versionID: $versionID, clusterID: $clusterID, namespace: $namespace, dryRun: $dryRun) {
      content variables objects { kind namespace name line }
      diff { kind namespace name action changes { path old new } }
    }
  }
`);
export const InstantiateMutation = graphql(`
  mutation Instantiate($input: InstantiateTemplateInput!) { instantiateTemplate(input: $input) { id namespace clusterID status } }
`);
export const InstanceSubscription = graphql(`
  subscription InstanceLive($id: ID!) { instance(id: $id) { id namespace clusterID status versionID updatedAt } }
`);
export const UpgradeInstanceMutation = graphql(`
  mutation UpgradeInstance($id: ID!, $versionID: ID!) { upgradeInstance(id: $id, versionID: $versionID) { id status } }
`);
export const RollbackInstanceMutation = graphql(`
  mutation RollbackInstance($id: ID!) { rollbackInstance(id: $id) { id status } }
`);
export const RetryInstanceMutation = graphql(`
  mutation RetryInstance($id: ID!, $force: Boolean) { retryInstance(id: $id, force: $force) { id status } }
`);

export const ClusterQuery = graphql(`
  query Cluster($id: ID!) {
    cluster(id: $id) {
      id name kind status version capacity
      nodes(first: 500) { edges { node { id name status unschedulable internalIP version roles taints labels capacity allocatable } } }
      namespaces(first: 500) { edges { node { id name status quota labels } } }
    }
  }
`);
export const CordonMutation = graphql(`
  mutation Cordon($clusterID: ID!, $name: String!) { cordonNode(clusterID: $clusterID, name: $name) { id status } }
`);
export const UncordonMutation = graphql(`
  mutation Uncordon($clusterID: ID!, $name: String!) { uncordonNode(clusterID: $clusterID, name: $name) { id status } }
`);
export const DrainMutation = graphql(`
  mutation Drain($clusterID: ID!, $name: String!) { drainNode(clusterID: $clusterID, name: $name) { id status } }
`);
export const SetNodeLabelsMutation = graphql(`
  mutation SetNodeLabels($clusterID: ID!, $name: String!, $labels: StringMap!, $remove: [String!]) {
    setNodeLabels(clusterID: $clusterID, name: $name, labels: $labels, remove: $remove) { id status }
  }
`);
export const SetNodeTaintsMutation = graphql(`
  mutation SetNodeTaints($clusterID: ID!, $name: String!, $taints: [TaintInput!]!) {
    setNodeTaints(clusterID: $clusterID, name: $name, taints: $taints) { id status }
  }
`);
export const ApplyNamespaceMutation = graphql(`
  mutation ApplyNamespace($input: ApplyNamespaceInput!) { applyNamespace(input: $input) { id status } }
`);
export const RegisterMesosMutation = graphql(`
  mutation RegisterMesos($input: RegisterMesosClusterInput!) { registerMesosCluster(input: $input) { id name status } }
`);
