/**
 * The multi-language component package (`pulumi package add <this repo>`), offline.
 *
 * What `pulumi package add` does with a Node.js source plugin: the language host runs
 * `@pulumi/pulumi/cmd/run-plugin <plugin dir>`, which requires package.json's `main`, collects the
 * exported ComponentResource classes (getPulumiComponents) and serves them with a
 * ComponentProvider whose dirname is the plugin dir and whose name is package.json's `name`. The
 * schema comes from the Analyzer, which type-checks `<dir>/tsconfig.json`. This spec does exactly
 * that from the repo root, then constructs every component through `ComponentProvider.construct`
 * with inputs shaped the way the engine delivers them for a Python/Go/YAML program (plain values,
 * with Outputs for other resources' outputs and secrets), and checks what the engine gets back.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { DependencyProviderResource } from "@pulumi/pulumi/resource";
import { resolve, runUnderMocks, MockRun, RecordedResource } from "../program/plan/monitor";

const ROOT = path.resolve(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PKG = require("../package.json") as { name: string; version: string };
/** The components the issue promises; the package may export more (each must then get construct inputs below). */
const COMPONENTS = ["DifyCluster", "DifyDatabaseHA", "DifyStorage", "DifyApp", "DifyBackups"];

interface SchemaProperty { type?: string; $ref?: string; description?: string; items?: SchemaProperty; additionalProperties?: SchemaProperty }
interface SchemaResource {
  isComponent?: boolean;
  description?: string;
  inputProperties?: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}
interface Schema {
  name: string;
  version: string;
  resources: Record<string, SchemaResource>;
  types: Record<string, { properties?: Record<string, SchemaProperty>; enum?: { value: string }[] }>;
}

/** What run-plugin collects from the package entry (package.json `main` is its build). */
function pluginComponents() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return getPulumiComponents(require(path.join(ROOT, "components")));
}

/** The provider the plugin host builds, from the same inputs. */
function pluginProvider(): ComponentProvider {
  return new ComponentProvider({ components: pluginComponents(), dirname: ROOT, name: PKG.name });
}

