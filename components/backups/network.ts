/**
 * The backup namespace: Pod Security Admission "restricted", and NetworkPolicies that deny
 * everything except what the Jobs need: DNS, Postgres (its port, only to the given CIDRs) and
 * HTTPS (S3 and STS for IRSA). Enforcement needs a policy engine (VPC CNI network policy agent).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityNamespaceLabels } from "../k8s/security";

export function backupNamespace(
  name: string,
  a: { namespace: string; create: boolean; selector: Record<string, string>; databaseCidrs: string[]; databasePort: pulumi.Input<number>; labels: Record<string, string> },
  parent: pulumi.Resource,
): { namespace: pulumi.Output<string>; policies: k8s.networking.v1.NetworkPolicy[] } {
  const ns = a.create
    ? new k8s.core.v1.Namespace(`${name}-backups-ns`, {
      metadata: { name: a.namespace, labels: { ...a.labels, ...podSecurityNamespaceLabels("restricted") } },
    }, { parent }).metadata.name
    : pulumi.output(a.namespace);

  const podSelector = { matchLabels: a.selector };
  const deny = new k8s.networking.v1.NetworkPolicy(`${name}-backups-default-deny`, {
    metadata: { name: "dify-backups-default-deny", namespace: ns, labels: a.labels },
    spec: { podSelector, policyTypes: ["Ingress", "Egress"] },
  }, { parent });
  const allow = new k8s.networking.v1.NetworkPolicy(`${name}-backups-egress`, {
    metadata: { name: "dify-backups-egress", namespace: ns, labels: a.labels },
    spec: {
      podSelector,
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          }],
          ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        },
        { to: a.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: a.databasePort }] },
        // S3 and STS (IRSA) have no fixed addresses; HTTPS only.
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    },
  }, { parent });
  return { namespace: ns, policies: [deny, allow] };
}
