/**
 * The offline plan behaves like a command-line tool: --help, one table of exit codes (here, in
 * --help and in the README), bad input refused with exit 2 naming the key or the file, and a
 * summary a reviewer can read on one screen.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseStackConfig } from "../program/config";
import { AWS_REGIONS } from "../program/config/namespaces";
import { renderSummary } from "../program/plan/console";
import { PlanDocument, planStack } from "../program/plan/plan";
import { loadStackConfig, PROJECT_ROOT } from "../program/plan/stack";
import { EXIT_CODES, parseArgs } from "../program/plan/usage";

const cli = (...args: string[]) => spawnSync(process.execPath, ["scripts/plan.js", ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });

/** The problems parseStackConfig reports for the dev stack with `overrides`. */
function problems(overrides: Record<string, unknown>): string[] {
  try {
    parseStackConfig(loadStackConfig("dev", overrides));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("plan CLI", function () {
  this.timeout(60000);

  it("--help prints the usage and every exit code, and exits 0", () => {
    const r = cli("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: npm run plan -- --stack <name>/);
    for (const o of ["--diff <file>", "--diff-json <file>", "--json <file>", "--config <key=value>", "--verbose"]) assert.ok(r.stdout.includes(o), o);
    for (const e of EXIT_CODES) assert.ok(r.stdout.includes(`  ${e.code}  ${e.meaning}`), `exit code ${e.code}`);
  });

  it("README.md has one exit-code table, and it is the CLI's", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const tables = readme.split("\n").filter((l) => /^\| exit code \|/.test(l));
    assert.equal(tables.length, 1);
    const lines = readme.split("\n");
    const start = lines.findIndex((l) => /^\| exit code \|/.test(l)) + 2;
    const end = lines.findIndex((l, i) => i >= start && !l.startsWith("|"));
    const rows = lines.slice(start, end).map((l) => /^\| (\d) \| (.+) \|$/.exec(l)).map((m) => ({ code: Number(m?.[1]), meaning: (m?.[2] ?? "").replace(/`/g, "") }));
    assert.deepEqual(rows, EXIT_CODES.map((e) => ({ code: e.code, meaning: e.meaning.replace(/`/g, "") })));
  });

  it("bad arguments exit 2 with the usage", () => {
    const r = cli("--stack", "dev", "--bogus");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^unknown argument "--bogus"\n\nusage: npm run plan/);
    assert.throws(() => parseArgs(["--stack"]), /--stack needs a value/);
    assert.throws(() => parseArgs(["--json", "x.json"]), /missing --stack/);
    assert.throws(() => parseArgs(["--stack", "dev", "--diff-json", "x.json"]), /--diff-json needs --diff/);
    assert.throws(() => parseArgs(["--stack", "dev", "--config", "novalue"]), /--config takes key=value/);
    assert.deepEqual(parseArgs(["-s", "prod", "--diff=b.json", "-v", "-c", "dify:azCount=2"]), { stack: "prod", diff: "b.json", verbose: true, overrides: { "dify:azCount": "2" } });
  });

  it("refuses a near miss of a known namespace with a suggestion, exit 2 naming the key; other namespaces pass", () => {
    const r = cli("--stack", "dev", "--config", "difi:azCount=3", "--config", "aws:regoin=us-east-1");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^ {2}difi:azCount: unknown namespace "difi"; did you mean dify:azCount\?/m);
    assert.match(r.stderr, /^ {2}aws:regoin: not a key of the AWS provider; did you mean aws:region\?/m);
    assert.equal(r.stdout, "", "nothing was planned");
    assert.deepEqual(problems({ "Dify:azCount": 3 }), ['Dify:azCount: unknown namespace "Dify"; did you mean dify:azCount? (the value would be ignored)']);
    // Other providers, Pulumi's own keys, an organisation's keys and real AWS keys are none of the program's business.
    assert.deepEqual(problems({ "acme:costCenter": "42", "pulumi:template": "x", "tls:algorithm": "RSA", "gcp:project": "p", "aws:profile": "ops", "aws:skipMetadataApiCheck": "false" }), []);
  });

  it("checks aws:region and dify:backupCopyRegion against the regions the AWS provider knows", () => {
    assert.ok(AWS_REGIONS.includes("us-east-1") && AWS_REGIONS.includes("ap-southeast-7") && AWS_REGIONS.length > 30, "from @pulumi/aws's Region enum");
    assert.deepEqual(problems({ "aws:region": "us-east-7" }), ['aws:region: got "us-east-7", allowed a region the AWS provider knows, such as us-east-1 or eu-west-1 (did you mean us-east-1?)']);
    assert.deepEqual(problems({ "dify:backupCopyRegion": "eu-wset-1" }), ['dify:backupCopyRegion: got "eu-wset-1", allowed a region the AWS provider knows, such as us-east-1 or eu-west-1 (did you mean eu-west-1?)']);
    // Shaped like a region but unknown to the provider: the old pattern check let it through.
    assert.equal(problems({ "aws:region": "xx-north-9" }).length, 1);
    assert.deepEqual(problems({ "aws:region": "ap-southeast-7", "dify:backupCopyRegion": "eu-central-2" }), []);
  });

  it("a stack file that is not valid YAML is refused naming the file and line (exit 2 through the same path as bad config)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-yaml-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    fs.writeFileSync(path.join(root, "Pulumi.bad.yaml"), "config:\n  dify:profile: dev\n   dify:domain: x.example.com\n");
    assert.throws(() => loadStackConfig("bad", {}, root), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.problems[0], /Pulumi\.bad\.yaml:3:\d+: not valid YAML: /);
      return true;
    });
  });

  it("the CLI exits 2 for a stack file that is not valid YAML, naming the file and line, and plans nothing", () => {
    // The real CLI with the dev stack file read as broken YAML (the repository's file is untouched).
    const script = `const fs = require("fs"); const read = fs.readFileSync;
      fs.readFileSync = (p, ...a) => String(p).endsWith("Pulumi.dev.yaml") ? "config:\\n  dify:profile: dev\\n   dify:domain: x.example.com\\n" : read(p, ...a);
      process.argv = [process.execPath, "plan.js", "--stack", "dev"]; require("./scripts/plan.js");`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^Stack "dev" has invalid config; nothing was planned:\n {2}Pulumi\.dev\.yaml:3:\d+: not valid YAML: /);
    assert.equal(r.stdout, "");
  });

  it("prod: the summary comes before the detail and fits 40 lines of 120 columns; it counts components, not the provider", async () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-")), "prod.json");
    const r = cli("--stack", "prod", "--json", json);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const end = lines.indexOf("");
    assert.ok(end > 0 && end <= 40, `summary is ${end} lines`);
    for (const l of lines.slice(0, end)) assert.ok([...l].length <= 120, `too wide (${[...l].length}): ${l}`);
    assert.match(lines[0], /^Plan for stack "prod" \(profile prod, us-east-1\): \d+ resources in \d components \(\+ 1 provider\)$/);
    const components = (JSON.parse(fs.readFileSync(json, "utf8")) as PlanDocument).resources.filter((r) => !r.custom && !r.parent && r.type.startsWith("dify-aws:")).length;
    assert.match(lines[0], new RegExp(` ${components} components `), "the Kubernetes provider is not a component");
    const summary = lines.slice(0, end).join("\n");
    assert.match(summary, /EKS 1\.35/);
    assert.match(summary, /node groups: app 3× m7g\.large on-demand \(3–9\), one group per AZ/);
    assert.match(summary, /Aurora PostgreSQL 16: writer \+ 1 reader, Serverless v2 0\.5–8 ACU/);
    // The program's capacity and cost (program/capacity) reach the summary.
    assert.match(summary, /^Capacity {2}300 → 1,000 concurrent api requests; 32 → 160 background tasks/m);
    assert.match(summary, /^Cost {6}\$\d{3}\/month at the idle floor/m);
    assert.match(summary, /Dify 1\.16\.1 at https:\/\/dify\.example\.com; images: langgenius\/dify-api:1\.16\.1/);
    // Each exception once, short; the full reason only with --verbose (and in the JSON).
    assert.equal(summary.match(/k8s-run-as-non-root/g)?.length, 1);
    assert.ok(!summary.includes("CAP_SYS_CHROOT"), "the sandbox's long reason is not printed");
    assert.match(lines.slice(end).join("\n"), /^Resources by component and type:/m);
    assert.match(r.stdout, /^ {2}databaseEndpoint: <known after deploy>$/m);
    assert.match(r.stdout, /^ {2}url: https:\/\/dify\.example\.com$/m);
  });

  it("renders capacity and monthly cost when the plan document carries them (and nothing when it does not)", async () => {
    const p = await planStack("dev");
    const ctx = { profile: "dev", region: "us-east-1", difyVersion: "1.16.1", verbose: false };
    const bare = { ...p.document, capacity: undefined, cost: undefined };
    assert.ok(!renderSummary(bare, ctx).some((l) => /^(Capacity|Cost) /.test(l)));
    assert.ok(renderSummary(p.document, { ...ctx, verbose: true }).join("\n").includes("CAP_SYS_CHROOT"), "--verbose prints the full reason");
    const doc = {
      ...p.document,
      capacity: { apiConcurrentRequests: { perPod: 80, floor: 240, ceiling: 1040 }, backgroundTasks: { perPod: 16, floor: 32, ceiling: 160 }, limits: [{ limit: "Aurora max_connections", ok: true }] },
      cost: { asOf: "2026-11", region: "us-east-1", hoursPerMonth: 730, floorMonthly: 861.4, ceilingMonthly: 1994.2, lines: [{ category: "nodes", floor: 400 }, { category: "Aurora PostgreSQL", floor: 300 }] },
    };
    const text = renderSummary(doc, ctx).join("\n");
    assert.match(text, /^Capacity {2}240 → 1,040 concurrent api requests; 32 → 160 background tasks; all 1 limits hold at the ceiling$/m);
    assert.match(text, /^Cost {6}\$861\/month at the idle floor, \$1,994 at the autoscaling ceiling \(us-east-1 list prices, as of 2026-11, 730 h\);\s+nodes \$400,/m);
  });
});
