/**
 * The catalog (components/app/catalog.ts) is the one place a Dify service's facts live: what is
 * derived from a row, or restated for another component (components/contracts.ts), must agree
 * with it in the rendered plan.
 */
import { strict as assert } from "assert";
import { CATALOG, checkCatalog, EnvGroup, k8sName, sendsOtlp } from "../components/app/catalog";
import { KNOWN_ENV } from "../components/app/knownEnv";
import { MIGRATION } from "../components/app/migration";
import { DIFY_APP_S3_SERVICE_ACCOUNTS, DIFY_DASHBOARD_DEPLOYMENTS, DIFY_OTLP_SENDERS, DIFY_PLUGIN_DAEMON_METRICS, DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT, DIFY_SERVICE_LABEL } from "../components/contracts";
import { RecordedResource } from "../program/plan/monitor";
import { parseStackConfig } from "../program/config";
import { loadStackConfig } from "../program/plan/stack";
import { stackSettings } from "../program/settings";
import { ofType, runApp, workloads } from "./app-fixture";
import { runAppWithObservability } from "./observability-fixture";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

interface Meta { metadata: { name: string; namespace: string } }
const meta = (r: RecordedResource) => (r.rawInputs as unknown as Meta).metadata;

/** `name.namespace` -> the ports its Service exposes. */
function servicePorts(rs: RecordedResource[]): Map<string, number[]> {
  return new Map(ofType(rs, SERVICE).map((r) => {
    const ports = (r.rawInputs as { spec: { ports: { port: number }[] } }).spec.ports.map((p) => p.port);
    return [`${meta(r).name}.${meta(r).namespace}`, ports];
  }));
}

