/**
 * The order DifyApp's load balancer imposes, in the API (issue 17 item 4): what reads the ALB
 * (the domain's record, the dashboard, the ALB alarms) is built after DifyApp from its
 * `loadBalancerHostname`, a required input; no hand-made promise wires it. Resources that moved
 * out of DifyEdge and DifyObservability keep their URNs through aliases, and the plan diff
 * reports them as moved, not deleted and created.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { siblingUrn } from "../components/contracts";
import { DifyLoadBalancerMonitoring, DifyLoadBalancerMonitoringArgs } from "../components/observability";
import { diffPlans, DiffDocument } from "../program/plan/diff";
import { renderDiff } from "../program/plan/console";
import { runUnderMocks } from "../program/plan/monitor";
import { Plan, planStack } from "../program/plan/plan";
import { loadStackConfig } from "../program/plan/stack";
import { parseStackConfig } from "../program/config";
import { deployDify } from "../program/deploy";

const ROOT = path.resolve(__dirname, "..");
const plans: Record<string, Plan> = {};
const plan = async (stack: string) => (plans[stack] ??= await planStack(stack));

/** The URN a resource had as a child of a 0.1 component (where the engine finds it in existing stacks). */
const oldUrn = (stack: string, parent: string, type: string, name: string) => `urn:pulumi:${stack}::dify::dify-aws:index:${parent}$${type}::${name}`;

