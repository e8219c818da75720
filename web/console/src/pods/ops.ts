// GraphQL of the pod pages and the kubeconfig button.
import { graphql } from '../gql';

export const KubectlSettingsQuery = graphql(`
  query KubectlSettings($id: ID!) {
    project(id: $id) { id viewerCan { role } kubectlSettings { execMinRole kubeconfigMinRole } }
    me { id admin }
  }
`);

export const CreateKubeconfigMutation = graphql(`
  mutation CreateKubeconfig($clusterID: ID!, $expiresIn: String) { createKubeconfig(clusterID: $clusterID, expiresIn: $expiresIn) }
`);
