/**
 * NetworkPolicies derived from the catalog's peer lists: default deny (ingress and egress) in
 * every namespace DifyApp uses, DNS for every pod, then per service exactly its flows: peers it
 * calls and peers calling it (namespace + pod selectors, so the isolated sandbox namespace works
 * the same way), the load balancer to public services, the data stores (dataCidrs on the DB/Redis
 * ports), S3 (443 to public addresses: S3 and STS are AWS public endpoints, and a VPC gateway
 * endpoint also serves public prefix-list addresses), and the SSRF proxy to the internet minus
 * privateCidrs. No Dify pod may reach the Kubernetes API (no SA tokens either).
 *
 * Kubelet probes need no rule: the VPC CNI network policy agent allows the node's own IP
 * (aws/aws-network-policy-agent#56, fixed in VPC CNI 1.15.1), as other CNIs do.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OTLP_PORTS } from "../contracts";
import { ServiceSpec, sendsOtlp } from "./catalog";
import { SERVICE_LABEL } from "./workload";

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type ERule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export interface NetworkContext {
  name: string;
  /** Namespace of each pod kind's key. */
  namespaceOf: (key: string) => string;
  /** Resources (the Namespaces) the policies must wait for. */
  dependsOn: pulumi.Resource[];
  labels: Record<string, string>;
  /** Every pod kind (enabled catalog rows + the migration pseudo-row). */
  specs: ServiceSpec[];
  dataCidrs: string[];
  dbPort: pulumi.Input<number>;
  redisPort: pulumi.Input<number>;
  ingressSourceCidrs: string[];
  privateCidrs: string[];
  /** Where interface VPC endpoints live (closed network): IRSA pods and the proxy get 443 there. Empty = none. */
  awsEndpointCidrs?: string[];
  /** Port of the SSRF proxy's parent proxy (it may sit in private address space). */
  upstreamProxyPort?: number;
  /** SMTP port the api-image pods send mail to (public addresses), when mail is SMTP. */
  smtpPort?: number;
  /** The OpenTelemetry collector (DifyObservability): api-image pods send OTLP to it, it scrapes the plugin daemon. Default none. */
  collector?: { namespace: string; podLabels: Record<string, string> };
  opts: pulumi.CustomResourceOptions;
}

const NS_LABEL = "kubernetes.io/metadata.name";
const tcp = (port: pulumi.Input<number>) => ({ protocol: "TCP", port });

export function networkPolicies(c: NetworkContext): k8s.networking.v1.NetworkPolicy[] {
  const appNs = c.namespaceOf("api");
  const tag = (ns: string) => (ns === appNs ? "" : `${ns}-`);
  const np = (ns: string, suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(`${c.name}-${tag(ns)}${suffix}`, {
      metadata: { name: `dify-${suffix}`, namespace: ns, labels: c.labels },
      spec,
    }, { ...c.opts, dependsOn: c.dependsOn });
  const peer = (key: string) => ({
    namespaceSelector: { matchLabels: { [NS_LABEL]: c.namespaceOf(key) } },
    podSelector: { matchLabels: { [SERVICE_LABEL]: key } },
  });
  const out: k8s.networking.v1.NetworkPolicy[] = [];
  for (const ns of [...new Set(c.specs.map((s) => c.namespaceOf(s.key)))]) {
    out.push(np(ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
    out.push(np(ns, "allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }],
    }));
  }
  const byKey = new Map(c.specs.map((s) => [s.key, s]));
  const publicInternet = { ipBlock: { cidr: "0.0.0.0/0", except: c.privateCidrs } };
  for (const s of c.specs) {
    const ingress: Rule[] = [];
    if (s.port) {
      const callers = c.specs.filter((o) => o.talksTo.includes(s.key));
      if (callers.length > 0) ingress.push({ from: callers.map((o) => peer(o.key)), ports: [tcp(s.port)] });
      if (s.public) ingress.push({ from: c.ingressSourceCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(s.port)] });
    }
    const egress: ERule[] = [];
    for (const t of s.talksTo) {
      const target = byKey.get(t);
      if (target?.port) egress.push({ to: [peer(t)], ports: [tcp(target.port)] });
    }
    if (s.usesDataStores) {
      egress.push({ to: c.dataCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(c.dbPort), tcp(c.redisPort)] });
    }
    if (s.usesS3) egress.push({ to: [publicInternet], ports: [tcp(443)] });
    // Mail leaves from the api (sign-up, reset) and the workers (the Celery mail queue).
    if (c.smtpPort && s.image === "api" && s.usesDataStores) egress.push({ to: [publicInternet], ports: [tcp(c.smtpPort)] });
    if (s.internetPorts?.length) egress.push({ to: [publicInternet], ports: s.internetPorts.map(tcp) });
    const endpoints = (c.awsEndpointCidrs ?? []).map((cidr) => ({ ipBlock: { cidr } }));
    if ((s.usesS3 || s.internetPorts?.length) && endpoints.length > 0) egress.push({ to: endpoints, ports: [tcp(443)] });
    if (s.internetPorts?.length && c.upstreamProxyPort) egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(c.upstreamProxyPort)] });
    if (c.collector) {
      const collector = { namespaceSelector: { matchLabels: { [NS_LABEL]: c.collector.namespace } }, podSelector: { matchLabels: c.collector.podLabels } };
      // OTLP gRPC and HTTP (ENABLE_OTEL in the api image's settings); the collector scrapes a row's metricsPath on its port.
      if (sendsOtlp(s)) egress.push({ to: [collector], ports: [tcp(OTLP_PORTS.grpc), tcp(OTLP_PORTS.http)] });
      if (s.metricsPath && s.port) ingress.push({ from: [collector], ports: [tcp(s.port)] });
    }
    out.push(np(c.namespaceOf(s.key), `${s.key}-flows`, {
      podSelector: { matchLabels: { [SERVICE_LABEL]: s.key } },
      policyTypes: ["Ingress", "Egress"],
      // An empty rule list is left out, not sent as []: with its policyType listed it denies the
      // same, and the API server drops an empty list, so [] would show as a change on every apply.
      ingress: ingress.length ? ingress : undefined,
      egress: egress.length ? egress : undefined,
    }));
  }
  return out;
}
