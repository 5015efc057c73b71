/** How help and messages name Kubernetes pods: the part of their registry row (index.ts) that loads nothing. */
export const kubernetesAbout = {
  scheme: 'k8s' as const,
  uriForm: 'k8s://namespace/pod/container',
  summary: 'a Kubernetes pod',
};
