/**
 * Reachability table: a small evaluator of NetworkPolicy semantics (pod selectors, namespace
 * selectors, ipBlock with except, ports; a flow needs the source's egress AND the destination's
 * ingress to allow it; a pod selected by no policy of a direction is open in that direction) run
 * over the NetworkPolicies of the plan, compared with the exact list of flows Dify needs.
 */
import { strict as assert } from "assert";
import { RecordedResource } from "../program/plan/monitor";
import { ALB_CIDRS, DATA_CIDRS, runApp, workloads } from "./app-fixture";
import { runAppWithObservability } from "./observability-fixture";

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule { from?: Peer[]; to?: Peer[]; ports?: { protocol?: string; port?: number }[] }
interface Policy { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] }

/** An endpoint: a pod (namespace + labels) or an address outside the cluster. */
interface Endpoint { id: string; namespace?: string; labels?: Record<string, string>; ip?: string }

const ip2n = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ip2n(ip) / size) === Math.floor(ip2n(base) / size);
}
const matches = (sel: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function peerMatches(p: Peer, policyNs: string, e: Endpoint): boolean {
  if (p.ipBlock) return e.ip !== undefined && inCidr(e.ip, p.ipBlock.cidr) && !(p.ipBlock.except ?? []).some((x) => inCidr(e.ip!, x));
  if (!e.labels) return false; // selectors only match pods
  const nsLabels = { "kubernetes.io/metadata.name": e.namespace! };
  if (p.namespaceSelector) { if (!matches(p.namespaceSelector, nsLabels)) return false; } else if (e.namespace !== policyNs) return false;
  return p.podSelector ? matches(p.podSelector, e.labels) : true;
}
const portMatches = (r: Rule, port: number, proto: string) =>
  !r.ports || r.ports.length === 0 || r.ports.some((p) => (p.protocol ?? "TCP") === proto && (p.port === undefined || p.port === port));

function allowed(policies: { ns: string; p: Policy }[], src: Endpoint, dst: Endpoint, port: number, proto = "TCP"): boolean {
  const dir = (e: Endpoint, type: "Ingress" | "Egress", other: Endpoint) => {
    if (!e.labels) return true; // not a pod of ours: no policy applies
    const sel = policies.filter(({ ns, p }) => ns === e.namespace && p.policyTypes.includes(type) && matches(p.podSelector, e.labels!));
    if (sel.length === 0) return true;
    return sel.some(({ ns, p }) => (type === "Ingress" ? p.ingress : p.egress)?.some((r) =>
      (type === "Ingress" ? r.from : r.to)?.some((peer) => peerMatches(peer, ns, other)) && portMatches(r, port, proto)) ?? false);
  };
  return dir(src, "Egress", dst) && dir(dst, "Ingress", src);
}

describe("DifyApp network policies (reachability table)", () => {
  let rs: RecordedResource[];
  let policies: { ns: string; p: Policy }[];
  const pods = new Map<string, Endpoint>();
  before(async () => {
    rs = (await runApp()).resources;
    policies = rs.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
      const i = r.rawInputs as { metadata: { namespace: string }; spec: Policy };
      return { ns: i.metadata.namespace, p: i.spec };
    });
    for (const w of workloads(rs)) {
      const key = w.labels["dify-aws/service"];
      pods.set(key, { id: key, namespace: w.namespace, labels: w.labels });
    }
  });

  // Outside addresses. Pods get VPC addresses in node subnets (10.0.64.0/18 here), which are
  // neither ALB nor data subnets.
  const ext: Record<string, Endpoint> = {
    alb: { id: "alb", ip: "10.0.1.10" },
    postgres: { id: "postgres", ip: "10.0.33.5" },
    redis: { id: "redis", ip: "10.0.49.5" },
    s3: { id: "s3", ip: "52.216.8.10" },
    internet: { id: "internet", ip: "93.184.216.34" },
    imds: { id: "imds", ip: "169.254.169.254" },
    "eks-api": { id: "eks-api", ip: "10.0.70.20" },
    "vpc-host": { id: "vpc-host", ip: "10.0.100.5" },
    "other-private": { id: "other-private", ip: "192.168.1.1" },
  };
  const dns: Endpoint = { id: "dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
  const podPorts: Record<string, number[]> = {
    api: [5001], web: [3000], sandbox: [8194], "plugin-daemon": [5002], "ssrf-proxy": [3128], worker: [], "worker-beat": [], migration: [],
  };
  const extPorts: Record<string, number[]> = {
    postgres: [5432], redis: [6379], s3: [443], internet: [80, 443, 22], imds: [80], "eks-api": [443], "vpc-host": [443, 22], "other-private": [443],
  };

  const EXPECTED = new Set([
    "alb->api:5001", "alb->web:3000", "alb->plugin-daemon:5002",
    "api->sandbox:8194", "api->plugin-daemon:5002", "api->ssrf-proxy:3128",
    "worker->sandbox:8194", "worker->plugin-daemon:5002", "worker->ssrf-proxy:3128",
    "web->api:5001",
    "plugin-daemon->api:5001", "plugin-daemon->ssrf-proxy:3128", "plugin-daemon->plugin-daemon:5002",
    "sandbox->ssrf-proxy:3128",
    "ssrf-proxy->internet:80", "ssrf-proxy->internet:443", "ssrf-proxy->s3:443",
    ...["api", "worker", "worker-beat", "plugin-daemon", "migration"].flatMap((s) =>
      [`${s}->postgres:5432`, `${s}->redis:6379`, `${s}->s3:443`, `${s}->internet:443`]),
  ]);

  it("allows exactly the flows Dify needs and nothing else", () => {
    const sources = [...pods.values(), ext.alb];
    const actual = new Set<string>();
    const checked: string[] = [];
    for (const src of sources) {
      for (const [key, ports] of Object.entries(podPorts)) {
        for (const port of [...ports, 22]) {
          // dst === src stands for another replica of the same service (same labels, other pod).
          const dst = pods.get(key)!;
          checked.push(`${src.id}->${key}:${port}`);
          if (allowed(policies, src, dst, port)) actual.add(`${src.id}->${key}:${port}`);
        }
      }
      if (src.labels) {
        for (const [name, ports] of Object.entries(extPorts)) {
          for (const port of ports) {
            checked.push(`${src.id}->${name}:${port}`);
            if (allowed(policies, src, ext[name], port)) actual.add(`${src.id}->${name}:${port}`);
          }
        }
      }
    }
    const missing = [...EXPECTED].filter((f) => !actual.has(f));
    const extra = [...actual].filter((f) => !EXPECTED.has(f));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    assert.ok(checked.length >= 190, `the table covers the full cross product (${checked.length} pairs)`);
  });

  it("runs the sandbox in its own namespace and still reaches exactly its peers", () => {
    assert.equal(pods.get("sandbox")!.namespace, "dify-sandbox");
    assert.equal(pods.get("api")!.namespace, "dify");
    // A pod with the right labels in another namespace is not a peer.
    const impostor: Endpoint = { id: "impostor", namespace: "default", labels: pods.get("api")!.labels };
    assert.ok(!allowed(policies, impostor, pods.get("sandbox")!, 8194));
    assert.ok(!allowed(policies, impostor, pods.get("ssrf-proxy")!, 3128));
  });

  it("lets every pod resolve DNS (UDP and TCP 53) and nothing else in kube-system", () => {
    for (const p of pods.values()) {
      assert.ok(allowed(policies, p, dns, 53, "UDP"), `${p.id} DNS/UDP`);
      assert.ok(allowed(policies, p, dns, 53, "TCP"), `${p.id} DNS/TCP`);
      assert.ok(!allowed(policies, p, dns, 9153), `${p.id} CoreDNS metrics`);
    }
  });

  it("keeps the sandbox and the SSRF proxy away from the VPC, metadata and data stores", () => {
    for (const bad of ["imds", "eks-api", "vpc-host", "postgres", "redis", "other-private"]) {
      for (const port of [...(extPorts[bad] ?? []), 80, 443]) {
        assert.ok(!allowed(policies, pods.get("sandbox")!, ext[bad], port), `sandbox->${bad}:${port}`);
        assert.ok(!allowed(policies, pods.get("ssrf-proxy")!, ext[bad], port), `ssrf-proxy->${bad}:${port}`);
      }
    }
    assert.ok(DATA_CIDRS.length > 0 && ALB_CIDRS.length > 0);
  });

  it("the squid config refuses private destinations too (defence in depth)", () => {
    const cm = rs.find((r) => (r.rawInputs as { metadata?: { name?: string } }).metadata?.name === "dify-ssrf-proxy-config")!;
    const conf = (cm.rawInputs as { data: Record<string, string> }).data["squid.conf"];
    assert.match(conf, /acl to_private dst .*169\.254\.0\.0\/16.*10\.0\.0\.0\/16/);
    assert.match(conf, /http_access deny to_private/);
    assert.ok(conf.indexOf("http_access deny to_private") < conf.indexOf("http_access allow localnet"));
  });
});