describe("component package: schema (what `pulumi package add` generates SDKs from)", function () {
  let provider: ComponentProvider;
  let schema: Schema;
  before(async function () {
    this.timeout(60_000);
    provider = pluginProvider();
    schema = JSON.parse(await provider.getSchema()) as Schema;
  });

  it("is the package named in package.json, at its version", () => {
    assert.equal(schema.name, "dify-aws");
    assert.equal(schema.version, PKG.version);
  });

  it("exposes every exported component, the five promised ones included, under dify-aws:index:<Class>", () => {
    const exported = pluginComponents().map((c) => `dify-aws:index:${c.name}`).sort();
    assert.deepEqual(Object.keys(schema.resources).sort(), exported);
    for (const c of COMPONENTS) assert.equal(schema.resources[`dify-aws:index:${c}`]?.isComponent, true, c);
  });

  it("documents every input and output of every component, and every field of the types they use", () => {
    const missing: string[] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
      for (const [kind, props] of [["input", r.inputProperties], ["output", r.properties]] as const) {
        for (const [n, p] of Object.entries(props ?? {})) if (!p.description?.trim()) missing.push(`${token} ${kind} ${n}`);
      }
    }
    for (const [token, t] of Object.entries(schema.types)) {
      for (const [n, p] of Object.entries(t.properties ?? {})) if (!p.description?.trim()) missing.push(`${token}.${n}`);
    }
    assert.deepEqual(missing, [], "a Python/Go/YAML user sees these without documentation");
    // {@link} renders as "[object Object]" in the schema (see components/contracts.ts history).
    assert.doesNotMatch(JSON.stringify(schema), /\[object Object\]/);
  });

  it("marks exactly the arguments without a default as required", () => {
    const required = (c: string) => [...(schema.resources[`dify-aws:index:${c}`].requiredInputs ?? [])].sort();
    assert.deepEqual(required("DifyCluster"), ["publicAccessCidrs"]);
    assert.deepEqual(required("DifyDatabaseHA"), ["subnetIds", "vpcId"]);
    assert.deepEqual(required("DifyStorage"), ["namespace", "oidcProvider"]);
    assert.deepEqual(required("DifyDatabaseBootstrap"), ["host", "masterPassword", "masterUsername"]);
    assert.deepEqual(required("DifyApp"), ["dataCidrs", "database", "domain", "ingressSourceCidrs", "redis", "storage", "vpcCidrs"]);
    // databaseArn (or the deprecated auroraClusterArn it replaces) is checked by the constructor: one of the two.
    assert.deepEqual(required("DifyBackups"), ["database", "oidcProvider", "restoreLogin"], "restoreLogin: Dify's own role cannot create the restore databases");
  });

  it("has the outputs other stacks wire together (kubeconfig, OIDC, connections, buckets, URL)", () => {
    const outputs = (c: string) => Object.keys(schema.resources[`dify-aws:index:${c}`].properties ?? {});
    const expect: Record<string, string[]> = {
      DifyCluster: ["kubeconfig", "clusterName", "vpcId", "privateSubnetIds", "nodeSecurityGroupId", "oidcProviderArn", "oidcIssuer"],
      DifyDatabaseHA: ["postgres", "redis", "endpoints", "clusterArn", "masterLogin", "restoreLogin", "restoreSecretArn"],
      DifyStorage: ["storage", "bucketName", "pluginBucketName", "roleArn", "pluginRoleArn"],
      DifyApp: ["url", "namespace", "difyVersion", "migrationJobName"],
      DifyBackups: ["bucketName", "vaultArn", "planId", "namespace"],
    };
    for (const [c, names] of Object.entries(expect)) {
      for (const n of names) assert.ok(outputs(c).includes(n), `${c}.${n} in the schema`);
    }
    // Typed objects, not opaque JSON: the connection handles reference shared schema types.
    assert.equal(schema.resources["dify-aws:index:DifyApp"].inputProperties?.database.$ref, "#/types/dify-aws:index:PostgresConnection");
    assert.deepEqual(Object.keys(schema.types["dify-aws:index:PostgresConnection"].properties ?? {}).sort(),
      ["database", "host", "password", "pluginDatabase", "port", "readerHost", "sslMode", "username"]);
    // Enums become real enums in every SDK.
    assert.deepEqual(schema.types["dify-aws:index:NodeArchitecture"].enum?.map((e) => e.value).sort(), ["arm64", "x86_64"]);
  });

  it("says that secrets are secrets (the schema cannot flag them: the descriptions must)", () => {
    // The TypeScript analyzer has no `secret` marker; the engine still receives these as secrets
    // (see the construct test below), and the SDK docs must tell the user.
    const d = (c: string, o: string) => schema.resources[`dify-aws:index:${c}`].properties?.[o].description ?? "";
    assert.match(d("DifyCluster", "kubeconfig"), /secret/i);
    assert.match(d("DifyDatabaseHA", "masterLogin"), /secret/i);
    assert.match(d("DifyDatabaseHA", "restoreLogin"), /secret/i);
  });

  it("accepts the YAML example as written: known types, known and required inputs, existing outputs", () => {
    const program = yaml.load(fs.readFileSync(path.join(ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8")) as {
      packages: Record<string, string>; resources: Record<string, { type: string; properties?: Record<string, unknown> }>; outputs: Record<string, string>;
    };
    assert.ok(program.packages["dify-aws"], "the package is declared");
    const problems: string[] = [];
    const typeOf = (ref: string | undefined) => (ref ? schema.types[ref.replace("#/types/", "")] : undefined);
    const used = new Set<string>();
    /** An object literal given for a typed input: only known fields, all required ones. */
    const checkObject = (where: string, value: unknown, ref: string | undefined) => {
      const t = typeOf(ref);
      if (!t || typeof value !== "object" || value === null || Array.isArray(value)) return;
      for (const k of Object.keys(value)) if (!t.properties?.[k]) problems.push(`${where}.${k}: no such field`);
      for (const k of (t as { required?: string[] }).required ?? []) if (!(k in value)) problems.push(`${where}.${k}: required`);
    };
    for (const [name, r] of Object.entries(program.resources)) {
      if (!r.type.startsWith("dify-aws:")) continue;
      const def = schema.resources[r.type];
      if (!def) { problems.push(`${name}: unknown type ${r.type}`); continue; }
      used.add(r.type);
      const props = r.properties ?? {};
      for (const [k, v] of Object.entries(props)) {
        const p = def.inputProperties?.[k];
        if (!p) problems.push(`${name}.${k}: not an input of ${r.type}`);
        else checkObject(`${name}.${k}`, v, p.$ref);
      }
      for (const k of def.requiredInputs ?? []) if (!(k in props)) problems.push(`${name}.${k}: required input missing`);
    }
    // Every ${resource.output[.field]} that reads a dify-aws resource names a real output (and field).
    const text = JSON.stringify(program);
    for (const m of text.matchAll(/\$\{([\w-]+)\.([\w.[\]]+)\}/g)) {
      const res = program.resources[m[1]];
      if (!res || !res.type.startsWith("dify-aws:")) continue;
      const [out, ...fields] = m[2].replace(/\[\d+\]/g, "").split(".");
      let p: SchemaProperty | undefined = schema.resources[res.type]?.properties?.[out];
      if (!p) { problems.push(`\${${m[1]}.${m[2]}}: no output ${out}`); continue; }
      for (const f of fields) {
        p = typeOf(p.$ref)?.properties?.[f];
        if (!p) { problems.push(`\${${m[1]}.${m[2]}}: no field ${f}`); break; }
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual([...used].sort(), COMPONENTS.map((c) => `dify-aws:index:${c}`).sort(), "the example composes all five");
  });

  describe("construct, as the engine calls it for a program in another language", () => {
    const K8S_REF = "urn:pulumi:dev::consumer::pulumi:providers:kubernetes::k8s::04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const OIDC = { arn: pulumi.output("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"), issuer: pulumi.output("oidc.eks.us-east-1.amazonaws.com/id/ABC") };
    const PG = () => ({
      host: pulumi.output("dify.cluster-abc.us-east-1.rds.amazonaws.com"), readerHost: pulumi.output("dify.cluster-ro-abc.us-east-1.rds.amazonaws.com"),
      port: 5432, database: "dify", pluginDatabase: "dify_plugin", username: "dify", password: pulumi.secret("generated-elsewhere"), sslMode: "require",
    });
    /** Inputs by component: plain values where the user wrote literals, Outputs where they passed another resource's output. */
    const INPUTS: Record<string, () => Record<string, unknown>> = {
      DifyCluster: () => ({ production: false, azCount: 2, nodeArchitecture: "arm64", publicAccessCidrs: ["203.0.113.0/24"] }),
      DifyDatabaseHA: () => ({ protect: false, vpcId: pulumi.output("vpc-0abc"), subnetIds: [pulumi.output("subnet-a"), pulumi.output("subnet-b")], availabilityZones: ["us-east-1a", "us-east-1b"], allowedSecurityGroupIds: [pulumi.output("sg-0nodes")] }),
      DifyDatabaseBootstrap: () => ({ host: "mydb.cluster-xyz.us-east-1.rds.amazonaws.com", masterUsername: "postgres", masterPassword: pulumi.secret("master-pw") }),
      DifyStorage: () => ({ namespace: "dify", oidcProvider: OIDC, protect: false, forceDestroy: true }),
      DifyApp: () => ({
        domain: "dify.example.com", database: PG(),
        redis: { host: pulumi.output("master.dify.abc.use1.cache.amazonaws.com"), port: 6379, password: pulumi.secret("redis-token"), useTls: true },
        storage: { bucketName: pulumi.output("dify-files"), pluginBucketName: pulumi.output("dify-plugins"), region: "us-east-1", roleArn: pulumi.output("arn:aws:iam::123456789012:role/dify-s3"), pluginRoleArn: pulumi.output("arn:aws:iam::123456789012:role/dify-s3-plugins") },
        vpcCidrs: ["10.40.0.0/16"], dataCidrs: ["10.40.0.0/16"], ingressSourceCidrs: ["0.0.0.0/0"],
      }),
      DifyBackups: () => ({
        database: PG(), restoreLogin: { username: "dify_admin", password: pulumi.secret("master-pw") },
        auroraClusterArn: pulumi.output("arn:aws:rds:us-east-1:123456789012:cluster:dify"), oidcProvider: OIDC, protect: false, forceDestroy: true,
      }),
      DifyObservability: () => ({
        clusterName: pulumi.output("dify-dev"), oidcProvider: OIDC, region: "us-east-1",
        databaseClusterIdentifier: pulumi.output("dify-dev-aurora"), redisReplicationGroupId: pulumi.output("dify-dev-redis"),
        kedaMetrics: { namespace: "kube-system", service: "keda-operator", podLabels: { app: "keda-operator" }, port: 8080 },
        alarmEmails: ["oncall@example.com"], protect: false, forceDestroy: true,
      }),
      DifyEdge: () => ({
        domain: "dify.example.com", hostedZone: { zoneId: "Z0EXAMPLE1234567890AB", zoneName: "example.com" }, loadBalancerName: "dify-dev",
        waf: { rateLimit: 2000, allowedCidrs: ["203.0.113.0/24"] },
      }),
      DifyDomainRecord: () => ({
        domain: "dify.example.com", hostedZone: { zoneId: "Z0EXAMPLE1234567890AB", zoneName: "example.com" }, loadBalancerName: "dify-dev",
        loadBalancerHostname: pulumi.output("dify-dev-123456789.us-east-1.elb.amazonaws.com"),
      }),
      DifyLoadBalancerMonitoring: () => ({
        observability: pulumi.output({
          region: "us-east-1", clusterName: "dify-dev", databaseClusterIdentifier: "dify-dev-aurora", databaseReaders: false, redisNodeIds: ["dify-dev-redis-001"],
          appNamespace: "dify", namespace: "dify-observability", deployments: ["dify-api"], queueDepth: false, backupMetricNamespace: "", tags: {},
        }),
        loadBalancerName: "dify-dev", loadBalancerHostname: pulumi.output("dify-dev-123456789.us-east-1.elb.amazonaws.com"),
        alarmActions: [pulumi.output("arn:aws:sns:us-east-1:123456789012:dify-alarms")], alarmThresholds: { alb5xxPercent: 2 },
      }),
    };
    /** Components exported by the package beyond the five the issue promises (constructed too). */
    const EXTRA = Object.keys(INPUTS).filter((c) => !COMPONENTS.includes(c) && pluginComponents().some((k) => k.name === c));
    const ALL = [...COMPONENTS, ...EXTRA];
    const needsKubernetes = new Set(["DifyDatabaseHA", "DifyDatabaseBootstrap", "DifyApp", "DifyBackups", "DifyObservability"]);
    const runs: Record<string, MockRun<Promise<pulumi.provider.ConstructResult>>> = {};

    before(async function () {
      this.timeout(60_000);
      for (const c of ALL) {
        runs[c] = await runUnderMocks(() => {
          // The engine hands providers over as references (server.ts createProviderResource).
          const providers: Record<string, pulumi.ProviderResource> = needsKubernetes.has(c) ? { kubernetes: new DependencyProviderResource(K8S_REF) } : {};
          return provider.construct("dev", `dify-aws:index:${c}`, INPUTS[c](), { providers });
        }, { stack: "dev", project: "consumer" });
      }
    });

    const childrenOf = (rs: RecordedResource[], urn: string): RecordedResource[] => {
      const direct = rs.filter((r) => r.parent === urn);
      return direct.flatMap((r) => [r, ...childrenOf(rs, r.urn)]);
    };

    for (const c of ALL) {
      it(`${c}: registers the component and its resources under it, and returns every schema output`, async () => {
        const run = runs[c];
        const result = await run.value;
        const self = run.resources.filter((r) => r.type === `dify-aws:index:${c}`);
        assert.equal(self.length, 1);
        assert.equal(await resolve(result.urn).then((u) => u.value), self[0].urn);
        const children = childrenOf(run.resources, self[0].urn);
        assert.ok(children.some((r) => r.custom), `${c} created cloud or cluster resources`);
        assert.equal(children.length + 1, run.resources.length, "nothing registered outside the component");
        if (needsKubernetes.has(c)) {
          const k8s = children.filter((r) => r.type.startsWith("kubernetes:"));
          assert.ok(k8s.length > 0);
          // None may fall back to the default provider (the ambient kubeconfig: possibly another cluster).
          assert.deepEqual(k8s.filter((r) => r.provider !== K8S_REF).map((r) => `${r.type} ${r.name}`), [], "every Kubernetes object uses the provider the caller passed");
        }
        const schema = JSON.parse(await provider.getSchema()) as Schema;
        assert.deepEqual(Object.keys(result.state).sort(), Object.keys(schema.resources[`dify-aws:index:${c}`].properties ?? {}).sort());
      });
    }

    it("DifyDatabaseHA finds the Kubernetes provider the engine passed and runs the bootstrap Job with it", () => {
      const jobs = runs.DifyDatabaseHA.resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
      assert.equal(jobs.length, 1, "the dify role and databases are created for other-language callers too");
      assert.equal(jobs[0].provider, K8S_REF);
    });

    it("returns the kubeconfig and the database credentials as secrets", async () => {
      const cluster = await runs.DifyCluster.value;
      const kubeconfig = await resolve(cluster.state.kubeconfig as pulumi.Output<string>);
      assert.equal(kubeconfig.secret, true);
      const data = await runs.DifyDatabaseHA.value;
      assert.equal((await resolve(data.state.postgres as pulumi.Output<unknown>)).secret, true);
      assert.equal((await resolve(data.state.masterLogin as pulumi.Output<unknown>)).secret, true);
    });

    it("keeps a secret input secret in what it creates (the app's Redis token never lands in clear)", () => {
      const leaked = runs.DifyApp.resources.filter((r) => JSON.stringify(r.inputs).includes("redis-token"));
      assert.deepEqual(leaked.map((r) => `${r.type} ${r.name}`), []);
      const holders = runs.DifyApp.resources.filter((r) => JSON.stringify(r.rawInputs).includes("redis-token"));
      assert.ok(holders.length > 0 && holders.every((r) => r.type === "kubernetes:core/v1:Secret"), "only Kubernetes Secrets hold it");
    });

    it("can construct every component the package exports (each has realistic inputs here)", () => {
      assert.deepEqual(pluginComponents().map((c) => c.name).filter((n) => !INPUTS[n]), []);
    });

    it("refuses an unknown type token and a token of another package", async () => {
      await assert.rejects(provider.construct("x", "dify-aws:index:DifyNothing", {}, {}), /Component class not found for 'DifyNothing'/);
      await assert.rejects(provider.construct("x", "other:index:DifyApp", {}, {}), /Invalid package name other, expected 'dify-aws'/);
    });
  });
});
