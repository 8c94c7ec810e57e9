/**
 * Mock outputs for DifyCluster's types: the @pulumi/eks v4 Cluster (a remote component: one
 * opaque registration whose plain outputs are answered here), launch templates and Helm releases.
 */
import { ACCOUNT_ID, StateRule } from "./types";

const oidcId = (name: string) => Buffer.from(name).toString("hex").toUpperCase().padEnd(32, "0").slice(0, 32);

export const state: Record<string, StateRule> = {
  "eks:index:Cluster": (r) => {
    const clusterName = (r.inputs.name as string | undefined) ?? `${r.name}-eksCluster-0000`;
    const issuer = `oidc.eks.${r.region}.amazonaws.com/id/${oidcId(clusterName)}`;
    const endpoint = `https://${oidcId(clusterName)}.gr7.${r.region}.eks.amazonaws.com`;
    const kubeconfig = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "kubernetes", cluster: { server: endpoint, "certificate-authority-data": "bW9jaw==" } }],
      contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
      "current-context": "aws",
      users: [{
        name: "aws",
        user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName] } },
      }],
    };
    return {
      kubeconfig,
      kubeconfigJson: JSON.stringify(kubeconfig),
      oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${issuer}`,
      oidcProviderUrl: `https://${issuer}`,
      oidcIssuer: issuer,
      clusterSecurityGroupId: `sg-eks-cluster-${clusterName}`,
      nodeSecurityGroupId: `sg-eks-cluster-${clusterName}`,
    };
  },
  "aws:ec2/launchTemplate:LaunchTemplate": (r) => ({ id: `lt-${r.name}`, latestVersion: 1, defaultVersion: 1 }),
  "aws:ec2/natGateway:NatGateway": (r) => ({ id: `nat-${r.name}` }),
  "aws:ec2/routeTable:RouteTable": (r) => ({ id: `rtb-${r.name}` }),
  "kubernetes:helm.sh/v3:Release": (r) => ({
    status: { name: r.inputs.name ?? r.name, namespace: r.inputs.namespace ?? "default", status: "deployed", version: r.inputs.version, revision: 1 },
  }),
};
