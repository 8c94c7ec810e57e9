import { strict as assert } from "assert";
import { DifyAppArgs } from "../components/app/args";
import { DIFY_VERSIONS } from "../components/app/versions";
import { RecordedResource } from "../program/plan/monitor";
import * as k8s from "@pulumi/kubernetes";
import { DifyApp } from "../components/app/dify-app";
import { runUnderMocks } from "../program/plan/monitor";
import { DEPLOYMENT, JOB, prodArgs, runApp, runRefused } from "./app-fixture";

const NEXT = "1.99.0"; // a hypothetical next release supplied through extraVersions
const NEXT_SET = {
  api: "langgenius/dify-api:1.99.0",
  web: "langgenius/dify-web:1.99.0",
  sandbox: "langgenius/dify-sandbox:0.2.15",
  pluginDaemon: "langgenius/dify-plugin-daemon:0.9.9-local",
  ssrfProxy: DIFY_VERSIONS["1.16.1"].ssrfProxy,
};

function jobAndDeps(rs: RecordedResource[]) {
  const jobs = rs.filter((r) => r.type === JOB);
  assert.equal(jobs.length, 1, "exactly one migration Job per version");
  const job = jobs[0];
  const name = (job.rawInputs as { metadata: { name: string } }).metadata.name;
  const waits = (d: string) => rs.find((r) => r.type === DEPLOYMENT && (r.rawInputs as { metadata: { name: string } }).metadata.name === d)!.options.dependsOn.includes(job.urn);
  return { job, name, waits };
}

