import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DIFY_S3_SERVICE_ACCOUNTS } from "../components/contracts";
import { DIFY_VERSIONS } from "../components/app/versions";
import { RecordedResource } from "../program/plan/monitor";
import { PG_PASSWORD, REDIS_PASSWORD, Workload, assertKnownEnv, envOf, runApp, secretValue, workloads } from "./app-fixture";

describe("DifyApp prod plan", () => {
  let rs: RecordedResource[];
  let ws: Workload[];
  const w = (name: string) => {
    const x = ws.find((y) => y.name === name);
    assert.ok(x, `workload ${name} exists`);
    return x!;
  };
  before(async () => {
    rs = (await runApp()).resources;
    ws = workloads(rs);
  });

  it("runs every Dify service with the pinned 1.16.1 images, MODEs, ports and probes", () => {
    const set = DIFY_VERSIONS["1.16.1"];
    const expect: [string, string, string | undefined, number | undefined, string | undefined][] = [
      // name, image, MODE, port, http health path (undefined = TCP probe or no port)
      ["dify-api", set.api, "api", 5001, "/health"],
      ["dify-worker", set.api, "worker", undefined, undefined],
      ["dify-worker-beat", set.api, "beat", undefined, undefined],
      ["dify-web", set.web, undefined, 3000, undefined],
      ["dify-sandbox", set.sandbox, undefined, 8194, "/health"],
      ["dify-plugin-daemon", set.pluginDaemon, undefined, 5002, "/health/check"],
      ["dify-ssrf-proxy", set.ssrfProxy, undefined, 3128, undefined],
    ];
    assert.deepEqual(ws.filter((x) => x.resource.type.includes("Deployment")).map((x) => x.name).sort(), expect.map((e) => e[0]).sort());
    for (const [name, image, mode, port, path] of expect) {
      const c = w(name).pod.containers[0];
      assert.equal(c.image, image, name);
      assert.doesNotMatch(c.image, /:latest$/);
      const env = envOf(rs, c);
      assert.equal(env.get("MODE")?.value, mode, `${name} MODE`);
      if (set.api === image) assert.equal(env.get("MIGRATION_ENABLED")?.value, "false", `${name} never migrates`);
      assert.equal(c.ports?.[0]?.containerPort, port, `${name} port`);
      if (port) {
        for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
          assert.ok(p, `${name} has startup, readiness and liveness probes`);
          if (path) assert.equal(p!.httpGet?.path, path, `${name} probe path`);
          else assert.ok(p!.tcpSocket, `${name} TCP probe`);
        }
      }
      assert.ok(!env.has("LOG_FILE"), `${name} logs to stdout only`);
    }
    assert.deepEqual(w("dify-worker-beat").pod.containers[0].command?.slice(0, 6), ["celery", "-A", "app.celery", "beat", "-s", "/tmp/celerybeat-schedule"]);
    assert.equal(w("dify-worker-beat").strategy?.type, "Recreate");
  });

  it("each Celery worker pod (queue groups too) has a liveness probe on its own node that rides out a Redis failover", async () => {
    // ElastiCache Multi-AZ failover: every worker's ping fails while the broker fails over; AWS gives
    // no upper bound, the probe tolerates 5 minutes (components/k8s/probes.ts).
    const FAILOVER_SECONDS = 300;
    const grouped = workloads((await runApp({ workerQueueGroups: [{ name: "datasets", queues: ["dataset"] }] })).resources);
    const workers = [w("dify-worker"), ...grouped.filter((x) => x.name === "dify-worker-datasets")];
    assert.equal(workers.length, 2);
    for (const x of workers) {
      const c = x.pod.containers[0];
      const live = c.livenessProbe;
      assert.ok(live?.exec, `${x.name} has an exec liveness probe`);
      assert.equal(c.readinessProbe, undefined, "no Service, no readiness");
      assert.deepEqual(c.startupProbe?.exec, live!.exec, "start-up is gated by the same ping");
      assert.ok(Number(c.startupProbe!.periodSeconds) * Number(c.startupProbe!.failureThreshold) >= 300, "start-up may take 5 minutes");
      const [sh, flag, script] = live!.exec!.command;
      assert.deepEqual([sh, flag], ["sh", "-c"], "a shell expands $HOSTNAME (an exec probe runs none)");
      assert.match(script, /^celery -A celery_healthcheck\.celery inspect ping -d "celery@\$HOSTNAME" --timeout (\d+) /);
      const replyWait = Number(/--timeout (\d+)/.exec(script)![1]);
      assert.ok(Number(live!.timeoutSeconds) >= replyWait + 15, "timeout covers the CLI's start-up and its reply wait");
      assert.ok(Number(live!.periodSeconds) >= Number(live!.timeoutSeconds), "probes never overlap");
      assert.ok(Number(live!.failureThreshold) * Number(live!.periodSeconds) > FAILOVER_SECONDS, "a failover does not restart every worker");
    }
    assert.equal(w("dify-worker-beat").pod.containers[0].livenessProbe, undefined, "beat is not a worker: nothing answers a ping there");
  });

  it("the worker ping passes only when this pod's node answers pong (run with a fake celery)", () => {
    const script = w("dify-worker").pod.containers[0].livenessProbe!.exec!.command[2];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "celery-ping-"));
    try {
      // The fake celery records its argv and answers as the real CLI does: JSON replies, or the
      // no-reply message (exit 0 as in Celery 5.0-5.2, 69 from 5.3).
      fs.writeFileSync(path.join(dir, "celery"), `#!/bin/sh
printf '%s\n' "$@" > "${dir}/argv"
case "$FAKE" in
  pong) echo '{"celery@'"$HOSTNAME"'": {"ok": "pong"}}' ;;
  none-old) echo 'No nodes replied within time constraint' ;;
  none) echo 'Error: No nodes replied within time constraint' >&2; exit 69 ;;
esac
`, { mode: 0o755 });
      const run = (fake: string) => spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin`, HOSTNAME: "dify-worker-7d9c-abcde", FAKE: fake } }).status;
      assert.equal(run("pong"), 0);
      assert.deepEqual(fs.readFileSync(path.join(dir, "argv"), "utf8").trim().split("\n"),
        ["-A", "celery_healthcheck.celery", "inspect", "ping", "-d", "celery@dify-worker-7d9c-abcde", "--timeout", "10", "--json"]);
      assert.notEqual(run("none-old"), 0, "no reply fails even where the CLI exits 0");
      assert.notEqual(run("none"), 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sets only env names the image reads (knownEnv table), optional services included", async () => {
    assertKnownEnv(rs);
    const all = (await runApp({ enableWebsocketApi: true, workerQueueGroups: [{ name: "datasets", queues: ["dataset"] }] })).resources;
    assert.ok(workloads(all).some((x) => x.name === "dify-api-websocket"));
    assertKnownEnv(all);
  });

  it("configures S3 via IRSA, pgvector, TLS to Postgres and Redis, URLs from the domain", () => {
    const env = envOf(rs, w("dify-api").pod.containers[0]);
    const v = (k: string) => env.get(k)?.value;
    assert.equal(v("STORAGE_TYPE"), "s3");
    assert.equal(v("S3_USE_AWS_MANAGED_IAM"), "true");
    assert.equal(v("VECTOR_STORE"), "pgvector");
    assert.equal(v("PGVECTOR_PORT"), "5432", "set explicitly: the pydantic default is 5433");
    assert.equal(v("DB_EXTRAS"), "sslmode=require");
    assert.equal(v("REDIS_USE_SSL"), "true");
    assert.equal(v("CONSOLE_API_URL"), "https://dify.example.com");
    assert.equal(v("ENDPOINT_URL_TEMPLATE"), "https://dify.example.com/e/{hook_id}");
    const secret = rs.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    const data = (secret.rawInputs as { stringData: Record<string, string> }).stringData;
    assert.equal(data["celery-broker-url"], `rediss://:${encodeURIComponent(REDIS_PASSWORD)}@master.dify.abc.use1.cache.amazonaws.com:6379/1?ssl_cert_reqs=CERT_REQUIRED`);
    const d = envOf(rs, w("dify-plugin-daemon").pod.containers[0]);
    assert.equal(d.get("PLUGIN_STORAGE_TYPE")?.value, "aws_s3");
    assert.equal(d.get("DB_DATABASE")?.value, "dify_plugin");
    assert.equal(d.get("DB_SSL_MODE")?.value, "require");
  });

  it("feeds every must-match pair from one Secret key", () => {
    const ref = (name: string, envName: string) => envOf(rs, w(name).pod.containers[0]).get(envName)?.secret;
    const pairs: [string, string, string, string][] = [
      ["dify-api", "PLUGIN_DAEMON_KEY", "dify-plugin-daemon", "SERVER_KEY"],
      ["dify-worker", "PLUGIN_DAEMON_KEY", "dify-plugin-daemon", "SERVER_KEY"],
      ["dify-api", "INNER_API_KEY_FOR_PLUGIN", "dify-plugin-daemon", "DIFY_INNER_API_KEY"],
      ["dify-api", "CODE_EXECUTION_API_KEY", "dify-sandbox", "API_KEY"],
      ["dify-worker", "CODE_EXECUTION_API_KEY", "dify-sandbox", "API_KEY"],
      ["dify-api", "SECRET_KEY", "dify-worker", "SECRET_KEY"],
      ["dify-api", "SECRET_KEY", "dify-worker-beat", "SECRET_KEY"],
      ["dify-api", "SECRET_KEY", "dify-migrate-1-16-1", "SECRET_KEY"],
      ["dify-api", "REDIS_PASSWORD", "dify-plugin-daemon", "REDIS_PASSWORD"],
      ["dify-api", "DB_PASSWORD", "dify-api", "PGVECTOR_PASSWORD"],
    ];
    for (const [a, ea, b, eb] of pairs) {
      const ra = ref(a, ea);
      const rb = ref(b, eb);
      assert.ok(ra && rb, `${a} ${ea} and ${b} ${eb} come from Secrets`);
      assert.equal(rb!.split("/")[1], ra!.split("/")[1], `${a} ${ea} and ${b} ${eb} read the same Secret key`);
      assert.equal(secretValue(rs, rb!), secretValue(rs, ra!), `${a} ${ea} and ${b} ${eb} get the same value`);
      assert.ok(secretValue(rs, ra!).length >= 8);
    }
    // Across namespaces (the sandbox's own Secret) the value is the same generated output.
    assert.equal(ref("dify-sandbox", "API_KEY"), "dify-sandbox-credentials/sandbox-api-key");
    // The init password is not a shared key: the api alone reads it (app-init-password.spec.ts).
    const randoms = rs.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name !== "dify-init-password");
    assert.equal(randoms.length, 4, "one generator per shared key: SECRET_KEY, daemon key, inner api key, sandbox key");
    for (const r of randoms) assert.ok((r.rawInputs.length as number) >= 32);
  });

  it("puts no credential outside the Secret", () => {
    const secrets = [PG_PASSWORD, REDIS_PASSWORD, encodeURIComponent(REDIS_PASSWORD), "mock-dify-"];
    const secretObjs = rs.filter((r) => r.type === "kubernetes:core/v1:Secret");
    assert.equal(secretObjs.length, 2);
    for (const so of secretObjs) assert.ok(so.secretPaths.includes("stringData"), "Secret values are secret outputs (never plain text in state)");
    const sandboxData = (secretObjs.find((r) => (r.rawInputs as { metadata: { name: string } }).metadata.name === "dify-sandbox-credentials")!.rawInputs as { stringData: Record<string, string> }).stringData;
    assert.deepEqual(Object.keys(sandboxData), ["sandbox-api-key"], "the sandbox namespace holds only the sandbox key");
    for (const r of rs) {
      if (r.type === "kubernetes:core/v1:Secret" || r.type.startsWith("random:")) continue;
      const text = JSON.stringify(r.rawInputs);
      for (const s of secrets) assert.ok(!text.includes(s), `${r.type} ${r.name} contains a credential`);
    }
  });

  it("meets PSS restricted everywhere except the documented sandbox exception", () => {
    for (const x of ws) {
      const c = x.pod.containers[0];
      const sc = c.securityContext!;
      assert.equal(x.pod.automountServiceAccountToken, false, `${x.name}: no SA token`);
      assert.equal(sc.allowPrivilegeEscalation, false, x.name);
      assert.deepEqual(sc.capabilities?.drop, ["ALL"], x.name);
      assert.deepEqual((x.pod.securityContext?.seccompProfile as { type: string }).type, "RuntimeDefault", x.name);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.cpu && c.resources?.limits?.memory, `${x.name} requests and limits`);
      if (x.name === "dify-sandbox") {
        assert.deepEqual(sc.capabilities?.add, ["SETGID", "SETUID", "SYS_CHROOT"]);
        assert.equal(x.pod.securityContext?.runAsUser, 0);
        continue;
      }
      assert.equal(x.pod.securityContext?.runAsNonRoot, true, x.name);
      assert.ok((x.pod.securityContext?.runAsUser as number) > 0, x.name);
      assert.equal(sc.readOnlyRootFilesystem, true, `${x.name} read-only root`);
      assert.equal(sc.capabilities?.add, undefined, x.name);
      assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/tmp"), `${x.name} has a writable /tmp`);
    }
    const daemon = w("dify-plugin-daemon").pod;
    assert.equal(daemon.securityContext?.runAsUser, 1001, "plugin daemon runs non-root");
    assert.ok(daemon.containers[0].volumeMounts?.some((m) => m.mountPath === "/app/storage"));
  });

  it("enforces PSS restricted on the app namespace and baseline only on the sandbox's own namespace", () => {
    const ns = rs.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.rawInputs as { metadata: { name: string; labels: Record<string, string> } });
    const level = (n: string) => ns.find((x) => x.metadata.name === n)!.metadata.labels["pod-security.kubernetes.io/enforce"];
    assert.equal(level("dify"), "restricted");
    assert.equal(level("dify-sandbox"), "baseline");
    for (const x of ns) assert.equal(x.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
    for (const x of ws) assert.equal(x.namespace, x.name === "dify-sandbox" ? "dify-sandbox" : "dify", x.name);
    const api = envOf(rs, w("dify-api").pod.containers[0]);
    assert.equal(api.get("CODE_EXECUTION_ENDPOINT")?.value, "http://dify-sandbox.dify-sandbox.svc:8194");
    assert.equal(envOf(rs, w("dify-sandbox").pod.containers[0]).get("HTTPS_PROXY")?.value, "http://dify-ssrf-proxy.dify.svc:3128");
  });

  it("gives IRSA only to the S3 identities the storage role trusts", () => {
    const sas = rs.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount").map((r) => r.rawInputs as { metadata: { name: string; annotations?: Record<string, string> } });
    const withRole = sas.filter((s) => s.metadata.annotations?.["eks.amazonaws.com/role-arn"]).map((s) => s.metadata.name).sort();
    assert.deepEqual(withRole, [...DIFY_S3_SERVICE_ACCOUNTS].sort());
    // The plugin daemon's own role: whatever it grants, every plugin it runs can use.
    const roleOf = (n: string) => sas.find((s) => s.metadata.name === n)!.metadata.annotations!["eks.amazonaws.com/role-arn"];
    assert.equal(roleOf("dify-plugin-daemon"), "arn:aws:iam::123456789012:role/dify-plugin-storage");
    for (const n of ["dify-api", "dify-worker", "dify-worker-beat"]) assert.equal(roleOf(n), "arn:aws:iam::123456789012:role/dify-storage", n);
    for (const x of ws) {
      const s3 = ["dify-api", "dify-worker", "dify-worker-beat", "dify-plugin-daemon"].includes(x.pod.serviceAccountName!);
      const usesS3 = ["dify-api", "dify-worker", "dify-worker-beat", "dify-plugin-daemon", "dify-migrate-1-16-1"].includes(x.name);
      assert.equal(s3, usesS3, `${x.name} uses ${x.pod.serviceAccountName}`);
    }
  });
});

describe("DifyApp wiring", () => {
  it("creates every Kubernetes object through the provider given in opts, and protects keys and namespace on request", async () => {
    const rs = (await runApp({ protect: true })).resources;
    const kube = rs.filter((r) => r.type.startsWith("kubernetes:") && r.custom && r.type !== "pulumi:providers:kubernetes");
    assert.ok(kube.length > 30);
    for (const r of kube) assert.match(String(r.provider), /pulumi:providers:kubernetes::k8s::/, `${r.type} ${r.name}`);
    assert.ok(rs.find((r) => r.type === "kubernetes:core/v1:Namespace")!.options.protect);
    for (const r of rs.filter((x) => x.type.startsWith("random:"))) assert.ok(r.options.protect, r.name);
    const names = rs.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => r.name).sort();
    assert.deepEqual(names, ["dify-api", "dify-plugin-daemon", "dify-sandbox", "dify-ssrf-proxy", "dify-web", "dify-worker", "dify-worker-beat"],
      "logical names are <component>-<service> (the policy pack's exceptions match them)");
  });
});

