/**
 * The api scales on the requests its ALB target group receives (KEDA aws-cloudwatch trigger), not
 * on CPU and memory alone: DifyApp's requestAutoscaling on its own, then the whole program (KEDA's
 * operator role, observability off, closed network).
 */
import { strict as assert } from "assert";
import { ofType, runApp, runRefused } from "./app-fixture";
import { Plan, planStack } from "../program/plan/plan";
import { CONCURRENCY } from "../components/app/tuning";
import { calls as lbCalls } from "../components/testing/loadBalancer";
import { LB_ID } from "../components/testing/observability";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const named = (r: { rawInputs: unknown }) => (r.rawInputs as Any).metadata.name as string;
const CLUSTER = "dify-prod";

/** The target-group suffix the mocked AWS answers for exactly these controller tags (components/testing/loadBalancer.ts). */
function tgSuffix(tags: Record<string, string>): string {
  return String(lbCalls["aws:lb/getTargetGroup:getTargetGroup"]({ tags }, "us-east-1", []).arnSuffix);
}

describe("DifyApp: the api scales on its ALB requests (KEDA aws-cloudwatch)", function () {
  this.timeout(60000);

  it("replaces the api's HPA with a ScaledObject reading RequestCount of the api's target group on the named ALB, plus CPU and memory", async () => {
    const rs = (await runApp({ loadBalancerName: "dify-prod", requestAutoscaling: { clusterName: CLUSTER } })).resources;
    const hpas = ofType(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map(named).sort();
    assert.deepEqual(hpas, ["dify-web", "dify-worker"], "web (short page renders, CPU-bound) and the worker keep their HPAs");
    const so = ofType(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject").find((s) => named(s) === "dify-api")!;
    const spec = (so.rawInputs as Any).spec;
    assert.deepEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "dify-api" });
    assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount], [3, 10], "the prod floor and ceiling the HPA had");
    assert.ok(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds >= 300, "slow scale-down kept");
    assert.equal(spec.advanced.horizontalPodAutoscalerConfig.name, "dify-api");
    assert.equal((so.rawInputs as Any).metadata.annotations["scaledobject.keda.sh/transfer-hpa-ownership"], "true", "an existing stack's HPA is adopted, not a webhook refusal");
    const cw = spec.triggers.filter((t: Any) => t.type === "aws-cloudwatch");
    assert.equal(cw.length, 1);
    const t = cw[0];
    // The controller's tags for the Ingress "dify" in namespace "dify", backend dify-api:http.
    const tg = tgSuffix({ "elbv2.k8s.aws/cluster": CLUSTER, "ingress.k8s.aws/stack": "dify/dify", "ingress.k8s.aws/resource": "dify/dify-dify-api:http" });
    assert.match(tg, /^targetgroup\/k8s-/);
    assert.deepEqual(t.metadata, {
      namespace: "AWS/ApplicationELB",
      metricName: "RequestCount",
      dimensionName: "TargetGroup;LoadBalancer",
      dimensionValue: `${tg};app/dify-prod/${LB_ID}`,
      metricStat: "Sum",
      metricStatPeriod: "60",
      metricEndTimeOffset: "60",
      metricCollectionTime: "120",
      // Little's law on the capacity model: 70 % of 1 x 100 greenlets, 10 s mean -> 420 a minute.
      targetMetricValue: String(Math.round(CONCURRENCY.apiProcesses * CONCURRENCY.apiConnections * 0.7 / 10 * 60)),
      minMetricValue: "0",
      ignoreNullValues: "true",
      awsRegion: "us-east-1",
    });
    assert.equal(t.metadata.targetMetricValue, "420");
    assert.equal(t.metricType, "AverageValue", "per pod: the HPA divides the sum by the replicas");
    assert.equal(t.useCachedMetrics, true, "one GetMetricData a polling interval, not one per HPA query");
    assert.equal(spec.pollingInterval, 60);
    assert.deepEqual(spec.triggers.filter((x: Any) => x.type !== "aws-cloudwatch").map((x: Any) => [x.type, x.metadata.value]), [["cpu", "70"], ["memory", "80"]]);
    const auth = ofType(rs, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication").find((r) => named(r) === t.authenticationRef.name)!;
    assert.deepEqual((auth.rawInputs as Any).spec, { podIdentity: { provider: "aws", identityOwner: "keda" } }, "the operator's own IRSA role");
    // The api keeps its PDB and zone spread, and the autoscaler owns its replicas.
    const d = ofType(rs, "kubernetes:apps/v1:Deployment").find((r) => named(r) === "dify-api")!;
    assert.deepEqual(d.options.ignoreChanges, ["spec.replicas"]);
    assert.ok((d.rawInputs as Any).spec.template.spec.topologySpreadConstraints.some((c: Any) => c.topologyKey === "topology.kubernetes.io/zone" && c.whenUnsatisfiable === "DoNotSchedule"));
    assert.ok(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget").some((p) => named(p) === "dify-api"));
  });

  it("follows the mean request duration given and an IngressGroup's stack tag", async () => {
    const rs = (await runApp({
      loadBalancerName: "dify-prod", requestAutoscaling: { clusterName: CLUSTER, meanRequestSeconds: 30 },
      ingressAnnotations: { "alb.ingress.kubernetes.io/group.name": "team-alb" },
    })).resources;
    const t = (ofType(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject").find((s) => named(s) === "dify-api")!.rawInputs as Any).spec.triggers[0];
    assert.equal(t.metadata.targetMetricValue, "140", "70 in flight / 30 s x 60");
    const tg = tgSuffix({ "elbv2.k8s.aws/cluster": CLUSTER, "ingress.k8s.aws/stack": "team-alb", "ingress.k8s.aws/resource": "dify/dify-dify-api:http" });
    assert.equal(t.metadata.dimensionValue, `${tg};app/dify-prod/${LB_ID}`);
  });

  it("keeps the api on its CPU/memory HPA without requestAutoscaling (a cluster without KEDA's AWS identity)", async () => {
    const rs = (await runApp({ loadBalancerName: "dify-prod", queueAutoscaling: true })).resources;
    const api = ofType(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((h) => named(h) === "dify-api")!;
    assert.deepEqual((api.rawInputs as Any).spec.metrics.map((m: Any) => m.resource.name), ["cpu", "memory"]);
    assert.ok(!ofType(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject").some((s) => named(s) === "dify-api"));
    assert.ok(!ofType(rs, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication").some((s) => named(s) === "dify-aws-cloudwatch"));
  });

  it("refuses requestAutoscaling without an ALB name, with another IngressClass, or with a mean outside 1-600 s, before registering anything", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ requestAutoscaling: { clusterName: CLUSTER } }, /args\.loadBalancerName: got nothing, allowed an ALB name with requestAutoscaling/],
      [{ requestAutoscaling: { clusterName: CLUSTER }, ingressClassName: "nginx" }, /args\.requestAutoscaling: got "\(set\)", allowed nothing with ingressClassName "nginx"/],
      [{ loadBalancerName: "x", requestAutoscaling: { clusterName: CLUSTER, meanRequestSeconds: 0 } }, /args\.requestAutoscaling\.meanRequestSeconds: got 0, allowed a number of seconds from 1 to 600/],
    ];
    for (const [over, re] of cases) {
      const { message, resources } = await runRefused(over);
      assert.match(message, re);
      assert.equal(resources.length, 0);
    }
  });
});

describe("program: the api scales on its ALB requests in every stack", function () {
  this.timeout(180000);
  const plans: Record<string, Plan> = {};
  const plan = async (key: string, stack: "dev" | "prod", overrides: Record<string, unknown> = {}) => (plans[key] ??= await planStack(stack, { overrides, policy: false }));
  const ofPlan = (p: Plan, t: string) => p.recorded.filter((r) => r.type === t);
  const apiTrigger = (p: Plan) => {
    const so = ofPlan(p, "kubernetes:keda.sh/v1alpha1:ScaledObject").find((s) => named(s) === "dify-api");
    return (so?.rawInputs as Any)?.spec.triggers.find((t: Any) => t.type === "aws-cloudwatch");
  };

  it("prod: KEDA's operator ServiceAccount carries an IRSA role that may only call cloudwatch:GetMetricData", async () => {
    const p = await plan("prod", "prod");
    const keda = ofPlan(p, "kubernetes:helm.sh/v3:Release").find((r) => (r.rawInputs as Any).chart === "keda")!;
    const values = (keda.rawInputs as Any).values;
    const role = ofPlan(p, "aws:iam/role:Role").find((r) => r.name === "dify-keda")!;
    assert.ok(role, "an IRSA role for the operator");
    assert.equal(values.podIdentity.aws.irsa.enabled, true);
    assert.match(String(values.podIdentity.aws.irsa.roleArn), /^arn:aws:iam:.*role\/dify-keda$/, "the role's ARN on the operator's ServiceAccount (eks.amazonaws.com/role-arn)");
    assert.equal(values.serviceAccount.operator.name, "keda-operator");
    const trust = JSON.parse(String((role.rawInputs as Any).assumeRolePolicy));
    assert.deepEqual(Object.entries(trust.Statement[0].Condition.StringEquals).filter(([k]) => k.endsWith(":sub")).map(([, v]) => v), ["system:serviceaccount:kube-system:keda-operator"]);
    const policy = ofPlan(p, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "dify-keda")!;
    const doc = JSON.parse(String((policy.rawInputs as Any).policy));
    assert.deepEqual(doc.Statement.map((s: Any) => [s.Effect, s.Action, s.Resource]), [["Allow", ["cloudwatch:GetMetricData"], "*"]]);
    assert.equal(values.podSecurityContext.operator.fsGroup, 65532, "the projected web-identity token is readable by the operator's user");
    assert.equal(apiTrigger(p).metadata.awsRegion, "us-east-1");
    // The target is the capacity model's api concurrency per pod, 70 % of it, over a 10 s mean.
    const api = p.document.capacity.services.find((s) => s.service === "api")!;
    assert.equal(apiTrigger(p).metadata.targetMetricValue, String(Math.round(api.perPod * 0.7 / 10 * 60)));
  });

  it("dev with observability off still scales the api on the ALB's requests (AWS publishes ALB metrics itself)", async () => {
    const p = await plan("dev-noobs", "dev", { "dify:observability": false });
    assert.equal(ofPlan(p, "aws:cloudwatch/dashboard:Dashboard").length, 0, "observability really is off");
    const t = apiTrigger(p);
    assert.ok(t, "the api's aws-cloudwatch trigger");
    assert.match(t.metadata.dimensionValue, /^targetgroup\/k8s-[^;]+;app\/dify-dev\/\w+$/);
    assert.ok(!ofPlan(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").some((h) => named(h) === "dify-api"));
  });

  it("a closed network has the CloudWatch (monitoring) and STS endpoints KEDA needs, even with observability off", async () => {
    const p = await plan("closed-noobs", "prod", {
      "dify:observability": false,
      "dify:alarms": false,
      "dify:closedNetwork": true,
      "dify:imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      "dify:egressAllowedDomains": [".anthropic.com"],
    });
    const services = ofPlan(p, "aws:ec2/vpcEndpoint:VpcEndpoint").map((r) => String((r.rawInputs as Any).serviceName).replace("com.amazonaws.us-east-1.", ""));
    assert.ok(services.includes("monitoring") && services.includes("sts"), services.join(", "));
    assert.ok(apiTrigger(p));
  });
});