describe("DifyApp + DifyObservability network policies (telemetry flows)", () => {
  // One run with both components: Dify's namespaces plus the collector's, evaluated together.
  let policies: { ns: string; p: Policy }[];
  const pods = new Map<string, Endpoint>();
  before(async () => {
    const rs = (await runAppWithObservability()).resources;
    policies = rs.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
      const i = r.rawInputs as { metadata: { namespace: string }; spec: Policy };
      return { ns: i.metadata.namespace, p: i.spec };
    });
    for (const w of workloads(rs)) {
      const key = w.labels["dify-aws/service"] ?? w.labels["app.kubernetes.io/name"];
      pods.set(key, { id: key, namespace: w.namespace, labels: w.labels });
    }
    // DifyCluster's KEDA operator pod (kedacore/charts keda 2.20.2 templates/manager/deployment.yaml pod labels).
    pods.set("keda-operator", { id: "keda-operator", namespace: "kube-system", labels: { app: "keda-operator", name: "keda-operator", "app.kubernetes.io/name": "keda-operator" } });
  });

  const ext: Record<string, Endpoint> = {
    redis: { id: "redis", ip: "10.0.49.5" }, postgres: { id: "postgres", ip: "10.0.33.5" },
    internet: { id: "internet", ip: "93.184.216.34" }, imds: { id: "imds", ip: "169.254.169.254" },
  };
  const ports: Record<string, number[]> = { "otel-collector": [4317, 4318, 13133], "plugin-daemon": [5002], api: [5001], web: [3000] };

  it("api-image pods send OTLP to the collector, the collector scrapes the daemon, and nothing else crosses", () => {
    const expected = new Set([
      ...["api", "worker", "worker-beat", "migration"].flatMap((s) => [`${s}->otel-collector:4317`, `${s}->otel-collector:4318`]),
      "otel-collector->plugin-daemon:5002",
    ]);
    const actual = new Set<string>();
    for (const src of pods.values()) {
      for (const [key, ps] of Object.entries(ports)) {
        const dst = pods.get(key)!;
        if (dst === src) continue;
        const crosses = (src.namespace === "dify-observability") !== (dst.namespace === "dify-observability");
        for (const port of ps) if (crosses && allowed(policies, src, dst, port)) actual.add(`${src.id}->${key}:${port}`);
      }
    }
    assert.deepEqual([...actual].sort(), [...expected].sort());
  });

  it("the collector reaches AWS on 443 and KEDA's metrics port only; no pod of the collector's namespace reaches Redis", () => {
    const collector = pods.get("otel-collector")!;
    const keda = pods.get("keda-operator")!;
    assert.ok(allowed(policies, collector, ext.internet, 443));
    assert.ok(!allowed(policies, collector, ext.internet, 80));
    assert.ok(!allowed(policies, collector, ext.imds, 80));
    assert.ok(!allowed(policies, collector, ext.redis, 6379));
    // The queue depth comes from KEDA's /metrics (8080), not its gRPC metrics service (9666) or the API.
    assert.ok(allowed(policies, collector, keda, 8080));
    for (const port of [9666, 8081, 443]) assert.ok(!allowed(policies, collector, keda, port), `collector->keda:${port}`);
    assert.ok(!allowed(policies, collector, { ...keda, labels: { app: "coredns-like" } }, 8080), "only the operator pods");
  });
});
