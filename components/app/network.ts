/**
 * NetworkPolicies derived from the catalog's peer lists: default deny (ingress and egress), DNS
 * for every pod, then per service exactly its flows: peers it calls and peers calling it, the
 * load balancer to public services, the data stores (dataCidrs on the DB/Redis ports), S3 (443 to
 * public addresses: S3 and STS are AWS public endpoints, and a VPC gateway endpoint also serves
 * public prefix-list addresses), and the SSRF proxy to the internet minus privateCidrs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec } from "./catalog";
import { SERVICE_LABEL } from "./workload";

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type ERule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export interface NetworkContext {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** Every pod kind in the namespace (enabled catalog rows + the migration pseudo-row). */
  specs: ServiceSpec[];
  dataCidrs: string[];
  dbPort: pulumi.Input<number>;
  redisPort: pulumi.Input<number>;
  ingressSourceCidrs: string[];
  privateCidrs: string[];
  opts: pulumi.CustomResourceOptions;
}

const tcp = (port: pulumi.Input<number>) => ({ protocol: "TCP", port });
const sel = (key: string) => ({ podSelector: { matchLabels: { [SERVICE_LABEL]: key } } });

export function networkPolicies(c: NetworkContext): k8s.networking.v1.NetworkPolicy[] {
  const np = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(`${c.name}-${suffix}`, {
      metadata: { name: `dify-${suffix}`, namespace: c.namespace, labels: c.labels },
      spec,
    }, c.opts);
  const out = [
    np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    np("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }],
    }),
  ];
  const byKey = new Map(c.specs.map((s) => [s.key, s]));
  const publicInternet = { ipBlock: { cidr: "0.0.0.0/0", except: c.privateCidrs } };
  for (const s of c.specs) {
    const ingress: Rule[] = [];
    if (s.port) {
      const callers = c.specs.filter((o) => o.talksTo.includes(s.key));
      if (callers.length > 0) ingress.push({ from: callers.map((o) => sel(o.key)), ports: [tcp(s.port)] });
      if (s.public) ingress.push({ from: c.ingressSourceCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(s.port)] });
    }
    const egress: ERule[] = [];
    for (const t of s.talksTo) {
      const peer = byKey.get(t);
      if (peer?.port) egress.push({ to: [sel(t)], ports: [tcp(peer.port)] });
    }
    if (s.usesDataStores) {
      egress.push({ to: c.dataCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(c.dbPort), tcp(c.redisPort)] });
    }
    if (s.usesS3) egress.push({ to: [publicInternet], ports: [tcp(443)] });
    if (s.internetPorts?.length) egress.push({ to: [publicInternet], ports: s.internetPorts.map(tcp) });
    out.push(np(`${s.key}-flows`, {
      podSelector: { matchLabels: { [SERVICE_LABEL]: s.key } },
      policyTypes: ["Ingress", "Egress"],
      ingress,
      egress,
    }));
  }
  return out;
}