describe("wiring: what reads the ALB comes after DifyApp", () => {
  it("the program wires it without a hand-made promise and without loadBalancerReady", () => {
    const deploy = fs.readFileSync(path.join(ROOT, "program", "deploy.ts"), "utf8");
    assert.doesNotMatch(deploy, /new Promise|deferredOutput|loadBalancerReady/);
    for (const dir of ["components", "program", "examples"]) {
      const hits = (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
        .filter((f) => f.endsWith(".ts") && !f.includes("node_modules") && fs.readFileSync(path.join(ROOT, dir, f), "utf8").includes("loadBalancerReady"));
      assert.deepEqual(hits, [], `${dir}: no loadBalancerReady left`);
    }
  });

  it("prod: the domain's record, the dashboard and the three ALB alarms keep their 0.1 URNs (aliases to DifyEdge's and DifyObservability's children)", async () => {
    const { document } = await plan("prod");
    const moved = document.resources.filter((r) => /DifyDomainRecord\$|DifyLoadBalancerMonitoring\$/.test(r.urn));
    const got = Object.fromEntries(moved.map((r) => [`${r.type}::${r.name}`, r.options.aliases]));
    assert.deepEqual(got, {
      "aws:route53/record:Record::dify-domain": [oldUrn("prod", "DifyEdge", "aws:route53/record:Record", "dify-domain")],
      "aws:cloudwatch/dashboard:Dashboard::dify-dashboard": [oldUrn("prod", "DifyObservability", "aws:cloudwatch/dashboard:Dashboard", "dify-dashboard")],
      "aws:cloudwatch/metricAlarm:MetricAlarm::dify-alb-5xx": [oldUrn("prod", "DifyObservability", "aws:cloudwatch/metricAlarm:MetricAlarm", "dify-alb-5xx")],
      "aws:cloudwatch/metricAlarm:MetricAlarm::dify-alb-latency": [oldUrn("prod", "DifyObservability", "aws:cloudwatch/metricAlarm:MetricAlarm", "dify-alb-latency")],
      "aws:cloudwatch/metricAlarm:MetricAlarm::dify-alb-unhealthy": [oldUrn("prod", "DifyObservability", "aws:cloudwatch/metricAlarm:MetricAlarm", "dify-alb-unhealthy")],
    });
    // The old parents still exist (same name, top level), and nothing else claims those URNs.
    const urns = new Set(document.resources.map((r) => r.urn));
    assert.ok(urns.has("urn:pulumi:prod::dify::dify-aws:index:DifyEdge::dify") && urns.has("urn:pulumi:prod::dify::dify-aws:index:DifyObservability::dify"));
    for (const r of moved) for (const a of r.options.aliases ?? []) assert.ok(!urns.has(a), `${a} is free`);
  });

  it("prod: the dashboard and the ALB alarms read the ALB DifyApp's Ingress names, and the stack outputs keep their names", async () => {
    const { document, recorded } = await plan("prod");
    const dash = recorded.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")!;
    assert.match(String(dash.rawInputs.dashboardBody), /"LoadBalancer","app\/dify-prod\//);
    const ingress = recorded.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
    assert.equal((ingress.rawInputs.metadata as { annotations: Record<string, string> }).annotations["alb.ingress.kubernetes.io/load-balancer-name"], "dify-prod");
    assert.deepEqual(Object.keys(document.outputs).filter((k) => ["dashboardName", "alarmTopicArn", "loadBalancerHostname"].includes(k)).sort(), ["alarmTopicArn", "dashboardName", "loadBalancerHostname"]);
    assert.equal(document.outputs.dashboardName, "dify-prod");
  });

  it("a plan diff against a 0.1 plan reports the moved resources as moved (aliases), not deleted and created", async () => {
    const head = (await plan("prod")).document as DiffDocument;
    // The 0.1 layout: the same resources under their old parents, without aliases.
    const base: DiffDocument = {
      ...head,
      resources: head.resources.filter((r) => !/::dify-aws:index:(DifyDomainRecord|DifyLoadBalancerMonitoring)::/.test(r.urn)).map((r) => {
        const alias = (r.options.aliases ?? []).find((a) => /DifyEdge\$|DifyObservability\$/.test(a));
        if (!alias || !/DifyDomainRecord\$|DifyLoadBalancerMonitoring\$/.test(r.urn)) return r;
        const parent = alias.includes("DifyEdge$") ? "urn:pulumi:prod::dify::dify-aws:index:DifyEdge::dify" : "urn:pulumi:prod::dify::dify-aws:index:DifyObservability::dify";
        return { ...r, urn: alias, parent, options: { ...r.options, aliases: undefined } };
      }),
    };
    const d = diffPlans(base, head);
    assert.deepEqual(d.removed, []);
    assert.deepEqual(d.added.map((r) => r.type).sort(), ["dify-aws:index:DifyDomainRecord", "dify-aws:index:DifyLoadBalancerMonitoring"], "only the two new components, no cloud resource");
    assert.deepEqual(d.changed, []);
    assert.deepEqual(d.moved.map((m) => `${m.name}: ${m.fromComponent} -> ${m.component}`).sort(), [
      "dify-alb-5xx: DifyObservability dify -> DifyLoadBalancerMonitoring dify",
      "dify-alb-latency: DifyObservability dify -> DifyLoadBalancerMonitoring dify",
      "dify-alb-unhealthy: DifyObservability dify -> DifyLoadBalancerMonitoring dify",
      "dify-dashboard: DifyObservability dify -> DifyLoadBalancerMonitoring dify",
      "dify-domain: DifyEdge dify -> DifyDomainRecord dify",
    ]);
    assert.match(renderDiff(d, new Set(), "base.json").join("\n"), /2 to create, 0 to update, 0 to replace, 0 to delete,\s+5 moved \(aliases keep them\)/);
  });

  it("siblingUrn: the URN beside a resource, under the same parent", () => {
    assert.equal(siblingUrn("urn:pulumi:prod::dify::dify-aws:index:DifyLoadBalancerMonitoring::dify", "dify-aws:index:DifyObservability", "dify"),
      "urn:pulumi:prod::dify::dify-aws:index:DifyObservability::dify");
    assert.equal(siblingUrn("urn:pulumi:s::p::my:index:Platform$dify-aws:index:DifyDomainRecord::web", "dify-aws:index:DifyEdge", "web"),
      "urn:pulumi:s::p::my:index:Platform$dify-aws:index:DifyEdge::web");
  });
});

describe("DifyLoadBalancerMonitoring: arguments", () => {
  const source = pulumi.output({
    region: "us-east-1", clusterName: "dify-prod", databaseClusterIdentifier: "a", databaseReaders: false, redisNodeIds: ["r-001"],
    appNamespace: "dify", namespace: "dify-observability", deployments: ["dify-api"], queueDepth: false, backupMetricNamespace: "", tags: {},
  });
  const refused: [string, Partial<DifyLoadBalancerMonitoringArgs>, RegExp][] = [
    ["no loadBalancerHostname (the lookup would not wait for DifyApp)", { loadBalancerHostname: undefined }, /args\.loadBalancerHostname: got nothing, allowed DifyApp's loadBalancerHostname output/],
    ["an empty loadBalancerHostname", { loadBalancerHostname: "" }, /args\.loadBalancerHostname: got "", allowed DifyApp's loadBalancerHostname output/],
    ["no observability", { observability: undefined }, /args\.observability: got nothing, allowed DifyObservability's monitoring output/],
    ["an ALB name too long", { loadBalancerName: "x".repeat(33) }, /args\.loadBalancerName: got "x{33}", allowed 1-32 letters/],
    ["a threshold out of range", { alarmThresholds: { alb5xxPercent: 0 } }, /args\.alarmThresholds\.alb5xxPercent: got 0, allowed a number from 0\.1 to 100 \(%\)/],
    ["an empty alarmActions", { alarmActions: [] }, /args\.alarmActions: got \[\], allowed at least one SNS topic ARN/],
  ];
  for (const [what, over, msg] of refused) {
    it(`refuses ${what} before registering anything`, async () => {
      const run = await runUnderMocks(() => {
        try {
          new DifyLoadBalancerMonitoring("dify", { observability: source, loadBalancerName: "dify-prod", loadBalancerHostname: pulumi.output("h"), ...over } as DifyLoadBalancerMonitoringArgs);
          return "";
        } catch (e) {
          return (e as Error).message;
        }
      }, { stack: "prod" });
      assert.match(run.value, /^DifyLoadBalancerMonitoring "dify": /);
      assert.match(run.value, msg);
      assert.equal(run.resources.length, 0);
    });
  }

  it("without alarmActions: the dashboard, no ALB alarm", async () => {
    const run = await runUnderMocks(() => new DifyLoadBalancerMonitoring("dify", { observability: source, loadBalancerName: "dify-prod", loadBalancerHostname: pulumi.output("") }), { stack: "prod" });
    assert.deepEqual(run.resources.filter((r) => r.custom).map((r) => r.type), ["aws:cloudwatch/dashboard:Dashboard"]);
  });
});

describe("wiring: in a preview, before the ALB exists", () => {
  it("prod: the dashboard, the ALB alarms and the domain's record wait for DifyApp's load balancer (no early lookup)", async () => {
    const config = parseStackConfig(loadStackConfig("prod"));
    // As `pulumi preview` of a first deploy: the Ingress has no status yet, so its host name is unknown.
    const run = await runUnderMocks(() => deployDify(config), { stack: "prod", preview: true, region: config.region });
    const waiting = (type: string, name: string, input: string) => {
      const r = run.resources.find((x) => x.type === type && x.name === name)!;
      assert.ok(r, `${type} ${name}`);
      return JSON.stringify(r.inputs[input]).includes("[unknown]");
    };
    assert.ok(waiting("aws:cloudwatch/dashboard:Dashboard", "dify-dashboard", "dashboardBody"), "the dashboard body waits for the ALB");
    assert.ok(waiting("aws:cloudwatch/metricAlarm:MetricAlarm", "dify-alb-5xx", "metricQueries"), "the 5xx alarm waits for the ALB");
    assert.ok(waiting("aws:route53/record:Record", "dify-domain", "aliases"), "the alias record waits for the ALB");
    // What does not read the ALB is known at preview.
    assert.ok(!waiting("aws:cloudwatch/metricAlarm:MetricAlarm", "dify-db-cpu", "dimensions"), "a data-store alarm does not wait");
  });
});
