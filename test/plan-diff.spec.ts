/**
 * `npm run plan -- --diff base.json`: what a reviewer sees of a change. Each case plans prod twice
 * (as saved on the base branch, and with the change) and checks that exactly the resources the
 * change touches are listed, with their paths and values, and what pulumi up will and will not do.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderDiff } from "../program/plan/console";
import { diffPlans, DiffDocument, parsePattern, PlanDiff } from "../program/plan/diff";
import { PlanDocument, planStack } from "../program/plan/plan";
import { REPLACE_RULES, replaceRuleFor } from "../program/plan/replacements";
import { PROJECT_ROOT } from "../program/plan/stack";

let base: PlanDocument;
async function prod(): Promise<PlanDocument> {
  base ??= (await planStack("prod")).document;
  return base;
}
async function diffWith(overrides: Record<string, unknown>, from?: Record<string, unknown>): Promise<PlanDiff> {
  const b = from ? (await planStack("prod", { overrides: from })).document : await prod();
  return diffPlans(b, (await planStack("prod", { overrides })).document);
}
const names = (d: PlanDiff) => d.changed.map((c) => `${c.type} ${c.name}`).sort();
const console_ = (d: PlanDiff, doc: PlanDocument) => renderDiff(d, new Set(doc.knownAfterDeploy), "base.json").join("\n");

describe("plan --diff", function () {
  this.timeout(120000);

  it("a replicas change: only the api's Deployment and its autoscaler; spec.replicas is marked as not applied (ignoreChanges)", async () => {
    const d = await diffWith({ "dify:services": JSON.stringify({ api: { replicas: 5 } }) });
    assert.deepEqual(d.added, []);
    assert.deepEqual(d.removed, []);
    for (const c of d.changed) assert.match(c.name, /^dify-api$/, `${c.type} ${c.name} changed too`);
    const dep = d.changed.find((c) => c.type === "kubernetes:apps/v1:Deployment");
    assert.ok(dep, "the Deployment is listed");
    assert.deepEqual(dep.changes, [{ path: "spec.replicas", old: 3, new: 5, ignoredBy: "spec.replicas" }]);
    assert.equal(dep.action, "ignored", "pulumi up leaves the running replica count to the autoscaler");
    const scaler = d.changed.find((c) => c !== dep);
    assert.ok(scaler, "the autoscaler's floor follows the new count");
    assert.equal(scaler.action, "update");
    const text = console_(d, await prod());
    assert.match(text, /spec\.replicas: 3 → 5 {2}\[not applied: ignoreChanges spec\.replicas\]/);
  });

  it("a retention change: only the Aurora cluster, backupRetentionPeriod 30 → 14, updated in place", async () => {
    const d = await diffWith({ "dify:dbBackupRetentionDays": 14 });
    assert.deepEqual(names(d), ["aws:rds/cluster:Cluster dify-pg"]);
    assert.deepEqual(d.changed[0].changes, [{ path: "backupRetentionPeriod", old: 30, new: 14 }]);
    assert.equal(d.changed[0].action, "update");
    assert.deepEqual([d.added, d.removed, d.outputs], [[], [], []]);
    assert.match(console_(d, await prod()), /~ aws:rds\/cluster:Cluster dify-pg {2}\(DifyDatabaseHA dify\)\n {6}backupRetentionPeriod: 30 → 14$/m);
  });

  it("a Dify version bump (base saved before it): new images and a new migration Job, the old one deleted, nothing replaced", async () => {
    const head = await prod();
    // The base branch's plan, as it would have been saved with Dify 1.16.0.
    const older = JSON.parse(JSON.stringify(head).split("1.16.1").join("1.16.0").split("1-16-1").join("1-16-0")) as DiffDocument;
    const d = diffPlans(older, head);
    // Each version gets its pre-migration dump (DifyBackups) and its migration Job, which waits for it.
    assert.deepEqual(d.added.map((r) => `${r.type} ${r.name}`).sort(), ["kubernetes:batch/v1:Job dify-backup-pre-migrate-1-16-1", "kubernetes:batch/v1:Job dify-migrate-1-16-1"]);
    assert.deepEqual(d.removed.map((r) => `${r.type} ${r.name}`).sort(), ["kubernetes:batch/v1:Job dify-backup-pre-migrate-1-16-0", "kubernetes:batch/v1:Job dify-migrate-1-16-0"]);
    const api = d.changed.find((c) => c.type === "kubernetes:apps/v1:Deployment" && c.name === "dify-api")!;
    assert.deepEqual(api.changes.find((c) => c.path.endsWith(".image")), {
      path: "spec.template.spec.containers[api].image", old: "langgenius/dify-api:1.16.0", new: "langgenius/dify-api:1.16.1",
    });
    assert.equal(api.action, "update", "a new image rolls the Deployment, it does not replace it");
    assert.deepEqual(d.changed.filter((c) => c.action === "replace"), []);
    assert.deepEqual(d.outputs.find((o) => o.path === "difyVersion"), { path: "difyVersion", old: "1.16.0", new: "1.16.1" });
    const text = console_(d, head);
    assert.match(text, /^ {2}\+ kubernetes:batch\/v1:Job dify-migrate-1-16-1/m);
    assert.match(text, /^ {2}- kubernetes:batch\/v1:Job dify-migrate-1-16-0/m);
    assert.ok(text.split("\n").length < 70, "identical label changes are listed once per type");
  });

  it("a new VPC CIDR replaces the VPC and its subnets (forceNew cidrBlock), and says so", async () => {
    const d = await diffWith({ "dify:vpcCidr": "10.50.0.0/16" });
    const vpc = d.changed.find((c) => c.type === "aws:ec2/vpc:Vpc")!;
    assert.equal(vpc.action, "replace");
    assert.deepEqual(vpc.changes, [{ path: "cidrBlock", old: "10.40.0.0/16", new: "10.50.0.0/16", replaces: true }]);
    const subnets = d.changed.filter((c) => c.type === "aws:ec2/subnet:Subnet");
    assert.equal(subnets.length, 9);
    for (const s of subnets) assert.equal(s.action, "replace");
    assert.match(console_(d, await prod()), /\+-aws:ec2\/vpc:Vpc dify-vpc .*\n {6}cidrBlock: 10\.40\.0\.0\/16 → 10\.50\.0\.0\/16 {2}\[forces replacement\]/);
  });

  it("keeps secrets masked: a new mail password changes nothing visible and never appears in the diff", async () => {
    const mail = { "dify:mailType": "smtp", "dify:mailFrom": "Dify <no-reply@example.com>", "dify:smtpServer": "email-smtp.us-east-1.amazonaws.com" };
    const d = await diffWith({ ...mail, "dify:mailSecret": "new-password-456" }, { ...mail, "dify:mailSecret": "old-password-123" });
    const json = JSON.stringify(d);
    assert.ok(!json.includes("new-password-456") && !json.includes("old-password-123"));
    assert.deepEqual(d.changed, [], "the Secret's stringData is [secret] on both sides");
  });

  it("shows values that exist only after deploy as <known after deploy> in the console, real values in the JSON", async () => {
    const d = await diffWith({ "dify:existingVpcId": "vpc-0123456789abcdef0", "dify:existingPrivateSubnetIds": JSON.stringify(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]), "dify:existingPublicSubnetIds": JSON.stringify(["subnet-0123456789abcdef3", "subnet-0123456789abcdef4", "subnet-0123456789abcdef5"]) });
    const rds = d.changed.find((c) => c.type === "aws:rds/subnetGroup:SubnetGroup")!;
    const ids = rds.changes.find((c) => c.path.startsWith("subnetIds"))!;
    assert.equal(ids.old, "dify-private-0-id", "the JSON keeps the mocks' id");
    assert.match(console_(d, await prod()), /subnetIds\[0\]: <known after deploy> → subnet-0123456789abcdef0/);
  });

  it("the CLI: --diff prints the changes after the plan, --diff-json writes them, the exit code is the plan's; a bad base file exits 2 naming it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
    const baseFile = path.join(dir, "base.json");
    const run = (...args: string[]) => spawnSync(process.execPath, ["scripts/plan.js", "--stack", "prod", ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
    // What --json writes (test/plan.spec.ts checks the CLI writes exactly the in-process document).
    fs.writeFileSync(baseFile, JSON.stringify(await prod(), null, 2));
    const out = path.join(dir, "diff.json");
    const r = run("--diff", baseFile, "--diff-json", out, "--config", "dify:dbBackupRetentionDays=14");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Diff against .*base\.json \(stack "prod"\): 0 to create, 1 to update, 0 to replace, 0 to delete\n.*aws:rds\/cluster:Cluster dify-pg/);
    assert.deepEqual((JSON.parse(fs.readFileSync(out, "utf8")) as PlanDiff).changed.map((c) => c.name), ["dify-pg"]);
    const missing = run("--diff", path.join(dir, "nope.json"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--diff .*nope\.json: no such file/);
    fs.writeFileSync(path.join(dir, "other.json"), JSON.stringify({ hello: "world" }));
    const other = run("--diff", path.join(dir, "other.json"));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /other\.json: not a plan document/);
  });
});

describe("plan --diff: paths and the replace table", () => {
  it("parses Pulumi property paths (dots, indices, quoted keys, wildcards)", () => {
    assert.deepEqual(parsePattern("spec.replicas"), ["spec", "replicas"]);
    assert.deepEqual(parsePattern('metadata.annotations["pulumi.com/skipAwait"]'), ["metadata", "annotations", "pulumi.com/skipAwait"]);
    assert.deepEqual(parsePattern("spec.template.spec.containers[0].image"), ["spec", "template", "spec", "containers", "*", "image"]);
    assert.deepEqual(parsePattern("rules[*].expiration"), ["rules", "*", "expiration"]);
  });

  it("a change under an ignoreChanges wildcard is not applied; a change beside it is", () => {
    const r = (inputs: Record<string, unknown>, ignoreChanges: string[] = []) => ({
      stack: "t", outputs: {},
      resources: [{ urn: "u", type: "aws:eks/nodeGroup:NodeGroup", name: "n", parent: null, custom: true, inputs, options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges } }],
    });
    const d = diffPlans(r({ scalingConfig: { desiredSize: 1, maxSize: 3 } }), r({ scalingConfig: { desiredSize: 2, maxSize: 4 } }, ["scalingConfig.desiredSize"]));
    assert.deepEqual(d.changed[0].changes, [
      { path: "scalingConfig.desiredSize", old: 1, new: 2, ignoredBy: "scalingConfig.desiredSize" },
      { path: "scalingConfig.maxSize", old: 3, new: 4 },
    ]);
    assert.equal(d.changed[0].action, "update");
    const types = diffPlans(r({ instanceTypes: ["m7g.large"] }), r({ instanceTypes: ["m7g.xlarge"] }));
    assert.deepEqual(types.changed[0].changes, [{ path: "instanceTypes[0]", old: "m7g.large", new: "m7g.xlarge", replaces: true }]);
    assert.equal(types.changed[0].action, "replace", "a node group's instance types are forceNew");
  });

  it("names only inputs the installed provider SDKs declare (a typo in the table would silently never match)", () => {
    const dts = (type: string): { file: string; iface: string } => {
      const [pkg, mod, cls] = type.split(":");
      const resource = mod.split("/").pop()!;
      if (pkg === "kubernetes") {
        const [group, version] = mod.split("/");
        const dir = group === "core" ? "core" : group.split(".")[0];
        return { file: path.join("kubernetes", dir, version, `${cls.charAt(0).toLowerCase()}${cls.slice(1)}.d.ts`), iface: `${cls}Args` };
      }
      if (pkg === "eks") return { file: path.join("eks", "cluster.d.ts"), iface: "ClusterArgs" };
      if (pkg === "random") return { file: path.join("random", `${resource}.d.ts`), iface: `${cls}Args` };
      return { file: path.join("aws", mod.split("/")[0], `${resource}.d.ts`), iface: `${cls}Args` };
    };
    for (const type of Object.keys(REPLACE_RULES)) {
      const { file, iface } = dts(type);
      const text = fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", file), "utf8");
      const body = new RegExp(`export interface ${iface} \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1];
      assert.ok(body, `${type}: no ${iface} in ${file}`);
      const declared = new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
      for (const p of replaceRuleFor(type)!.paths) {
        const top = parsePattern(p)[0];
        assert.ok(declared.has(top), `${type}: "${p}" is not an input (${[...declared].join(", ")})`);
      }
    }
  });

  it("the stack's Kubernetes providers keep ConfigMaps and Secrets immutable, as the replace table assumes", async () => {
    for (const p of (await prod()).resources.filter((r) => r.type === "pulumi:providers:kubernetes")) {
      assert.equal(p.inputs.enableConfigMapMutable, undefined, p.urn);
      assert.equal(p.inputs.enableSecretMutable, undefined, p.urn);
    }
  });
});
