import { strict as assert } from "assert";
import { RecordedResource } from "../program/plan/monitor";
import { envOf, runApp, runRefused, workloads } from "./app-fixture";

interface IngressIn {
  metadata: { annotations: Record<string, string> };
  spec: { ingressClassName: string; rules: { host: string; http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] } }[] };
}
const ingressOf = (rs: RecordedResource[]) => rs.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!.rawInputs as unknown as IngressIn;

/** What an ALB with these Prefix rules does with a request path: the first matching rule wins. */
function route(ing: IngressIn, path: string): string | undefined {
  for (const p of ing.spec.rules[0].http.paths) {
    if (p.path === "/" || path === p.path || path.startsWith(`${p.path}/`)) return p.backend.service.name;
  }
  return undefined;
}

describe("DifyApp ingress", () => {
  let rs: RecordedResource[];
  before(async () => { rs = (await runApp()).resources; });

  it("rolls out without 502s: the ALB controller gates readiness of the pods it targets (app namespace only)", () => {
    const ns = rs.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.rawInputs as { metadata: { name: string; labels: Record<string, string> } });
    const gated = ns.filter((n) => n.metadata.labels["elbv2.k8s.aws/pod-readiness-gate-inject"] === "enabled").map((n) => n.metadata.name);
    assert.deepEqual(gated, ["dify"], "the namespace of api, web and plugin-daemon, which the ALB targets by pod IP");
  });

  it("routes Dify's paths like its nginx would, without an nginx pod", () => {
    const ing = ingressOf(rs);
    assert.equal(ing.spec.ingressClassName, "alb");
    assert.equal(ing.spec.rules[0].host, "dify.example.com");
    const expect: [string, string][] = [
      ["/console/api/setup", "dify-api"], ["/api/chat-messages", "dify-api"], ["/v1/workflows/run", "dify-api"],
      ["/files/abc/file-preview", "dify-api"], ["/mcp/server/x/mcp", "dify-api"], ["/triggers/webhook/x", "dify-api"],
      ["/e/hook123/path", "dify-plugin-daemon"], ["/explore/apps", "dify-web"], ["/apps", "dify-web"], ["/", "dify-web"],
      ["/signin", "dify-web"], ["/embed.js", "dify-web"],
      // the api's unauthenticated diagnostics stay off the public routes (they land on web: 404 there)
      ["/threads", "dify-web"], ["/db-pool-stat", "dify-web"], ["/health", "dify-web"],
    ];
    for (const [path, svc] of expect) assert.equal(route(ing, path), svc, path);
    assert.equal(ing.spec.rules[0].http.paths.at(-1)!.path, "/", "the catch-all comes last");
    assert.ok(ing.spec.rules[0].http.paths.every((p) => p.pathType === "Prefix"));
    assert.ok(!ing.spec.rules[0].http.paths.some((p) => p.path === "/socket.io"), "no websocket route unless enabled");
  });

  it("serves HTTPS only with a modern TLS policy and a streaming-friendly idle timeout", () => {
    const a = ingressOf(rs).metadata.annotations;
    assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
    assert.equal(a["alb.ingress.kubernetes.io/target-type"], "ip");
    assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], "arn:aws:acm:us-east-1:123456789012:certificate/abc");
    assert.equal(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
    assert.match(a["alb.ingress.kubernetes.io/ssl-policy"], /TLS13/);
    const idle = Number(/idle_timeout\.timeout_seconds=(\d+)/.exec(a["alb.ingress.kubernetes.io/load-balancer-attributes"])![1]);
    const gunicorn = Number(envOf(rs, workloads(rs).find((w) => w.name === "dify-api")!.pod.containers[0]).get("GUNICORN_TIMEOUT")!.value);
    assert.ok(idle >= gunicorn, `ALB idle timeout ${idle}s covers the api request timeout ${gunicorn}s`);
  });

  it("health-checks each backend on its own path", () => {
    const svc = (n: string) => (rs.find((r) => r.type === "kubernetes:core/v1:Service" && (r.rawInputs as { metadata: { name: string } }).metadata.name === n)!.rawInputs as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
    assert.equal(svc("dify-api")["alb.ingress.kubernetes.io/healthcheck-path"], "/health");
    assert.equal(svc("dify-web")["alb.ingress.kubernetes.io/healthcheck-path"], "/favicon.ico");
    assert.equal(svc("dify-plugin-daemon")["alb.ingress.kubernetes.io/healthcheck-path"], "/health/check");
  });

  it("supports an internal ALB, plain HTTP without a certificate, annotation overrides and the websocket api", async () => {
    const run = await runApp({
      certificateArn: undefined, internalLoadBalancer: true, enableWebsocketApi: true,
      ingressAnnotations: { "alb.ingress.kubernetes.io/group.name": "common", "alb.ingress.kubernetes.io/success-codes": "" },
    });
    const ing = ingressOf(run.resources);
    const a = ing.metadata.annotations;
    assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internal");
    assert.equal(a["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTP":80}]');
    assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], undefined);
    assert.equal(a["alb.ingress.kubernetes.io/group.name"], "common");
    assert.ok(!("alb.ingress.kubernetes.io/success-codes" in a), "an empty value removes a default");
    assert.equal(route(ing, "/socket.io/?EIO=4"), "dify-api-websocket");
    const web = envOf(run.resources, workloads(run.resources).find((w) => w.name === "dify-web")!.pod.containers[0]);
    assert.equal(web.get("NEXT_PUBLIC_SOCKET_URL")?.value, "ws://dify.example.com");
    assert.equal(web.get("CONSOLE_API_URL")?.value, "http://dify.example.com");
  });

  it("with another IngressClass applies no ALB annotations, Service health checks or readiness gate, only the caller's annotations", async () => {
    const run = await runApp({ certificateArn: undefined, ingressClassName: "nginx", ingressAnnotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "600" } });
    const ing = ingressOf(run.resources);
    assert.equal(ing.spec.ingressClassName, "nginx");
    assert.deepEqual(ing.metadata.annotations, { "nginx.ingress.kubernetes.io/proxy-read-timeout": "600" });
    const albKeys = run.resources.flatMap((r) => Object.keys((r.rawInputs as { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } }).metadata?.annotations ?? {})
      .concat(Object.keys((r.rawInputs as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {}))
      .filter((k) => k.startsWith("alb.ingress.kubernetes.io/") || k.startsWith("elbv2.k8s.aws/")).map((k) => `${r.name}: ${k}`));
    assert.deepEqual(albKeys, [], "nothing aimed at the AWS Load Balancer Controller");
  });

  it("refuses ALB-only settings with another IngressClass instead of ignoring them", async () => {
    const r = await runRefused({ ingressClassName: "nginx", loadBalancerName: "dify-prod", internalLoadBalancer: true });
    assert.match(r.message, /args\.loadBalancerName: got "dify-prod", allowed nothing with ingressClassName "nginx"/);
    assert.match(r.message, /args\.internalLoadBalancer: got true, allowed false with ingressClassName "nginx"/);
    assert.deepEqual(r.resources, []);
  });
});
