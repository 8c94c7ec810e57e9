/**
 * Consumer proof: the npm package as another team gets it. Builds and packs this repo
 * (`npm run build`, `npm pack`), unpacks the tarball into node_modules/dify-aws of a scratch
 * TypeScript Pulumi program outside the repo, type-checks examples/typescript/index.ts against
 * the packed declarations, then runs the compiled program under mocks.
 *
 * Offline by design (CI has the registry only during `npm ci`): the tarball is unpacked the way
 * npm installs it (package/ -> node_modules/dify-aws) and its dependencies are symlinks into this
 * repo's node_modules, after checking that the installed versions satisfy the ranges the packed
 * package.json declares and that every module the packed code requires is declared. A real
 * `npm install <tarball>` would need the registry (or a primed cache) for hundreds of packages.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { builtinModules } from "module";
import * as pulumi from "@pulumi/pulumi";
import { resolve, runUnderMocks, MockRun } from "../program/plan/monitor";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require("semver") as { satisfies(v: string, range: string): boolean };

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "typescript");
const EXISTING = path.join(ROOT, "examples", "existing-cluster");
const COMPONENTS = ["DifyCluster", "DifyDatabaseHA", "DifyStorage", "DifyApp", "DifyBackups"];

interface PackageJson { name: string; version: string; main: string; types: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; devDependencies?: Record<string, string>; engines?: Record<string, string> }

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]);
}

describe("component package: consumer install of the packed tarball", function () {
  this.timeout(120_000);
  let scratch: string;
  let installed: string;
  let files: string[];
  let pkg: PackageJson;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dify-aws-consumer-"));
    // The same build `npm pack` runs through `prepare`; packing with --ignore-scripts avoids a second one.
    run(process.execPath, [path.join(ROOT, "scripts", "build-package.js")], ROOT);
    const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], ROOT)) as { filename: string }[];
    const tarball = path.join(scratch, packed[0].filename);
    installed = path.join(scratch, "node_modules", "dify-aws");
    fs.mkdirSync(installed, { recursive: true });
    run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], scratch);
    files = listFiles(installed).sort();
    pkg = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as PackageJson;
  });

  after(() => {
    if (scratch && !process.env.KEEP_CONSUMER_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("contains the compiled components, their declarations and runtime assets, and nothing else", () => {
    const top = new Set(["package.json", "README.md", "LICENSE", "CHANGELOG.md"]);
    const stray = files.filter((f) => !top.has(f) && !f.startsWith("bin/components/"));
    assert.deepEqual(stray, [], "no tests, stack files, policy pack or sources in the tarball");
    assert.ok(files.includes(pkg.main) && files.includes(pkg.types), "main and types are in the tarball");
    assert.deepEqual(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), [], "no TypeScript sources");
    assert.deepEqual(files.filter((f) => f.startsWith("bin/components/config/")), [], "not this repo's stack config");
    assert.ok(files.includes("bin/components/testing/index.js") && files.includes("bin/components/testing/index.d.ts"), "dify-aws/testing ships");
    for (const sh of ["dump.sh", "fetch.sh", "lib.sh", "restore.sh", "upload.sh", "verify.sh"]) {
      const f = `bin/components/backups/scripts/${sh}`;
      assert.ok(files.includes(f), `${f} (DifyBackups reads it at run time)`);
    }
    assert.equal(pkg.name, "dify-aws");
  });

  it("declares every module its code requires (dependency or peer), and nothing is pinned to one patch of @pulumi/pulumi", () => {
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const undeclared = new Set<string>();
    for (const f of files.filter((x) => x.endsWith(".js"))) {
      for (const m of fs.readFileSync(path.join(installed, f), "utf8").matchAll(/require\("([^"]+)"\)/g)) {
        const spec = m[1];
        if (spec.startsWith(".") || builtins.has(spec)) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (!declared.has(name)) undeclared.add(`${name} (${f})`);
      }
    }
    assert.deepEqual([...undeclared], []);
    assert.ok(pkg.peerDependencies?.["@pulumi/pulumi"], "@pulumi/pulumi is a peer: one SDK copy in the consumer's program");
    assert.ok(semver.satisfies(pkg.devDependencies!["@pulumi/pulumi"], pkg.peerDependencies!["@pulumi/pulumi"]), "the peer range admits the SDK the tests run");
    assert.equal(pkg.engines?.node, ">=22", "@pulumi/pulumi ≥ 3.249 needs Node.js 22; the package says so");
  });

  it("installs into a fresh TypeScript project, type-checks the example against the packed declarations, and runs it under mocks", async () => {
    // Dependencies: symlinks to this repo's installed copies, each checked against the declared range.
    const wanted: Record<string, string> = {
      ...pkg.dependencies, ...pkg.peerDependencies,
      "@types/node": "*",
    };
    for (const [name, range] of Object.entries(wanted)) {
      const from = path.join(ROOT, "node_modules", name);
      const version = (JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")) as { version: string }).version;
      assert.ok(semver.satisfies(version, range), `${name}@${version} satisfies ${range}`);
      const to = path.join(scratch, "node_modules", name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.symlinkSync(from, to, "dir");
    }
    for (const f of ["index.ts", "tsconfig.json", "Pulumi.yaml"]) fs.copyFileSync(path.join(EXAMPLE, f), path.join(scratch, f));

    // Type-check and compile exactly as the consumer would (their tsconfig, this repo's TypeScript).
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    const r = spawnSync(process.execPath, [tsc, "-p", path.join(scratch, "tsconfig.json")], { cwd: scratch, encoding: "utf8" });
    assert.equal(r.status, 0, `tsc in the consumer project:\n${r.stdout}${r.stderr}`);
    const compiled = path.join(scratch, "bin", "index.js");
    assert.ok(fs.existsSync(compiled));

    const previous = pulumi.runtime.allConfig();
    pulumi.runtime.setAllConfig({
      "dify-example:domain": "dify.example.com",
      "dify-example:apiAccessCidrs": JSON.stringify(["203.0.113.0/24"]),
      "dify-example:production": "false",
      // A hosted zone: the certificate before DifyApp, the domain's record after it.
      "dify-example:hostedZoneId": "Z0EXAMPLE1234567890AB",
      "dify-example:hostedZoneName": "example.com",
      "aws:region": "us-east-1",
    });
    let result: MockRun<Record<string, pulumi.Output<unknown>>>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      result = await runUnderMocks(() => require(compiled) as Record<string, pulumi.Output<unknown>>, { project: "dify-example", stack: "dev" });
    } finally {
      pulumi.runtime.setAllConfig(previous);
    }

    // The components came from the installed package, not from this repo's sources.
    assert.ok(Object.keys(require.cache).some((k) => k.startsWith(fs.realpathSync(installed))), "dify-aws loaded from node_modules");
    assert.ok(!Object.keys(require.cache).some((k) => k.startsWith(path.join(ROOT, "bin"))), "not from the repo's own build");

    for (const c of COMPONENTS) {
      const rs = result.resources.filter((x) => x.type === `dify-aws:index:${c}`);
      assert.equal(rs.length, 1, `one ${c}`);
      assert.ok(result.resources.some((x) => x.parent === rs[0].urn), `${c} has children`);
    }
    const url = await resolve(result.value.url as pulumi.Output<string>);
    assert.equal(url.value, "https://dify.example.com", "DifyEdge's certificate reached DifyApp");
    // The domain's record comes after DifyApp, from its load balancer, under DifyDomainRecord.
    const record = result.resources.find((x) => x.type === "aws:route53/record:Record" && x.name === "dify-domain");
    assert.ok(record, "the example's DifyDomainRecord writes the domain's record");
    assert.equal(record.parent, "urn:pulumi:dev::dify-example::dify-aws:index:DifyDomainRecord::dify");
    assert.deepEqual(record.rawInputs.aliases, [{ name: "dify-dev-123456789.us-east-1.elb.amazonaws.com", zoneId: "Z35SXDOTRQ7X7K", evaluateTargetHealth: true }]);
    // So do the dashboard and the ALB alarms, under DifyLoadBalancerMonitoring, charting that ALB.
    const dashboard = result.resources.find((x) => x.type === "aws:cloudwatch/dashboard:Dashboard")!;
    assert.equal(dashboard.parent, "urn:pulumi:dev::dify-example::dify-aws:index:DifyLoadBalancerMonitoring::dify");
    assert.match(String(dashboard.rawInputs.dashboardBody), /"LoadBalancer","app\/dify-dev\//);
    // DifyObservability's collector reaches DifyApp (the example wires them): OTLP on, to its Service.
    const otlp = result.resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap")
      .map((x) => (x.rawInputs.data as Record<string, string> | undefined)?.OTLP_BASE_ENDPOINT).filter((v): v is string => v !== undefined);
    assert.ok(otlp.length > 0 && otlp.every((v) => /^http:\/\/[a-z0-9-]+\.dify-observability\.svc[.a-z]*:4318$/.test(v)), `OTLP endpoints ${otlp.join(", ")}`);
    // DifyEdge's web ACL reaches DifyApp's Ingress (the example wires them).
    const ingress = result.resources.find((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
    const acl = result.resources.find((x) => x.type === "aws:wafv2/webAcl:WebAcl" && `${x.parent}`.includes("dify-aws:index:DifyEdge"));
    assert.ok(acl, "the example's DifyEdge has a web ACL");
    assert.match((ingress.rawInputs.metadata as { annotations: Record<string, string> }).annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"], /^arn:aws:wafv2:/);
    assert.equal((await resolve(result.value.kubeconfig)).secret, true, "the kubeconfig stack output is secret");
    // The consumer's own Kubernetes provider reached the components' Kubernetes objects.
    // (DifyCluster's own provider for its add-ons is also named dify-k8s, but parented to the cluster.)
    const provider = result.resources.find((x) => x.urn === "urn:pulumi:dev::dify-example::pulumi:providers:kubernetes::dify-k8s");
    assert.ok(provider);
    const outsideCluster = (urn: string) => !urn.includes("dify-aws:index:DifyCluster");
    const k8sObjects = result.resources.filter((x) => x.type.startsWith("kubernetes:") && outsideCluster(x.urn));
    assert.ok(k8sObjects.length > 20);
    assert.deepEqual(k8sObjects.filter((x) => !`${x.provider}`.startsWith(`${provider!.urn}::`)).map((x) => `${x.type} ${x.name} ${x.provider} ${x.parent}`), [], "every app, bootstrap and backup object uses dify-k8s");
  });

  it("runs DifyApp alone on an existing cluster from the installed package: the example type-checks and its dify-aws/testing unit test passes under plain setMocks", () => {
    // A second consumer project next to the first one, sharing its node_modules (dify-aws and the SDKs).
    const project = path.join(scratch, "existing-cluster");
    fs.mkdirSync(project);
    fs.symlinkSync(path.join(scratch, "node_modules"), path.join(project, "node_modules"), "dir");
    for (const f of ["index.ts", "index.test.ts", "tsconfig.json", "Pulumi.yaml", "package.json"]) fs.copyFileSync(path.join(EXISTING, f), path.join(project, f));
    if (!fs.existsSync(path.join(scratch, "node_modules", "@types", "node"))) {
      fs.mkdirSync(path.join(scratch, "node_modules", "@types"), { recursive: true });
      fs.symlinkSync(path.join(ROOT, "node_modules", "@types", "node"), path.join(scratch, "node_modules", "@types", "node"), "dir");
    }
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    const c = spawnSync(process.execPath, [tsc, "-p", path.join(project, "tsconfig.json")], { cwd: project, encoding: "utf8" });
    assert.equal(c.status, 0, `tsc in the existing-cluster project (dify-aws/testing resolves with moduleResolution node):\n${c.stdout}${c.stderr}`);
    // The example's own `npm test` step, in a fresh process: Pulumi's runtime state is per process.
    const t = spawnSync(process.execPath, ["--test", path.join("bin", "index.test.js")], { cwd: project, encoding: "utf8" });
    assert.equal(t.status, 0, `node --test:\n${t.stdout}${t.stderr}`);
    assert.match(t.stdout, /\bpass 1\b/);
    assert.match(t.stdout, /\bfail 0\b/);
  });

  it("is what `pulumi package add` loads: the plugin host requires the package dir, i.e. package.json main", () => {
    // @pulumi/pulumi/cmd/run-plugin does require(<plugin dir>) and serves getPulumiComponents() of it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { getPulumiComponents } = require("@pulumi/pulumi/provider/experimental") as typeof import("@pulumi/pulumi/provider/experimental");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const names = getPulumiComponents(require(ROOT)).map((c) => c.name);
    for (const c of COMPONENTS) assert.ok(names.includes(c), `${c} served by the plugin host`);
  });
});