describe("catalog: one row per service, everything else derived", () => {
  it("every in-cluster URL in Dify's settings names a Service of the plan, in the right namespace, on a port it exposes", async () => {
    const { resources: rs } = await runApp({ enableWebsocketApi: true });
    const services = servicePorts(rs);
    const urls: string[] = [];
    for (const cm of ofType(rs, CONFIG_MAP)) {
      const { namespace } = meta(cm);
      for (const [env, v] of Object.entries((cm.rawInputs as { data?: Record<string, unknown> }).data ?? {})) {
        for (const m of String(v).matchAll(/https?:\/\/(dify-[a-z0-9-]+)(?:\.([a-z0-9-]+)\.svc)?:(\d+)/g)) {
          const where = `${m[1]}.${m[2] ?? namespace}`;
          urls.push(`${meta(cm).name} ${env}`);
          assert.ok(services.has(where), `${meta(cm).name} ${env}: ${m[0]} names no Service of the plan (have ${[...services.keys()].join(", ")})`);
          assert.ok(services.get(where)!.includes(Number(m[3])), `${meta(cm).name} ${env}: ${m[0]} is not a port of ${where} (${services.get(where)})`);
        }
      }
    }
    // The settings that must be found (so a renamed env var cannot make this test vacuous).
    for (const want of ["INTERNAL_FILES_URL", "CODE_EXECUTION_ENDPOINT", "PLUGIN_DAEMON_URL", "SSRF_PROXY_HTTP_URL", "SERVER_CONSOLE_API_URL", "DIFY_INNER_API_URL", "HTTP_PROXY"]) {
      assert.ok(urls.some((u) => u.endsWith(` ${want}`)), `${want} checked`);
    }
  });

  it("each server listens where its Service sends traffic: SANDBOX_PORT, the daemon's SERVER_PORT, squid's http_port", async () => {
    const { resources: rs } = await runApp();
    const services = servicePorts(rs);
    const data = (name: string) => (ofType(rs, CONFIG_MAP).find((r) => meta(r).name === name)!.rawInputs as { data: Record<string, string> }).data;
    const port = (svc: string) => [...services].find(([k]) => k.startsWith(`${k8sName(svc)}.`))![1];
    assert.deepEqual(port("sandbox"), [Number(data("dify-sandbox-config").SANDBOX_PORT)]);
    assert.deepEqual(port("plugin-daemon"), [Number(data("dify-plugin-daemon-config").SERVER_PORT)]);
    assert.deepEqual(port("ssrf-proxy"), [Number(/^http_port (\d+)$/m.exec(data("dify-ssrf-proxy-config")["squid.conf"])![1])]);
  });

  it("the collector admits OTLP from exactly the pods that send it", async () => {
    const { resources: rs } = await runAppWithObservability();
    // Senders: pods whose settings turn OTLP on.
    const otelMaps = ofType(rs, CONFIG_MAP).filter((r) => (r.rawInputs as { data?: Record<string, string> }).data?.ENABLE_OTEL === "true").map((r) => meta(r).name);
    const senders = workloads(rs).filter((w) => w.namespace === "dify" && w.pod.containers[0].envFrom?.some((e) => otelMaps.includes(e.configMapRef?.name ?? "")));
    assert.ok(senders.length >= 4, "api, worker, beat, migration send");
    const flows = ofType(rs, POLICY).find((r) => meta(r).name === "dify-obs-collector-flows")!;
    const admitted = (flows.rawInputs as { spec: { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] } })
      .spec.ingress.flatMap((rule) => rule.from.map((f) => f.podSelector.matchLabels[DIFY_SERVICE_LABEL]));
    for (const w of senders) assert.ok(admitted.includes(w.labels[DIFY_SERVICE_LABEL]), `${w.name} sends OTLP: the collector admits it`);
    // Admits nothing else: every admitted label is a row (or the migration Job) that sends.
    const sending = [...CATALOG, MIGRATION].filter(sendsOtlp).map((s) => s.key);
    assert.deepEqual([...admitted].sort(), [...sending].sort());
    assert.deepEqual([...DIFY_OTLP_SENDERS].sort(), [...sending].sort(), "contracts.ts DIFY_OTLP_SENDERS restates the catalog");
  });

  it("the ServiceAccounts DifyStorage's two roles trust are the catalog's S3 identities, split by pluginStorage", () => {
    const s3 = [...CATALOG, MIGRATION].filter((s) => s.usesS3);
    const sas = (rows: typeof s3) => [...new Set(rows.map((s) => k8sName(s.serviceAccount)))].sort();
    assert.deepEqual(sas(s3.filter((s) => !s.pluginStorage)), [...DIFY_APP_S3_SERVICE_ACCOUNTS].sort());
    assert.deepEqual(sas(s3.filter((s) => s.pluginStorage)), [DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT]);
  });

  it("the Deployments the dashboard charts by default are Deployments DifyApp creates", async () => {
    const { resources: rs } = await runApp();
    const deployments = ofType(rs, "kubernetes:apps/v1:Deployment").map((r) => meta(r).name);
    for (const d of DIFY_DASHBOARD_DEPLOYMENTS) assert.ok(deployments.includes(d), `${d} is charted but DifyApp creates no such Deployment (${deployments.join(", ")})`);
  });

  it("the plugin-daemon metrics the collector scrapes are the catalog row's port and path", () => {
    const scraped = CATALOG.filter((s) => s.metricsPath);
    assert.deepEqual(scraped.map((s) => [s.key, s.port, s.metricsPath]),
      [[DIFY_PLUGIN_DAEMON_METRICS.service, DIFY_PLUGIN_DAEMON_METRICS.port, DIFY_PLUGIN_DAEMON_METRICS.path]]);
  });
});

