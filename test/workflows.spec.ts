// The delivery pipelines (.github/workflows) and the scripts they run (.github/scripts).
// Workflows are checked as data (triggers, jobs, permissions, pins, per-stack policy config);
// the scripts are executed for real against fakes (a local HTTP server, fake pulumi/kubectl/curl).
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..");
const WF_DIR = path.join(ROOT, ".github", "workflows");
const SCRIPTS = path.join(ROOT, ".github", "scripts");

/** Third-party actions and the commit each tag was verified to point at (read from the action repos' tags). */
const VERIFIED_PINS: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  "actions/setup-node": { sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
  "pulumi/actions": { sha: "8e5e406f4007fca908480587cb9893c07090f58d", version: "v7.0.0" },
  "aws-actions/configure-aws-credentials": { sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c", version: "v6.2.3" },
  // Tags read from the action repositories (git rev-parse v7.0.0^{commit}, v8.0.1^{commit}).
  "actions/upload-artifact": { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", version: "v7.0.0" },
  "actions/download-artifact": { sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", version: "v8.0.1" },
};

type Dict = Record<string, unknown>;
interface Step { uses?: string; run?: string; with?: Dict; env?: Dict; id?: string; name?: string; if?: string }
interface Job {
  uses?: string; needs?: string | string[]; if?: string; environment?: string | { name: string; url?: string };
  permissions?: Dict; env?: Dict; steps?: Step[]; strategy?: { matrix?: { stack?: string[] } }; outputs?: Dict;
}
interface Workflow { name: string; on: Dict; permissions?: Dict; concurrency?: { group: string; "cancel-in-progress": boolean }; jobs: Record<string, Job> }

const files = fs.readdirSync(WF_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const raw = (f: string) => fs.readFileSync(path.join(WF_DIR, f), "utf8");
const load = (f: string) => yaml.load(raw(f)) as Workflow;
/** Stacks of this project: one Pulumi.<stack>.yaml each at the repo root. */
const STACKS = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

const needsOf = (j: Job) => (j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs]);
const envName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
const steps = (j: Job) => j.steps ?? [];
const isAction = (s: Step, name: string) => (s.uses ?? "").startsWith(`${name}@`);
const pulumiSteps = (j: Job) => steps(j).filter((s) => isAction(s, "pulumi/actions"));
const allJobs = () => files.flatMap((f) => Object.entries(load(f).jobs).map(([id, job]) => ({ file: f, id, job, wf: load(f) })));
/** Steps a job runs, following a local reusable workflow (`uses: ./.github/workflows/x.yml`). */
function runSteps(j: Job): Step[] {
  if (j.uses?.startsWith("./.github/workflows/")) {
    const called = load(path.basename(j.uses));
    return Object.values(called.jobs).flatMap(runSteps);
  }
  return steps(j);
}
/** Effective permission of a job (job-level replaces the workflow-level block entirely). */
const perm = (wf: Workflow, j: Job, scope: string) => (j.permissions ?? wf.permissions ?? {})[scope];
/** The stack(s) a job operates on: the matrix values, or its literal env.STACK. */
function stacksOf(j: Job): string[] {
  const m = j.strategy?.matrix?.stack;
  if (m) return m;
  const s = j.env?.STACK;
  return typeof s === "string" && !s.includes("${{") ? [s] : [];
}
/** Substitutes `${{ matrix.stack }}` / `${{ env.STACK }}` as GitHub would for one matrix leg. */
const subst = (v: unknown, stack: string) =>
  String(v).replace(/\$\{\{\s*(matrix\.stack|env\.STACK)\s*\}\}/g, stack);

describe("delivery workflows", () => {
  it("has the four pipelines plus the shared test workflow, and every file parses", () => {
    for (const f of ["pr.yml", "pr-comment.yml", "deploy-dev.yml", "release-prod.yml", "drift.yml", "test.yml"]) assert.ok(files.includes(f), `${f} missing`);
    for (const f of files) {
      const wf = load(f);
      assert.ok(wf && typeof wf === "object" && wf.on && wf.jobs, `${f}: not a workflow`);
    }
  });

  it("pins every third-party action to its verified 40-hex commit, with the version in a trailing comment", () => {
    let count = 0;
    for (const f of files) {
      for (const line of raw(f).split("\n")) {
        const m = /^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        const ref = m[1];
        if (ref.startsWith("./")) continue; // local reusable workflow or action
        count++;
        const pin = /^([^@]+)@([0-9a-f]{40})$/.exec(ref);
        assert.ok(pin, `${f}: ${ref} is not pinned to a full commit SHA`);
        const known = VERIFIED_PINS[pin[1]];
        assert.ok(known, `${f}: ${pin[1]} has no verified SHA in this spec; verify its tag and add it`);
        assert.equal(pin[2], known.sha, `${f}: ${pin[1]} SHA differs from the verified ${known.version}`);
        assert.match(m[2], new RegExp(`^\\s+#\\s*${known.version.replace(/\./g, "\\.")}\\s*$`), `${f}: ${ref} needs "# ${known.version}"`);
      }
    }
    assert.ok(count > 10, "expected pinned actions");
  });

  it("uses no long-lived AWS keys anywhere; every AWS login is OIDC to a role from a variable", () => {
    for (const f of files) {
      assert.doesNotMatch(raw(f), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key|AWS_SESSION_TOKEN/i, f);
    }
    let logins = 0;
    for (const { file, id, job, wf } of allJobs()) {
      for (const s of steps(job).filter((s) => isAction(s, "aws-actions/configure-aws-credentials"))) {
        logins++;
        assert.equal(perm(wf, job, "id-token"), "write", `${file} ${id}: configures AWS credentials without id-token: write`);
        assert.match(String(s.with?.["role-to-assume"]), /^\$\{\{.*vars\.AWS_[A-Z_]*ROLE_ARN/, `${file} ${id}: role-to-assume must come from a variable`);
      }
    }
    assert.ok(logins >= 5);
  });

  it("keeps workflow-level permissions read-only; writes are granted per job", () => {
    for (const f of files) {
      const p = load(f).permissions;
      assert.ok(p, `${f}: no workflow-level permissions (the default token may be read-write)`);
      for (const [scope, level] of Object.entries(p)) assert.notEqual(level, "write", `${f}: ${scope}: write at workflow level`);
    }
    for (const { file, id, job, wf } of allJobs()) {
      if (perm(wf, job, "pull-requests") === "write") {
        const comments = pulumiSteps(job).some((s) => s.with?.["comment-on-pr"] === true) || steps(job).some((s) => s.run?.includes("post-preview-comment.sh"));
        assert.ok(comments, `${file} ${id}: pull-requests: write without commenting`);
      }
      if (perm(wf, job, "id-token") === "write") {
        assert.ok(steps(job).some((s) => isAction(s, "aws-actions/configure-aws-credentials")), `${file} ${id}: id-token: write but no AWS login`);
      }
    }
  });

  it("never interpolates ${{ }} into a shell script (inputs reach scripts through env)", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of steps(job)) if (s.run) assert.doesNotMatch(s.run, /\$\{\{/, `${file} ${id}: expression inside run:`);
    }
  });

  it("runs the policy pack with policy/config/<stack>.json for exactly the stacks that exist", () => {
    assert.deepEqual(STACKS, ["dev", "prod"]);
    let checked = 0;
    for (const { file, id, job } of allJobs()) {
      for (const s of pulumiSteps(job)) {
        if (s.with?.policyPacks === undefined) continue;
        assert.equal(s.with.policyPacks, "policy", `${file} ${id}`);
        const stacks = stacksOf(job);
        assert.ok(stacks.length > 0, `${file} ${id}: cannot tell which stack this job runs`);
        for (const st of stacks) {
          assert.ok(STACKS.includes(st), `${file} ${id}: stack ${st} has no Pulumi.${st}.yaml`);
          assert.equal(subst(s.with.policyPackConfigs, st), `policy/config/${st}.json`, `${file} ${id} (${st})`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 5, `only ${checked} policy-pack runs found`);
  });

  it("names the same stack in stack-name as in the policy config of each job", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of pulumiSteps(job)) {
        assert.equal(s.with?.["stack-name"], "${{ env.STACK_NAME }}", `${file} ${id}`);
        const name = String(job.env?.STACK_NAME);
        for (const st of stacksOf(job)) {
          const refersToStack = job.strategy?.matrix ? /matrix\.stack/.test(name) : name.includes(`'${st}'`) && name.includes(`/${st}'`);
          assert.ok(refersToStack, `${file} ${id}: STACK_NAME ${name} does not resolve to ${st}`);
        }
      }
    }
  });

  it("only deploys (pulumi up) from main or a release tag, inside a GitHub environment named like the stack, never cancelled half-way", () => {
    for (const { file, id, job, wf } of allJobs()) {
      for (const s of pulumiSteps(job).filter((s) => s.with?.command === "up")) {
        assert.ok(!("pull_request" in wf.on) && !("pull_request_target" in wf.on), `${file}: up reachable from a pull request`);
        assert.deepEqual(stacksOf(job).map((st) => st), [envName(job)], `${file} ${id}: environment must match the stack`);
        assert.equal(wf.concurrency?.["cancel-in-progress"], false, `${file}: a deploy must never be cancelled in progress`);
        assert.ok(String(job.env?.PULUMI_ACCESS_TOKEN).includes("secrets.PULUMI_ACCESS_TOKEN"), `${file} ${id}`);
        assert.equal(s.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}", `${file} ${id}`);
      }
    }
  });

  it("pr.yml: tests, then previews dev and prod with the policy pack and comments on the PR; superseded runs are cancelled", () => {
    const wf = load("pr.yml");
    assert.ok("pull_request" in wf.on);
    assert.match(String(wf.concurrency?.group), /github\.event\.pull_request\.number/);
    assert.equal(wf.concurrency?.["cancel-in-progress"], true);
    const testRuns = runSteps(wf.jobs.test).map((s) => s.run ?? "");
    for (const cmd of ["npm ci", "npm test", "npm run plan -- --stack dev", "npm run plan -- --stack prod"]) {
      assert.ok(testRuns.some((r) => r.startsWith(cmd)), `test job lacks ${cmd}`);
    }
    const node = runSteps(wf.jobs.test).find((s) => isAction(s, "actions/setup-node"));
    assert.equal(node?.with?.["node-version"], 24);
    assert.equal(node?.with?.cache, "npm");
    const pv = wf.jobs.preview;
    assert.deepEqual(needsOf(pv), ["test"]);
    assert.deepEqual(pv.strategy?.matrix?.stack, STACKS);
    const [step] = pulumiSteps(pv);
    assert.equal(step.with?.command, "preview");
    assert.equal(step.with?.["comment-on-pr"], true);
    assert.equal(step.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
    assert.equal(step.with?.refresh, true);
    assert.equal(perm(wf, pv, "pull-requests"), "write");
    assert.match(String(pv.if), /head\.repo\.full_name == github\.repository/, "fork PRs must not reach the AWS login");
    assert.equal(envName(pv), undefined, "a protected environment here would demand an approval per PR");
  });

  it("deploy-dev.yml: on push to main, tests then pulumi up of dev in environment dev with the policy pack", () => {
    const wf = load("deploy-dev.yml");
    assert.deepEqual((wf.on.push as Dict).branches, ["main"]);
    const d = wf.jobs.deploy;
    assert.deepEqual(needsOf(d), ["test"]);
    assert.equal(envName(d), "dev");
    const [up] = pulumiSteps(d);
    assert.equal(up.with?.command, "up");
    assert.equal(up.with?.policyPacks, "policy");
    assert.notEqual(up.with?.["continue-on-error"], true, "a mandatory violation must fail the deploy");
  });

  it("release-prod.yml: on vX.Y.Z tags, guard + test + preview, then up in the protected environment prod, rollout check and smoke test", () => {
    const wf = load("release-prod.yml");
    assert.deepEqual((wf.on.push as Dict).tags, ["v*.*.*"]);
    assert.ok(!("branches" in (wf.on.push as Dict)));
    const { guard, test, preview, deploy } = wf.jobs;
    const smoke = wf.jobs["smoke-test"];
    assert.ok(guard && test && preview && deploy && smoke);
    assert.ok(guard.steps?.some((s) => s.run?.includes("check-release-tag.sh")));
    assert.equal(guard.steps?.find((s) => isAction(s, "actions/checkout"))?.with?.["fetch-depth"], 0);
    assert.deepEqual(needsOf(preview).sort(), ["guard", "test"]);
    assert.equal(pulumiSteps(preview)[0].with?.command, "preview");
    assert.deepEqual(needsOf(deploy), ["preview"]);
    assert.equal(envName(deploy), "prod");
    const names = steps(deploy).map((s) => s.run ?? s.uses ?? "");
    const at = (re: RegExp) => names.findIndex((n) => re.test(n));
    const iUp = steps(deploy).findIndex((s) => s.with?.command === "up");
    assert.ok(iUp >= 0 && iUp < at(/install-kubectl\.sh/) && at(/install-kubectl\.sh/) < at(/write-kubeconfig\.sh/) && at(/write-kubeconfig\.sh/) < at(/rollout-check\.sh/), "up, kubectl, kubeconfig, rollout in order");
    const rollout = steps(deploy)[at(/rollout-check\.sh/)];
    assert.equal(rollout.env?.DIFY_NAMESPACE, "${{ steps.up.outputs.namespace }}");
    assert.equal(rollout.env?.SANDBOX_NAMESPACE, "${{ steps.up.outputs.namespace }}-sandbox");
    const cleanup = steps(deploy).find((s) => /rm -f "\$\{KUBECONFIG/.test(s.run ?? ""));
    assert.equal(cleanup?.if, "always()");
    assert.deepEqual(needsOf(smoke), ["deploy"]);
    assert.equal(deploy.outputs?.url, "${{ steps.up.outputs.url }}");
    const smokeStep = steps(smoke).find((s) => s.run?.includes("smoke-test.sh"));
    assert.equal(smokeStep?.env?.DIFY_URL, "${{ needs.deploy.outputs.url }}");
    assert.ok(Number(smokeStep?.env?.SMOKE_TIMEOUT_SECONDS) >= 240, "retries for about 5 minutes");
    assert.equal(perm(wf, smoke, "id-token"), undefined, "the smoke test needs no cloud credentials");
  });

  it("pr.yml offline-preview: every pull request, forks included, plans head and base with a read-only token and uploads the result", () => {
    const wf = load("pr.yml");
    const j = wf.jobs["offline-preview"];
    assert.ok(j, "offline-preview job");
    assert.equal(j.if, undefined, "runs for forks too");
    assert.deepEqual(j.permissions, { contents: "read" }, "read-only: it runs the pull request's code");
    assert.doesNotMatch(JSON.stringify(j), /secrets\./, "no secret reaches the pull request's code");
    const checkouts = steps(j).filter((s) => isAction(s, "actions/checkout"));
    assert.deepEqual(checkouts.map((c) => [c.with?.ref, c.with?.path, c.with?.["persist-credentials"]]), [
      ["${{ github.event.pull_request.head.sha }}", "head", false],
      ["${{ github.event.pull_request.base.sha }}", "base", false],
    ]);
    const run = steps(j).find((s) => s.run?.includes("offline-preview.sh"))!;
    assert.equal(run.run, "bash head/.github/scripts/offline-preview.sh");
    assert.deepEqual(String(run.env?.STACKS).split(" "), STACKS);
    assert.equal(run.env?.OUT_DIR, "offline-preview");
    const upload = steps(j).find((s) => isAction(s, "actions/upload-artifact"))!;
    assert.equal(upload.with?.name, "offline-preview");
    assert.equal(upload.with?.path, "offline-preview/");
  });

  it("pr-comment.yml: a workflow_run of pr that posts the artifact with the default branch's script, never the pull request's code", () => {
    for (const f of files) assert.ok(!("pull_request_target" in load(f).on), `${f} uses pull_request_target`);
    const wf = load("pr-comment.yml");
    assert.deepEqual(wf.on, { workflow_run: { workflows: [load("pr.yml").name], types: ["completed"] } });
    const j = wf.jobs.comment;
    assert.match(String(j.if), /workflow_run\.event == 'pull_request'/);
    assert.deepEqual(j.permissions, { contents: "read", actions: "read", "pull-requests": "write" });
    const checkout = steps(j).find((s) => isAction(s, "actions/checkout"))!;
    assert.equal(checkout.with?.ref, undefined, "the default branch, not the pull request's head");
    const download = steps(j).find((s) => isAction(s, "actions/download-artifact"))!;
    assert.equal(download.with?.name, steps(load("pr.yml").jobs["offline-preview"]).find((s) => isAction(s, "actions/upload-artifact"))?.with?.name);
    assert.equal(download.with?.["run-id"], "${{ github.event.workflow_run.id }}");
    const runs = steps(j).filter((s) => s.run).map((s) => s.run);
    assert.deepEqual(runs, ["bash .github/scripts/post-preview-comment.sh"], "nothing else runs: no npm, nothing from the artifact");
    const post = steps(j).find((s) => s.run)!;
    assert.equal(post.env?.RUN_HEAD_SHA, "${{ github.event.workflow_run.head_sha }}");
  });

  it("drift.yml: daily and on demand, previews every stack with --refresh --expect-no-changes", () => {
    const wf = load("drift.yml");
    const schedule = wf.on.schedule as { cron: string }[];
    assert.match(schedule[0].cron, /^\d+ \d+ \* \* \*$/, "daily cron");
    assert.ok("workflow_dispatch" in wf.on);
    const j = wf.jobs.drift;
    assert.deepEqual(j.strategy?.matrix?.stack, STACKS);
    const [p] = pulumiSteps(j);
    assert.equal(p.with?.command, "preview");
    assert.equal(p.with?.["expect-no-changes"], true);
    assert.equal(p.with?.refresh, true);
  });

  it("runs every Node step on Node.js 24, the LTS the package's engines (>=22) and the SDK need", () => {
    const nodes = allJobs().flatMap(({ file, id, job }) => runSteps(job).filter((s) => isAction(s, "actions/setup-node")).map((s) => ({ where: `${file}:${id}`, v: s.with?.["node-version"] })));
    assert.ok(nodes.length >= 5, "every workflow that runs npm sets up Node");
    assert.deepEqual(nodes.filter((n) => n.v !== 24), []);
  });

  it("installs one pinned Pulumi CLI everywhere", () => {
    const version = fs.readFileSync(path.join(ROOT, ".github", "pulumi-version"), "utf8").trim();
    assert.match(version, /^\d+\.\d+\.\d+$/);
    for (const { file, id, job } of allJobs()) {
      for (const s of pulumiSteps(job)) assert.equal(s.with?.["pulumi-version-file"], ".github/pulumi-version", `${file} ${id}`);
    }
  });
});

// ---- the scripts, executed ----

interface Result { code: number; stdout: string; stderr: string }
function run(script: string, env: Record<string, string>, cwd = ROOT): Promise<Result> {
  return new Promise((resolve) => {
    execFile("bash", [path.join(SCRIPTS, script)], { cwd, env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env }, timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "wf-"));
}
/** A directory with fake executables (bash scripts) to put first on PATH. */
function fakeBin(tools: Record<string, string>): string {
  const dir = tmp();
  for (const [name, body] of Object.entries(tools)) fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  return dir;
}

describe("delivery scripts", function () {
  this.timeout(20000);

  describe("smoke-test.sh", () => {
    let server: http.Server;
    let url = "";
    let routes: Record<string, () => [number, string, string]> = {};
    before(async () => {
      server = http.createServer((req, res) => {
        const r = routes[req.url ?? ""];
        const [status, type, body] = r ? r() : [404, "text/html", "<html>not found</html>"];
        res.writeHead(status, { "content-type": type });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    const healthy = () => ({
      "/health": (): [number, string, string] => [200, "application/json", '{"pid": 7, "status": "ok", "version": "1.16.1"}'],
      "/console/api/ping": (): [number, string, string] => [200, "application/json", '{"result":"pong"}'],
      "/signin": (): [number, string, string] => [200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>"],
    });
    // A zero budget: one attempt, no sleeping (the retry test below covers the backoff).
    const fast = { SMOKE_TIMEOUT_SECONDS: "0", SMOKE_INITIAL_DELAY_SECONDS: "1" };

    it("passes when the console API answers pong and the sign-in page is HTML", async () => {
      routes = healthy();
      const r = await run("smoke-test.sh", { DIFY_URL: url, ...fast });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /passed \(attempt 1\)/);
    });

    it("retries with backoff until the install answers", async () => {
      let calls = 0;
      routes = { ...healthy(), "/console/api/ping": () => (++calls < 2 ? [502, "text/html", "bad gateway"] : healthy()["/console/api/ping"]()) };
      const r = await run("smoke-test.sh", { DIFY_URL: url, SMOKE_TIMEOUT_SECONDS: "10", SMOKE_INITIAL_DELAY_SECONDS: "1" });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /attempt 1: \/console\/api\/ping/);
      assert.match(r.stdout, /passed \(attempt 2\)/);
    });

    it("fails within its time budget when the console API route reaches dify-web instead of the api", async () => {
      routes = { ...healthy(), "/console/api/ping": () => [200, "text/html", "<html>dify web</html>"] };
      const started = Date.now();
      const r = await run("smoke-test.sh", { DIFY_URL: url, ...fast });
      assert.notEqual(r.code, 0);
      assert.ok(Date.now() - started < 5000);
      assert.match(r.stderr, /failed for 0s; last failure: \/console\/api\/ping: 200 but not the expected Dify api JSON/);
    });

    it("fails when the console page is not HTML", async () => {
      routes = { ...healthy(), "/signin": () => [200, "application/json", "{}"] };
      const r = await run("smoke-test.sh", { DIFY_URL: url, ...fast });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /\/signin: expected 200 text\/html, got 200 application\/json/);
    });

    it("with SMOKE_HEALTH_PATH=/health, also requires the api's health JSON with status ok", async () => {
      routes = healthy();
      assert.equal((await run("smoke-test.sh", { DIFY_URL: url, SMOKE_HEALTH_PATH: "/health", ...fast })).code, 0);
      routes = { ...healthy(), "/health": () => [200, "application/json", '{"status": "degraded"}'] };
      const r = await run("smoke-test.sh", { DIFY_URL: url, SMOKE_HEALTH_PATH: "/health", ...fast });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /last failure: \/health: 200 but not the expected Dify api JSON/);
      delete routes["/health"]; // not routed: the 404 must fail too
      assert.notEqual((await run("smoke-test.sh", { DIFY_URL: url, SMOKE_HEALTH_PATH: "/health", ...fast })).code, 0);
    });
  });

  describe("write-kubeconfig.sh", () => {
    const SECRET = "apiVersion: v1\nusers:\n- name: x\n  user:\n    token: s3cr3t-token-value\n";

    it("writes the secret kubeconfig to a mode-600 file, exports KUBECONFIG, and prints none of it", async () => {
      const dir = tmp();
      const argsFile = path.join(dir, "args");
      const kubeconfigFile = path.join(dir, "kc");
      fs.writeFileSync(kubeconfigFile, SECRET);
      const bin = fakeBin({ pulumi: `echo "$@" > "${argsFile}"; cat "${kubeconfigFile}"` });
      const ghEnv = path.join(dir, "github_env");
      const r = await run("write-kubeconfig.sh", { PATH: `${bin}:${process.env.PATH}`, STACK_NAME: "acme/prod", RUNNER_TEMP: dir, GITHUB_ENV: ghEnv, GITHUB_RUN_ID: "1", GITHUB_JOB: "deploy" });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(argsFile, "utf8").trim(), "stack output kubeconfig --show-secrets --stack acme/prod");
      const line = fs.readFileSync(ghEnv, "utf8").trim();
      const file = line.replace(/^KUBECONFIG=/, "");
      assert.equal(fs.readFileSync(file, "utf8"), SECRET);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t/);
    });

    it("fails, leaving no file and no KUBECONFIG, when the stack output cannot be read", async () => {
      const dir = tmp();
      const bin = fakeBin({ pulumi: `echo "error: stack not found" >&2; exit 255` });
      const ghEnv = path.join(dir, "github_env");
      const r = await run("write-kubeconfig.sh", { PATH: `${bin}:${process.env.PATH}`, STACK_NAME: "prod", RUNNER_TEMP: dir, GITHUB_ENV: ghEnv });
      assert.notEqual(r.code, 0);
      assert.ok(!fs.existsSync(ghEnv));
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith("kubeconfig")), []);
    });
  });

  describe("rollout-check.sh", () => {
    /** A fake kubectl: `get deployments -n <ns>` lists deployments[ns]; `rollout status` fails for `failing`. */
    function kubectl(deployments: Record<string, string[]>, failing: string[], log: string): string {
      const lists = Object.entries(deployments).map(([ns, ds]) => `"${ns}") printf '%s\\n' ${ds.map((d) => `"deployment.apps/${d}"`).join(" ")} ;;`).join("\n      ");
      return `echo "$@" >> "${log}"
case "$1 $2" in
  "get deployments") case "$4" in
      ${lists}
      *) ;;
    esac ;;
  "rollout status") case "$5/$3" in ${failing.map((d) => `${d.split("/")[0]}/deployment.apps/${d.split("/")[1]}`).join("|") || "__none__"}) exit 1 ;; esac ;;
esac`;
    }
    const runIt = (bin: string, env: Record<string, string> = {}) =>
      run("rollout-check.sh", { PATH: `${bin}:${process.env.PATH}`, DIFY_NAMESPACE: "dify", SANDBOX_NAMESPACE: "dify-sandbox", ...env });

    it("waits for every Deployment in the Dify namespace and in the sandbox namespace", async () => {
      const dir = tmp();
      const log = path.join(dir, "log");
      const bin = fakeBin({ kubectl: kubectl({ dify: ["api", "web", "worker"], "dify-sandbox": ["sandbox"] }, [], log) });
      const r = await runIt(bin, { ROLLOUT_TIMEOUT: "10m" });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const calls = fs.readFileSync(log, "utf8").trim().split("\n");
      for (const d of ["api", "web", "worker"]) assert.ok(calls.includes(`rollout status deployment.apps/${d} --namespace dify --timeout 10m`), calls.join("\n"));
      assert.ok(calls.includes("rollout status deployment.apps/sandbox --namespace dify-sandbox --timeout 10m"), calls.join("\n"));
    });

    it("fails and names every Deployment that did not roll out, in either namespace", async () => {
      const dir = tmp();
      const bin = fakeBin({ kubectl: kubectl({ dify: ["api", "web", "worker"], "dify-sandbox": ["sandbox"] }, ["dify/api", "dify/worker", "dify-sandbox/sandbox"], path.join(dir, "log")) });
      const r = await runIt(bin);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /not rolled out within 10m: dify\/api dify\/worker dify-sandbox\/sandbox/);
    });

    it("fails when the Dify namespace has no Deployments (wrong cluster or namespace); an absent sandbox is skipped", async () => {
      const dir = tmp();
      const empty = await runIt(fakeBin({ kubectl: kubectl({ "dify-sandbox": ["sandbox"] }, [], path.join(dir, "a")) }));
      assert.notEqual(empty.code, 0);
      assert.match(empty.stderr, /no Deployments found in namespace dify/);
      const noSandbox = await runIt(fakeBin({ kubectl: kubectl({ dify: ["api"] }, [], path.join(dir, "b")) }));
      assert.equal(noSandbox.code, 0, noSandbox.stderr);
      assert.match(noSandbox.stdout, /no Deployments in namespace dify-sandbox; skipped/);
    });
  });

  describe("install-kubectl.sh", () => {
    it("refuses a kubectl whose checksum does not match the pinned one", async () => {
      const dir = tmp();
      const bin = fakeBin({ curl: `while [ $# -gt 0 ]; do if [ "$1" = --output ]; then echo tampered > "$2"; fi; shift; done` });
      const ghPath = path.join(dir, "github_path");
      const r = await run("install-kubectl.sh", { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, RUNNER_ARCH: "X64", GITHUB_PATH: ghPath });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /checksum mismatch/);
      assert.ok(!fs.existsSync(ghPath), "nothing may be added to PATH");
      assert.ok(!fs.existsSync(path.join(dir, "kubectl-v1.34.1", "kubectl")));
    });
  });

  describe("check-release-tag.sh", () => {
    async function repo(): Promise<string> {
      const dir = tmp();
      const git = (...a: string[]) => new Promise<void>((res, rej) => execFile("git", a, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } }, (e) => (e ? rej(e) : res())));
      await git("init", "-q", "-b", "main");
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "dify-aws", version: "1.2.3" }));
      await git("add", ".");
      await git("commit", "-q", "-m", "release 1.2.3");
      await git("tag", "v1.2.3");
      await git("update-ref", "refs/remotes/origin/main", "HEAD");
      await git("checkout", "-q", "-b", "side");
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "dify-aws", version: "1.2.4" }));
      await git("commit", "-q", "-am", "unreviewed");
      await git("tag", "v1.2.4");
      await git("checkout", "-q", "v1.2.3");
      return dir;
    }

    it("accepts a tag on main that equals package.json's version, and refuses the others", async () => {
      const dir = await repo();
      assert.equal((await run("check-release-tag.sh", { RELEASE_TAG: "v1.2.3" }, dir)).code, 0);
      const offMain = await run("check-release-tag.sh", { RELEASE_TAG: "v1.2.4" }, dir);
      assert.notEqual(offMain.code, 0);
      assert.match(offMain.stderr, /is not on main/);
      const bad = await run("check-release-tag.sh", { RELEASE_TAG: "v1.2.3-rc.1" }, dir);
      assert.match(bad.stderr, /not vMAJOR\.MINOR\.PATCH/);
    });

    it("refuses a tag whose package.json version differs", async () => {
      const dir = await repo();
      await new Promise<void>((res, rej) => execFile("git", ["tag", "v9.9.9", "v1.2.3"], { cwd: dir }, (e) => (e ? rej(e) : res())));
      const r = await run("check-release-tag.sh", { RELEASE_TAG: "v9.9.9" }, dir);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /does not match package\.json version 1\.2\.3/);
    });
  });
  describe("offline-preview.sh", () => {
    /**
     * Two checkouts whose fake npm plays the plan: it writes --json and --diff-json files, prints
     * fake-<stack>.txt of its checkout (and a diff section when given --diff), and exits with
     * fake-<stack>.exit (default 0). Every call is logged.
     */
    function checkouts(plans: Record<string, Record<string, { out: string; exit?: number }>>) {
      const dir = tmp();
      const log = path.join(dir, "npm.log");
      for (const [side, stacks] of Object.entries(plans)) {
        fs.mkdirSync(path.join(dir, side));
        for (const [stack, p] of Object.entries(stacks)) {
          fs.writeFileSync(path.join(dir, side, `fake-${stack}.txt`), p.out);
          fs.writeFileSync(path.join(dir, side, `fake-${stack}.exit`), String(p.exit ?? 0));
        }
      }
      const npm = `echo "$(basename "$PWD") $*" >> "${log}"
[ "$1" = ci ] && exit 0
stack=""; json=""; diff=""; dj=""
while [ $# -gt 0 ]; do case "$1" in --stack) stack=$2; shift 2;; --json) json=$2; shift 2;; --diff) diff=$2; shift 2;; --diff-json) dj=$2; shift 2;; *) shift;; esac; done
[ -f "fake-$stack.txt" ] || { echo "error: no stack \"$stack\"" >&2; exit 2; }
code=$(cat "fake-$stack.exit")
[ "$code" -le 1 ] && echo "{\"stack\": \"$stack\", \"side\": \"$(basename "$PWD")\"}" > "$json"
cat "fake-$stack.txt"
if [ -n "$diff" ]; then printf '\nDiff against %s (stack "%s"): 0 to create, 1 to update, 0 to replace, 0 to delete\n  ~ aws:rds/cluster:Cluster dify-pg\n      backupRetentionPeriod: 30 → 14\n' "$diff" "$stack"; echo '{"changed": []}' > "$dj"; fi
exit "$code"`;
      const bin = fakeBin({ npm });
      const env = { PATH: `${bin}:${process.env.PATH}`, HEAD_DIR: path.join(dir, "head"), BASE_DIR: path.join(dir, "base"), OUT_DIR: path.join(dir, "out"), PR_NUMBER: "42", HEAD_SHA: "0123456789abcdef0123456789abcdef01234567", BASE_REF: "main", STACKS: "dev prod" };
      return { dir, log, env, out: (f: string) => fs.readFileSync(path.join(dir, "out", f), "utf8") };
    }
    const summary = (stack: string) => `Plan for stack "${stack}" (profile ${stack}, us-east-1): 200 resources in 7 components (+ 1 provider)\nPolicy dify-aws-policy: 0 mandatory, 0 advisory violation(s), 1 exception(s)\n\nResources by component and type:\n  DifyApp dify\n`;

    it("plans base and head of every stack, diffs head against base, and writes one marked comment with the changes and the summary", async () => {
      const c = checkouts({ base: { dev: { out: summary("dev") }, prod: { out: summary("prod") } }, head: { dev: { out: summary("dev") }, prod: { out: summary("prod") } } });
      const r = await run("offline-preview.sh", c.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const calls = fs.readFileSync(c.log, "utf8").trim().split("\n");
      assert.ok(calls.includes("base ci --no-audit --no-fund --loglevel=error") && calls.includes("head ci --no-audit --no-fund --loglevel=error"), calls.join("\n"));
      const out = path.join(c.dir, "out");
      for (const st of ["dev", "prod"]) {
        assert.ok(calls.includes(`base run --silent plan -- --stack ${st} --json ${out}/base-${st}.json`), calls.join("\n"));
        assert.ok(calls.includes(`head run --silent plan -- --stack ${st} --json ${out}/head-${st}.json --diff ${out}/base-${st}.json --diff-json ${out}/diff-${st}.json`), calls.join("\n"));
      }
      const md = c.out("comment.md");
      assert.equal(md.split("\n")[0], "<!-- dify-aws:offline-preview -->");
      assert.match(md, /### Offline preview of `0123456789ab` against `main`/);
      assert.match(md, /#### `dev`: planned\n<details open><summary>Changes against the plan of `main`: 0 to create, 1 to update, 0 to replace, 0 to delete<\/summary>\n\n```text\nDiff against .*\n  ~ aws:rds\/cluster:Cluster dify-pg\n      backupRetentionPeriod: 30 → 14\n```/);
      assert.match(md, /<summary>Summary and policy report<\/summary>\n\n```text\nPlan for stack "prod".*\nPolicy dify-aws-policy: .*\n```/);
      assert.ok(!md.includes("Resources by component and type"), "the summary only, not the detail");
      assert.equal(c.out("pr-number").trim(), "42");
      assert.equal(c.out("head-sha").trim(), c.env.HEAD_SHA);
      assert.equal(c.out("head-prod.exit").trim(), "0");
    });

    it("reports a stack the base cannot plan and a head with a mandatory violation, and still succeeds (the test job fails the check)", async () => {
      const c = checkouts({ base: { dev: { out: summary("dev") } }, head: { dev: { out: summary("dev"), exit: 1 }, prod: { out: summary("prod") } } });
      const r = await run("offline-preview.sh", c.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const md = c.out("comment.md");
      assert.match(md, /#### `dev`: a mandatory policy violation/);
      assert.match(md, /#### `prod`: planned\n\nNo diff: the plan of `main` for `prod` did not complete \(invalid config or arguments, nothing planned\)\./);
      const calls = fs.readFileSync(c.log, "utf8");
      assert.match(calls, /^head run --silent plan -- --stack prod --json \S+\/head-prod\.json$/m, "the head still plans, without --diff");
    });

    it("defuses code fences in plan output so the pull request cannot break out of the block", async () => {
      const evil = "Plan for stack \"dev\"\n```\n# [click me](https://evil.example)\n```\n";
      const c = checkouts({ base: { dev: { out: summary("dev") } }, head: { dev: { out: evil } } });
      const r = await run("offline-preview.sh", { ...c.env, STACKS: "dev" });
      assert.equal(r.code, 0, r.stderr);
      const blocks = c.out("comment.md").split("\n").filter((l) => l.startsWith("```"));
      assert.deepEqual(blocks, ["```text", "```", "```text", "```"], "only the script's own fences");
    });

    it("refuses a pull request number that is not a number", async () => {
      const c = checkouts({ base: {}, head: {} });
      const r = await run("offline-preview.sh", { ...c.env, PR_NUMBER: "1; echo pwned" });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /PR_NUMBER is not a number/);
      assert.ok(!fs.existsSync(c.log), "nothing ran");
    });
  });

  describe("post-preview-comment.sh", () => {
    let server: http.Server;
    let api = "";
    let pulls: Record<string, string> = {};
    let pages: Record<string, unknown>[][] = [];
    let calls: { method: string; url: string; auth: string; body: string }[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          calls.push({ method: req.method ?? "", url: req.url ?? "", auth: String(req.headers.authorization), body });
          const u = new URL(req.url ?? "/", "http://x");
          const pull = /^\/repos\/acme\/dify\/pulls\/(\d+)$/.exec(u.pathname);
          const list = /^\/repos\/acme\/dify\/issues\/(\d+)\/comments$/.exec(u.pathname);
          const send = (status: number, v: unknown) => { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(v)); };
          if (req.method === "GET" && pull && pulls[pull[1]]) return send(200, { number: Number(pull[1]), head: { sha: pulls[pull[1]] } });
          if (req.method === "GET" && list) return send(200, pages[Number(u.searchParams.get("page")) - 1] ?? []);
          if (req.method === "POST" && list) return send(201, { id: 999 });
          if (req.method === "PATCH" && /^\/repos\/acme\/dify\/issues\/comments\/\d+$/.test(u.pathname)) return send(200, {});
          send(404, { message: "Not Found" });
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
      pulls = { "7": "cafe" };
      pages = [];
      calls = [];
    });
    const MARK = "<!-- dify-aws:offline-preview -->";
    function artifact(pr: string, body: string): string {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, "pr-number"), pr);
      fs.writeFileSync(path.join(dir, "comment.md"), body);
      return dir;
    }
    const post = (dir: string, sha = "cafe") => run("post-preview-comment.sh", { PREVIEW_DIR: dir, GITHUB_TOKEN: "t0ken", REPO: "acme/dify", RUN_HEAD_SHA: sha, GITHUB_API_URL: api });
    const writes = () => calls.filter((c) => c.method !== "GET");

    it("posts one comment, starting with the marker, when the pull request has none", async () => {
      pages = [[{ id: 1, user: { login: "someone" }, body: "LGTM" }]];
      const r = await post(artifact("7\n", `${MARK}\n### Offline preview\nbody`));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const w = writes();
      assert.deepEqual(w.map((c) => `${c.method} ${c.url}`), ["POST /repos/acme/dify/issues/7/comments"]);
      assert.equal(w[0].auth, "Bearer t0ken");
      assert.equal((JSON.parse(w[0].body) as { body: string }).body.trimEnd(), `${MARK}\n### Offline preview\nbody`);
    });

    it("updates its own marked comment (on any page), never someone else's", async () => {
      pages = [
        Array.from({ length: 100 }, (_, i) => ({ id: 100 + i, user: { login: "mallory" }, body: `${MARK} fake` })),
        [{ id: 555, user: { login: "github-actions[bot]" }, body: `${MARK}\nold` }],
      ];
      const r = await post(artifact("7", "### new"));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(writes().map((c) => `${c.method} ${c.url}`), ["PATCH /repos/acme/dify/issues/comments/555"]);
      assert.equal((JSON.parse(writes()[0].body) as { body: string }).body.trimEnd(), `${MARK}\n### new`);
    });

    it("does not comment when the pull request's head is not the commit the run tested (a newer push, or a forged number)", async () => {
      const r = await post(artifact("7", "x"), "0ld");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /pull request #7 is at cafe, this run tested 0ld: not commenting/);
      assert.deepEqual(writes(), []);
    });

    it("refuses an artifact whose pull request number is not a number, before calling the API", async () => {
      const r = await post(artifact("7 && curl evil", "x"));
      assert.notEqual(r.code, 0);
      assert.deepEqual(calls, []);
    });

    it("cuts a body that would not fit in a comment and says where the rest is", async () => {
      const r = await post(artifact("7", `${MARK}\n${"x".repeat(100000)}`));
      assert.equal(r.code, 0, r.stderr);
      const body = (JSON.parse(writes()[0].body) as { body: string }).body;
      assert.ok(body.length <= 65536, `${body.length} characters`);
      assert.ok(body.startsWith(`${MARK}\n`));
      assert.equal(body.split(MARK).length, 2, "one marker");
      assert.match(body, /cut to fit a comment: the workflow artifact `offline-preview` has the full plans and diffs\.\n$/);
    });
  });
});
