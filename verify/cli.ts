/**
 * npm run verify:cluster -- --stack <name> [--report file.json] [--extra manifests.yaml] [--no-drills]
 *
 * Runs a stack's rendered Kubernetes objects through a real control plane on loopback
 * (kube-apiserver, controller-manager, scheduler and etcd built from Go modules; kwok for the
 * nodes): admission, strict validation, scheduling on nodes shaped like the stack's node groups,
 * then zone-loss, scale-up, drain and rollout drills (verify/drills.ts). Exit 0 when the stack meets the bar, 1 when
 * it does not, 2 for bad usage or config, 3 when the tool itself failed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { applyManifests, jobsFromCronJobs, Rejected } from "./apply";
import { ControlPlane, DRILL_TIMINGS, startControlPlane } from "./controlPlane";
import { runDrills } from "./drills";
import { createNodes } from "./nodeOps";
import { Kubectl } from "./kube";
import { SimNode, simulatedNodes } from "./nodes";
import { ConfigError, Manifest, partitionServed, qualifiedName, stackObjects } from "./objects";
import { failedCreates, waitForPods } from "./pods";
import { failures, Report, summary } from "./report";

interface Args {
  stack: string;
  report?: string;
  extra: string[];
  /** Run the drills (default; --no-drills for a quick admission and scheduling check). */
  drills: boolean;
}

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run verify:cluster -- --stack <name> [--report file.json] [--extra manifests.yaml ...] [--no-drills]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> & { extra: string[]; drills: boolean } = { extra: [], drills: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--stack" || flag === "-s") a.stack = value();
    else if (flag === "--report") a.report = value();
    else if (flag === "--extra") a.extra.push(value());
    else if (flag === "--no-drills") a.drills = false;
    else usage(`unknown argument ${JSON.stringify(argv[i])}`);
  }
  if (!a.stack) usage("missing --stack");
  return a as Args;
}

function readExtras(files: string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const f of files) {
    if (!fs.existsSync(f)) usage(`--extra ${f}: no such file`);
    for (const doc of yaml.loadAll(fs.readFileSync(f, "utf8"))) {
      const m = doc as Manifest | null;
      if (!m) continue;
      if (!m.apiVersion || !m.kind || !m.metadata?.name) usage(`--extra ${f}: every document needs apiVersion, kind and metadata.name`);
      out.push(m);
    }
  }
  return out;
}

/** verify/build.sh: builds once, prints the cache directory last. */
function buildControlPlane(): string {
  const r = spawnSync("bash", [path.join(__dirname, "build.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error("building the control plane failed (see above)");
  return r.stdout.trim().split("\n").pop()!;
}

/** API group/version + kinds this server serves. */
async function servedKinds(kubectl: Kubectl, manifests: Manifest[]): Promise<Set<string>> {
  const served = new Set<string>();
  for (const gv of new Set(manifests.map((m) => m.apiVersion))) {
    const r = await kubectl.run(["get", "--raw", gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`]);
    if (r.code !== 0) continue;
    for (const res of (JSON.parse(r.stdout) as { resources: { kind: string; name: string }[] }).resources) {
      if (!res.name.includes("/")) served.add(`${gv}/${res.kind}`);
    }
  }
  return served;
}

async function main(): Promise<number> {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const extras = readExtras(args.extra);
  let objs;
  try {
    objs = await stackObjects(args.stack);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Stack "${args.stack}" has invalid config:`);
      for (const p of e.problems) console.error(`  ${p}`);
      return 2;
    }
    throw e;
  }
  let nodes: SimNode[];
  try {
    nodes = simulatedNodes(objs.nodeGroups, "desired", objs.region, objs.clusterName);
    simulatedNodes(objs.nodeGroups, "max", objs.region, objs.clusterName);
  } catch (e) {
    console.error(`Stack "${args.stack}": ${(e as Error).message}`);
    return 2;
  }
  const dir = buildControlPlane();
  console.error(`verify: starting the control plane (${dir})`);
  const cp: ControlPlane = await startControlPlane(path.join(dir, "bin"), path.join(dir, "stages"));
  try {
    const k = cp.kubectl;
    const version = (await k.json<{ serverVersion: { gitVersion: string } }>(["version"])).serverVersion.gitVersion;
    console.error(`verify: ${nodes.length} nodes (${[...new Set(nodes.map((n) => n.zone))].join(", ")})`);
    await createNodes(k, nodes);

    const all = [...objs.manifests, ...extras];
    const { served, skipped: crdSkipped } = partitionServed(all, await servedKinds(k, all));
    console.error(`verify: applying ${served.length} objects (${extras.length} from --extra)`);
    const applied = await applyManifests(k, served);
    const jobRejections: Rejected[] = await jobsFromCronJobs(k, served);
    const pods = await waitForPods(k, 120_000);
    const created = await failedCreates(k);
    const extraNames = new Set(extras.map((m) => `${m.kind} ${qualifiedName(m)}`));
    // A bare Pod refused by Pod Security admission is refused at apply; list it with the pods too.
    const barePods = applied.rejected.filter((r) => r.kind === "Pod" && /PodSecurity/.test(r.reason))
      .map((r) => ({ namespace: r.name.split("/")[0], owner: `Pod/${r.name.split("/")[1]}`, reason: r.reason }));
    const report: Report = {
      kubernetes: version,
      stack: args.stack,
      objects: { applied: applied.applied, rejected: [...applied.rejected, ...jobRejections], skipped: [...objs.skipped, ...crdSkipped] },
      podSecurity: { rejectedPods: [...created.podSecurity, ...barePods] },
      pods: { expected: pods.expected, scheduled: pods.scheduled, ready: pods.ready, pending: [...pods.pending, ...created.other.map((o) => ({ name: `${o.namespace}/${o.owner}`, reason: o.reason }))] },
      drills: [],
    };
    if (args.drills && pods.settled) {
      report.drills = await runDrills(k, { profile: objs.profile, groups: objs.nodeGroups, nodes, region: objs.region, clusterName: objs.clusterName, manifests: objs.manifests, timings: DRILL_TIMINGS });
    } else if (args.drills) {
      console.error("verify: drills skipped: the workloads never settled");
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(summary(report, { warnings: applied.warnings, unstable: applied.unstable, unknowns: objs.unknowns, seconds }));
    if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 2) + "\n");
    const problems = [...failures(report, extraNames), ...applied.unstable];
    if (problems.length) {
      console.log(`\nFAILED (${problems.length}):`);
      for (const p of problems) console.log(`  ${p}`);
      return 1;
    }
    console.log("\nOK");
    return 0;
  } catch (e) {
    console.error(cp.logTails());
    throw e;
  } finally {
    cp.stop();
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`verify:cluster failed: ${e instanceof Error ? e.message : String(e)}${process.env.VERIFY_DEBUG ? `\n${(e as Error).stack}` : ""}`);
  process.exit(3);
});