describe("catalog: concurrency lives in the row", () => {
  it("each pod is told its row's concurrency, under env names Dify reads", async () => {
    const { resources: rs } = await runApp({ enableWebsocketApi: true });
    const rows = CATALOG.filter((s) => s.concurrency?.env);
    assert.deepEqual(rows.map((s) => s.key).sort(), ["api", "api-websocket", "worker"]);
    for (const row of rows) {
      const w = workloads(rs).find((x) => x.labels[DIFY_SERVICE_LABEL] === row.key)!;
      const env = Object.fromEntries((w.pod.containers[0].env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      const c = row.concurrency!;
      const want: Record<string, string> = { [c.env!.workerClass.name]: c.env!.workerClass.value, [c.env!.perProcess]: String(c.perProcess) };
      if (c.env!.processes) want[c.env!.processes] = String(c.processes);
      for (const [name, value] of Object.entries(want)) {
        assert.equal(env[name], value, `${row.key}: ${name}`);
        assert.ok(name in KNOWN_ENV[row.image], `${row.key}: ${name} is a Dify env name`);
      }
    }
  });
});

describe("catalog: every service says how it is health-checked", () => {
  it("the catalog passes its own checks", () => {
    assert.deepEqual(checkCatalog([...CATALOG, MIGRATION]), []);
  });

  it("refuses a listening row without a port check, a port check without a port, and a duplicate key", () => {
    const api = CATALOG.find((s) => s.key === "api")!;
    const worker = CATALOG.find((s) => s.key === "worker")!;
    assert.deepEqual(checkCatalog([{ ...api, health: { kind: "none", reason: "x" } }]), ["api: got health none on a row with port 5001, allowed http or tcp"]);
    assert.deepEqual(checkCatalog([{ ...worker, health: { kind: "tcp" } }]), ["worker: got health tcp on a row without a port, allowed exec or none"]);
    assert.deepEqual(checkCatalog([api, api]), ["api: got a second row with this key, allowed one row per service"]);
    // One env group read from two namespaces: its one ConfigMap could not reach both.
    const sandbox = CATALOG.find((s) => s.key === "sandbox")!;
    assert.deepEqual(checkCatalog([api, { ...sandbox, envGroups: [...sandbox.envGroups, EnvGroup.Api] }]),
      ["api, sandbox: got env group api read from two namespaces, allowed one (its ConfigMap lives in one)"]);
  });

  it("every pod behind a Service is probed for readiness and liveness; every other Deployment is probed unless its row says why not", async () => {
    const { resources: rs } = await runApp({ enableWebsocketApi: true });
    for (const w of workloads(rs).filter((x) => x.resource.type === "kubernetes:apps/v1:Deployment")) {
      const row = CATALOG.find((s) => s.key === w.labels[DIFY_SERVICE_LABEL])!;
      const c = w.pod.containers[0];
      if (row.port) {
        assert.ok(c.readinessProbe && c.livenessProbe && c.startupProbe, `${w.name}: startup, readiness and liveness probes`);
      } else if (row.health.kind === "none") {
        assert.ok(!c.livenessProbe && row.health.reason.length > 0, `${w.name}: no probe, for a stated reason`);
      } else {
        assert.ok(c.livenessProbe?.exec && c.startupProbe?.exec && !c.readinessProbe, `${w.name}: exec startup and liveness probes`);
      }
    }
  });
});

describe("catalog: what used to be special cases by service name", () => {
  it("a pod's grace period covers its preStop sleep and gunicorn's graceful timeout, so SIGTERM does not cut streams", async () => {
    const { resources: rs } = await runApp({ networkTuning: true });
    const api = workloads(rs).find((w) => w.name === "dify-api")!;
    const env = Object.fromEntries((api.pod.containers[0].env ?? []).map((e) => [e.name, e.value]));
    const graceful = Number(/--graceful-timeout (\d+)/.exec(env.GUNICORN_CMD_ARGS ?? "")![1]);
    const preStop = (api.pod.containers[0] as { lifecycle?: { preStop?: { sleep?: { seconds: number } } } }).lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok(api.pod.terminationGracePeriodSeconds! >= graceful + preStop, `${api.pod.terminationGracePeriodSeconds} >= ${graceful} + ${preStop}`);
    assert.match(env.GUNICORN_CMD_ARGS ?? "", /--backlog 4096/);
    const row = CATALOG.find((s) => s.key === "api")!;
    assert.deepEqual(checkCatalog([{ ...row, terminationGraceSeconds: 60 }]), ["api: got terminationGraceSeconds 60, allowed at least 315 (preStop sleep + gunicorn graceful timeout)"]);
  });

  it("the SSRF proxy reads the squid.conf DifyApp renders, from the ConfigMap its row names", async () => {
    const { resources: rs } = await runApp();
    const proxy = workloads(rs).find((w) => w.name === "dify-ssrf-proxy")!;
    const c = proxy.pod.containers[0];
    const mount = c.volumeMounts!.find((m) => c.command!.some((a) => a.startsWith(`${m.mountPath}/`)))!;
    const volume = proxy.pod.volumes!.find((v) => v.name === mount.name) as { configMap?: { name: string } };
    const cm = ofType(rs, CONFIG_MAP).find((r) => meta(r).name === volume.configMap?.name && meta(r).namespace === proxy.namespace)!;
    assert.ok((cm.rawInputs as { data: Record<string, string> }).data["squid.conf"].includes("http_port"), "the mounted ConfigMap holds squid.conf");
  });
});

describe("catalog: the database budget counts the processes the rows run", () => {
  it("DifyDatabaseHA sizes pools for the api row's processes per pod", () => {
    for (const stack of ["dev", "prod"]) {
      const budget = stackSettings(parseStackConfig(loadStackConfig(stack, {})), stack).data.connectionBudget!;
      assert.equal(budget.apiWorkersPerPod, CATALOG.find((s) => s.key === "api")!.concurrency!.processes, stack);
    }
  });
});