describe("DifyApp upgrades", () => {
  it("the migration Job waits for migrationDependsOn (the pre-migration backup), and only the migration Job does", async () => {
    const { resources } = await runUnderMocks(() => {
      const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
      const backup = new k8s.batch.v1.Job("pre-migration-backup", { metadata: { name: "dify-backup-pre-migrate-1-16-1", namespace: "dify-backups" }, spec: { template: { spec: { containers: [], restartPolicy: "Never" } } } }, { provider });
      new DifyApp("dify", prodArgs({ migrationDependsOn: [backup] }), { provider });
      return backup.urn;
    }, { stack: "prod" });
    const backup = resources.find((r) => r.name === "pre-migration-backup")!;
    const { job } = jobAndDeps(resources.filter((r) => r !== backup));
    assert.ok(job.options.dependsOn.includes(backup.urn), "a failed backup fails the update before the schema changes");
    assert.ok(!resources.some((r) => r.type === DEPLOYMENT && r.options.dependsOn.includes(backup.urn)), "the Deployments wait through the migration Job");
  });

  it("migrates once per version, before the api, worker and beat roll out", async () => {
    const first = (await runApp()).resources;
    const before = jobAndDeps(first);
    for (const np of first.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
      assert.ok(before.job.options.dependsOn.includes(np.urn), `the Job starts after NetworkPolicy ${np.name} (else default-deny blocks its DB access)`);
    }
    const after = jobAndDeps((await runApp({ difyVersion: NEXT, extraVersions: { [NEXT]: NEXT_SET } })).resources);
    assert.equal(before.name, "dify-migrate-1-16-1");
    assert.equal(after.name, "dify-migrate-1-99-0", "a new version is a new Job (it runs again)");
    assert.notEqual(before.job.urn, after.job.urn, "a new Pulumi resource: created before the Deployments update");
    for (const d of ["dify-api", "dify-worker", "dify-worker-beat"]) {
      assert.ok(before.waits(d) && after.waits(d), `${d} waits for the migration Job`);
    }
    const env = (after.job.rawInputs as { spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0];
    assert.equal(env.image, NEXT_SET.api);
    assert.deepEqual(env.env.filter((e) => e.value).map((e) => `${e.name}=${e.value}`), ["MODE=migration", "MIGRATION_ENABLED=true"]);
    assert.equal(after.job.options.deleteBeforeReplace, true);
    assert.equal((after.job.rawInputs as { spec: { ttlSecondsAfterFinished?: number } }).spec.ttlSecondsAfterFinished, undefined, "no TTL: Pulumi keeps tracking the Job");
  });
});

describe("DifyApp refuses bad args before creating anything", () => {
  const cases: [string, Partial<DifyAppArgs>, RegExp][] = [
    ["unknown service", { services: { apii: { replicas: 2 } } }, /args\.services\["apii"\]: got \{"replicas":2\}, allowed a service of api, worker/],
    ["replicas at the PDB minimum", { services: { api: { replicas: 2, minReplicas: 2, pdbMinAvailable: 2 } } }, /args\.services\["api"\]\.pdbMinAvailable: got 2, allowed 0 to 1, below the 2 replica\(s\)/],
    ["minReplicas above maxReplicas", { services: { web: { minReplicas: 5, maxReplicas: 4, replicas: 5 } } }, /args\.services\["web"\]\.minReplicas: got 5, allowed at most maxReplicas 4/],
    ["two beats", { services: { "worker-beat": { replicas: 2 } } }, /args\.services\["worker-beat"\]\.replicas: got 2, allowed only 1 \(worker-beat is a singleton/],
    ["domain with a scheme", { domain: "https://dify.example.com" }, /args\.domain: got "https:\/\/dify\.example\.com", allowed a DNS host name/],
    ["single-label domain", { domain: "localhost" }, /args\.domain: got "localhost", allowed a DNS host name/],
    ["unknown version", { difyVersion: "1.2.3" }, /args\.difyVersion: got "1\.2\.3", allowed one of 1\.16\.1/],
    ["bad quantity", { services: { api: { memoryLimit: "2GB" } } }, /args\.services\["api"\]\.memoryLimit: got "2GB", allowed a memory quantity/],
    ["memory as CPU", { services: { api: { cpuLimit: "1Gi" } } }, /args\.services\["api"\]\.cpuLimit: got "1Gi", allowed a CPU quantity such as "500m" or "2"/],
    ["request above limit", { services: { worker: { cpuRequest: "3", cpuLimit: "2" } } }, /args\.services\["worker"\]\.cpuRequest: got "3", allowed at most cpuLimit "2"/],
    ["request above the default limit", { services: { worker: { memoryRequest: "64Gi" } } }, /args\.services\["worker"\]\.memoryRequest: got "64Gi", allowed at most memoryLimit "[^"]+" \(DifyApp's default for this service; set memoryLimit too\)/],
    ["HPA knob on a fixed service", { services: { sandbox: { maxReplicas: 4 } } }, /args\.services\["sandbox"\]\.maxReplicas: got 4, allowed nothing: only autoscaled services/],
    ["credential in extraEnv", { extraEnv: { MAIL_PASSWORD: "x" } }, /args\.extraEnv\["MAIL_PASSWORD"\]: got "MAIL_PASSWORD", allowed a plain setting: this name looks like a credential/],
    ["bad CIDR", { dataCidrs: ["10.0.0.0/33"] }, /args\.dataCidrs\[0\]: got "10\.0\.0\.0\/33", allowed an IPv4 CIDR/],
    ["no data CIDRs", { dataCidrs: [] }, /args\.dataCidrs: got \[\], allowed at least 1 item/],
    ["unpinned image", { difyVersion: "x", extraVersions: { x: { ...NEXT_SET, web: "langgenius/dify-web:latest" } } }, /args\.extraVersions\["x"\]\.web: got "langgenius\/dify-web:latest", allowed an image pinned/],
    ["agent backend", { enableAgentBackend: true }, /args\.enableAgentBackend: got true, allowed false/],
    ["namespace not a DNS label", { namespace: "Dify_Prod" }, /args\.namespace: got "Dify_Prod", allowed a DNS-1123 label/],
  ];
  for (const [what, over, msg] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await runRefused(over);
      assert.match(r.message, /^DifyApp "dify": /);
      assert.match(r.message, msg);
      assert.equal(r.resources.length, 0, "nothing was registered");
    });
  }

  it("reports every problem at once", async () => {
    const r = await runRefused({ namespace: "Dify_Prod", domain: "localhost", services: { api: { cpuRequest: "1Gi", replicas: 0 } } });
    for (const path of ["args.namespace", "args.domain", 'args.services["api"].cpuRequest', 'args.services["api"].replicas']) {
      assert.ok(r.message.includes(`${path}: got `), `${path} in: ${r.message}`);
    }
    assert.equal(r.resources.length, 0);
  });

  it("accepts a dev profile: single replicas, no PDBs, queue groups", async () => {
    const rs = (await runApp({
      services: {
        api: { replicas: 1, cpuRequest: "250m", memoryRequest: "512Mi" },
        web: { replicas: 1 }, worker: { replicas: 1 }, sandbox: { replicas: 1 },
        "plugin-daemon": { replicas: 1 }, "ssrf-proxy": { replicas: 1 },
      },
      workerQueueGroups: [{ name: "datasets", queues: ["dataset", "priority_dataset"] }, { name: "rest", queues: ["workflow", "mail"] }],
    })).resources;
    assert.equal(rs.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget").length, 0);
    const workers = rs.filter((r) => r.type === DEPLOYMENT && /dify-worker-(datasets|rest)/.test((r.rawInputs as { metadata: { name: string } }).metadata.name));
    assert.equal(workers.length, 2);
    for (const w of workers) {
      const pod = (w.rawInputs as { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec;
      assert.equal(pod.serviceAccountName, "dify-worker", "queue groups share the IRSA-trusted worker identity");
    }
  });
});
