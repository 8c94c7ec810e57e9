/**
 * Closed-network mode and private registries, on the real prod program (offline plan): what a
 * security reviewer checks before signing off an air-gapped install, and proof that the switch
 * changes nothing when it is off.
 */
import { strict as assert } from "assert";
import { Plan, planStack } from "../program/plan/plan";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../program/config";
import { KEDA_IMAGES, LB_CONTROLLER_IMAGE } from "../components/cluster/versions";
import { AWS_FOR_FLUENT_BIT_IMAGE } from "../components/observability";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const CLOSED: Record<string, unknown> = {
  "dify:closedNetwork": true,
  "dify:imageRegistry": REGISTRY,
  "dify:ecrPullThroughCache": true,
  "dify:ecrDockerHubCredentialArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
  "dify:ecrGithubCredentialArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/github-AbCdEf",
  "dify:egressAllowedDomains": ["bedrock-runtime.us-east-1.amazonaws.com", ".anthropic.com"],
  "dify:extraVpcEndpoints": ["bedrock-runtime"],
  "dify:pipMirrorUrl": "https://pypi.corp.example/simple",
};

const plans: Record<string, Plan> = {};
async function plan(kind: "default" | "off" | "closed"): Promise<Plan> {
  const overrides = kind === "closed" ? CLOSED : kind === "off" ? { "dify:closedNetwork": false } : {};
  plans[kind] ??= await planStack("prod", { overrides });
  return plans[kind];
}

type R = Plan["recorded"][number];
const ofType = (p: Plan, t: string): R[] => p.recorded.filter((r) => r.type === t);
const input = (r: R) => r.rawInputs as Record<string, unknown>;

/** Every container/initContainer image anywhere in a resource's inputs. */
function containerImages(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => containerImages(x, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if ((k === "containers" || k === "initContainers") && Array.isArray(x)) {
        for (const c of x) if (c && typeof (c as { image?: unknown }).image === "string") out.push((c as { image: string }).image);
      }
      containerImages(x, out);
    }
  }
  return out;
}

/** Resource inputs in a stable, comparable form (URN -> inputs + options [+ dependencies and dependsOn]). */
function fingerprint(p: Plan, withDeps = true): Map<string, string> {
  return new Map(p.document.resources.map((r) => {
    const options = withDeps ? r.options : { ...r.options, dependsOn: [] };
    return [r.urn, JSON.stringify({ inputs: r.inputs, options, deps: withDeps ? [...r.dependencies].sort() : [] })];
  }));
}

describe("closed network and private registries (prod plan)", function () {
  this.timeout(120000);

  it("has no NAT gateway, no internet gateway and no default route from the private subnets", async () => {
    const p = await plan("closed");
    assert.equal(ofType(p, "aws:ec2/natGateway:NatGateway").length, 0, "no NAT gateway");
    assert.equal(ofType(p, "aws:ec2/eip:Eip").length, 0, "no NAT elastic IPs");
    assert.equal(ofType(p, "aws:ec2/internetGateway:InternetGateway").length, 0, "closed mode with the (default) internal ALB keeps no internet gateway");
    const routes = ofType(p, "aws:ec2/route:Route");
    assert.deepEqual(routes.map((r) => r.name), [], "no route to anything outside the VPC");
    const privateTables = ofType(p, "aws:ec2/routeTable:RouteTable").filter((r) => /private/.test(r.name));
    assert.equal(privateTables.length, 3, "one private route table per AZ");
    for (const t of privateTables) assert.equal(input(t).routes, undefined, `${t.name} has no inline routes`);
  });

  it("creates private-DNS interface endpoints for every AWS API EKS and Dify call, with account-scoped policies, reachable only on 443 from the VPC", async () => {
    const p = await plan("closed");
    const eps = ofType(p, "aws:ec2/vpcEndpoint:VpcEndpoint");
    const service = (r: R) => String(input(r).serviceName).replace("com.amazonaws.us-east-1.", "");
    const iface = eps.filter((r) => input(r).vpcEndpointType === "Interface");
    const names = iface.map(service).sort();
    for (const s of ["ecr.api", "ecr.dkr", "sts", "ec2", "eks", "elasticloadbalancing", "autoscaling", "logs", "kms", "secretsmanager", "bedrock-runtime", "xray", "monitoring"]) {
      assert.ok(names.includes(s), `interface endpoint ${s} (got ${names.join(", ")})`);
    }
    assert.ok(eps.some((r) => service(r) === "s3" && input(r).vpcEndpointType === "Gateway"), "S3 gateway endpoint (ECR layers, Dify files)");
    for (const r of iface) {
      assert.equal(input(r).privateDnsEnabled, true, `${service(r)}: private DNS so SDKs need no endpoint config`);
      const pol = JSON.parse(String(input(r).policy));
      const cond = pol.Statement[0].Condition.StringEquals;
      const key = service(r) === "sts" ? "aws:ResourceAccount" : "aws:PrincipalAccount";
      assert.deepEqual(Object.keys(cond), [key], `${service(r)} endpoint policy scoped by ${key}`);
    }
    const sg = ofType(p, "aws:ec2/securityGroup:SecurityGroup").find((r) => /-endpoints$/.test(r.name))!;
    assert.deepEqual((input(sg).ingress as { fromPort: number; toPort: number; cidrBlocks: string[] }[]).map((i) => [i.fromPort, i.toPort, i.cidrBlocks]),
      [[443, 443, ["10.40.0.0/16"]]], "endpoints admit HTTPS from the VPC only");
  });

  it("pulls every workload and Helm chart image from the configured registry", async () => {
    const p = await plan("closed");
    const images = p.recorded.flatMap((r) => containerImages(r.rawInputs).map((i) => [r.name, i] as const));
    assert.ok(images.length >= 10, `found the workloads' images (${images.length})`);
    for (const [name, image] of images) assert.ok(image.startsWith(`${REGISTRY}/`), `${name}: ${image} comes from ${REGISTRY}`);
    assert.ok(images.some(([, i]) => i === `${REGISTRY}/docker-hub/langgenius/dify-api:1.16.1`), "Docker Hub images under docker-hub/");
    assert.ok(images.some(([, i]) => i.startsWith(`${REGISTRY}/docker-hub/library/postgres:`)), "official images keep library/ (ECR Docker Hub cache needs it)");
    const releases = ofType(p, "kubernetes:helm.sh/v3:Release");
    assert.equal(releases.length, 4, "three controllers and the Fluent Bit log shipper");
    for (const r of releases) {
      const img = (input(r).values as { image: Record<string, unknown> }).image;
      // KEDA's chart has one image per component (keda, metricsApiServer, webhooks), each rendered repository:tag when registry is "".
      const repos = typeof img.repository === "string" ? [img.repository] : Object.values(img as Record<string, { repository: string; registry: string }>).map((i) => { assert.equal(i.registry, ""); return i.repository; });
      for (const repo of repos) assert.ok(repo.startsWith(`${REGISTRY}/`), `${r.name} chart image ${repo}`);
    }
    assert.deepEqual(Object.values((input(releases.find((r) => r.name.endsWith("keda"))!).values as { image: Record<string, { repository: string }> }).image).map((i) => i.repository),
      [`${REGISTRY}/github/kedacore/keda`, `${REGISTRY}/github/kedacore/keda-metrics-apiserver`, `${REGISTRY}/github/kedacore/keda-admission-webhooks`]);
    const lb = input(releases.find((r) => /load-balancer/.test(r.name))!).values as Record<string, unknown>;
    assert.deepEqual([lb.enableShield, lb.enableWaf, lb.enableWafv2], [false, false, false], "the LB controller does not call Shield/WAF (no endpoints for them)");
  });

  it("creates pull-through cache rules for the prefixes images map to, and lets nodes import only under them", async () => {
    const p = await plan("closed");
    const rules = ofType(p, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").map((r) => [input(r).ecrRepositoryPrefix, input(r).upstreamRegistryUrl]);
    assert.deepEqual(rules.sort(), [["docker-hub", "registry-1.docker.io"], ["ecr-public", "public.ecr.aws"], ["github", "ghcr.io"], ["k8s", "registry.k8s.io"], ["quay", "quay.io"]]);
    const grant = ofType(p, "aws:iam/rolePolicy:RolePolicy").find((r) => /pull-through-cache/.test(r.name))!;
    const stmt = JSON.parse(String(input(grant).policy)).Statement[0];
    assert.deepEqual(stmt.Action, ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]);
    for (const res of stmt.Resource) assert.match(res, /^arn:aws:ecr:us-east-1:\d{12}:repository\/(docker-hub|ecr-public|github|k8s|quay)\/\*$/);
  });

  it("lets the SSRF proxy reach only the allow-listed domains (plus the pip mirror) and turns the marketplace off", async () => {
    const p = await plan("closed");
    const conf = String((input(ofType(p, "kubernetes:core/v1:ConfigMap").find((r) => /ssrf-proxy-config/.test(r.name))!).data as Record<string, string>)["squid.conf"]);
    const lines = conf.split("\n");
    assert.ok(lines.includes("acl allowed_domains dstdomain bedrock-runtime.us-east-1.amazonaws.com .anthropic.com pypi.corp.example"), conf);
    const deny = lines.indexOf("http_access deny !allowed_domains");
    assert.ok(deny > 0 && deny < lines.indexOf("http_access allow localnet"), "everything not on the list is denied before any allow");
    const cms = ofType(p, "kubernetes:core/v1:ConfigMap");
    const data = (n: string) => input(cms.find((r) => r.name.endsWith(`${n}-config`) && !/ssrf/.test(r.name))!).data as Record<string, string>;
    assert.equal(data("api").MARKETPLACE_ENABLED, "false");
    assert.equal(data("plugin-daemon").PIP_MIRROR_URL, "https://pypi.corp.example/simple");
    assert.equal(data("sandbox").PIP_MIRROR_URL, "https://pypi.corp.example/simple");
  });

  it("docs/closed-networks.md lists every image the default prod plan runs (what must be mirrored)", async () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "closed-networks.md"), "utf8");
    const p = await plan("default");
    const images = new Set(p.recorded.flatMap((r) => containerImages(r.rawInputs)));
    for (const r of ofType(p, "kubernetes:helm.sh/v3:Release")) {
      const v = input(r).values as { image?: { repository?: string; tag: string } };
      if (/keda/.test(r.name)) for (const i of Object.values(KEDA_IMAGES)) images.add(i);
      else images.add(v.image?.repository ? `${v.image.repository}:${v.image.tag}` : /autoscaler/.test(r.name) ? `registry.k8s.io/autoscaling/cluster-autoscaler:${v.image!.tag}` : LB_CONTROLLER_IMAGE);
    }
    // Closed mode adds the log shipper (the add-on's public.ecr.aws images cannot be pulled there).
    images.add(AWS_FOR_FLUENT_BIT_IMAGE);
    for (const i of images) assert.ok(doc.includes(`| \`${i}\` |`), `${i} is in the mirror table`);
  });

  it("ships container logs with the aws-for-fluent-bit chart from the mirror instead of the CloudWatch add-on, into the same log group", async () => {
    const [p, d] = [await plan("closed"), await plan("default")];
    const addons = (x: Plan) => ofType(x, "aws:eks/addon:Addon").filter((r) => input(r).addonName === "amazon-cloudwatch-observability");
    assert.equal(addons(d).length, 1, "the default plan keeps the add-on");
    assert.equal(addons(p).length, 0, "no add-on whose public.ecr.aws images the nodes cannot pull");
    assert.equal(ofType(d, "kubernetes:helm.sh/v3:Release").filter((r) => input(r).chart === "aws-for-fluent-bit").length, 0, "and no Fluent Bit release by default");
    const rel = ofType(p, "kubernetes:helm.sh/v3:Release").find((r) => input(r).chart === "aws-for-fluent-bit");
    assert.ok(rel, "a Fluent Bit release");
    assert.equal(input(rel).version, "0.2.0");
    assert.equal((input(rel).repositoryOpts as { repo: string }).repo, "https://aws.github.io/eks-charts");
    assert.equal(input(rel).namespace, "aws-for-fluent-bit");
    const v = input(rel).values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(v.image, { repository: `${REGISTRY}/ecr-public/aws-observability/aws-for-fluent-bit`, tag: "3.2.1" });
    // The same group the add-on writes, which the docs' queries and DifyBackups' metric filters read.
    const app = ofType(p, "aws:cloudwatch/logGroup:LogGroup").find((r) => /-logs-application$/.test(r.name))!;
    assert.match(String(input(app).name), /^\/aws\/containerinsights\/[^/]+\/application$/);
    assert.equal(v.cloudWatchLogs.logGroupName, input(app).name);
    assert.equal(v.cloudWatchLogs.enabled, true);
    assert.equal(v.cloudWatchLogs.region, "us-east-1");
    assert.equal(v.cloudWatchLogs.autoCreateGroup, false, "writes into the group with retention and the stack's key, never creates one");
    assert.equal(v.filter.mergeLogKey, "log_processed", "same record layout as the add-on (docs/observability.md queries log_processed.*)");
    assert.deepEqual(v.tolerations, [{ operator: "Exists" }], "runs on every node, the tainted spot workers included");
    assert.deepEqual(v.containerSecurityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, seccompProfile: { type: "RuntimeDefault" } });
    assert.ok(v.resources.limits.memory && v.resources.limits.cpu && v.resources.requests.cpu, "bounded resources");
    // IRSA: only this ServiceAccount, only the three calls, only on that group.
    const role = ofType(p, "aws:iam/role:Role").find((r) => /-fluent-bit$/.test(r.name))!;
    assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"] !== undefined, true);
    const trust = JSON.parse(String(input(role).assumeRolePolicy)).Statement[0].Condition.StringEquals;
    assert.deepEqual(Object.entries(trust).find(([k]) => k.endsWith(":sub"))![1], ["system:serviceaccount:aws-for-fluent-bit:aws-for-fluent-bit"]);
    const grant = JSON.parse(String(input(ofType(p, "aws:iam/rolePolicy:RolePolicy").find((r) => /-fluent-bit-access$/.test(r.name))!).policy));
    assert.equal(grant.Statement.length, 1);
    assert.deepEqual(grant.Statement[0].Action, ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]);
    const [group, streams] = grant.Statement[0].Resource as string[];
    assert.match(group, /application$/, "the application log group's ARN (the offline mocks give it a placeholder form)");
    assert.equal(streams, `${group}:log-stream:*`);
    const ns = ofType(p, "kubernetes:core/v1:Namespace").find((r) => (input(r).metadata as { name: string }).name === "aws-for-fluent-bit")!;
    assert.equal((input(ns).metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"], "privileged", "hostPath needs privileged (baseline forbids it)");
    const eps = ofType(p, "aws:ec2/vpcEndpoint:VpcEndpoint").map((r) => String(input(r).serviceName));
    assert.ok(eps.includes("com.amazonaws.us-east-1.logs") && eps.includes("com.amazonaws.us-east-1.sts"), "CloudWatch Logs and STS are reachable without internet");
  });

  it("passes the policy pack with zero mandatory violations", async () => {
    const p = await plan("closed");
    assert.deepEqual(p.document.policy.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy} ${v.urn}`), []);
  });

  it("closedNetwork=false is exactly the default plan", async () => {
    const [d, off] = [fingerprint(await plan("default")), fingerprint(await plan("off"))];
    const diff = [...new Set([...d.keys(), ...off.keys()])].filter((u) => d.get(u) !== off.get(u));
    assert.deepEqual(diff, []);
  });

  it("turning it on changes only the network, the images, the egress settings and the cache rules", async () => {
    // Inputs and options only: dependency lists of resources that depend on the whole cluster
    // change with its children (NAT gateways out, endpoints in), which is intended.
    const [off, on] = [fingerprint(await plan("off"), false), fingerprint(await plan("closed"), false)];
    const type = (u: string) => u.split("::")[2].split("$").pop()!;
    const added = [...on.keys()].filter((u) => !off.has(u)).map(type);
    const removed = [...off.keys()].filter((u) => !on.has(u)).map(type);
    const changed = [...on.keys()].filter((u) => off.has(u) && off.get(u) !== on.get(u)).map(type);
    const uniq = (a: string[]) => [...new Set(a)].sort();
    // The Fluent Bit log shipper (namespace, IRSA role, Helm release) replaces the CloudWatch add-on.
    assert.deepEqual(uniq(added), ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
      "kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release"]);
    // The WAF goes too: the ALB turns internal and the controller runs without its WAF integration.
    // Without the add-on no Container Insights metrics exist: its dataplane/host/performance log
    // groups and the alarms on those metrics (nodes-not-ready, crash-loop) go with it.
    assert.deepEqual(uniq(removed), ["aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:ec2/eip:Eip", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/route:Route",
      "aws:eks/addon:Addon", "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"]);
    // Changed: workloads (images), ConfigMaps (squid allow-list, marketplace, pip mirror),
    // NetworkPolicies (443 to the endpoints), the controllers' chart values, the internal ALB,
    // node groups (wait for the endpoints) and the bootstrap Job (image in its name hash).
    const allowedChanges = new Set([
      "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:ConfigMap",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:helm.sh/v3:Release",
      "aws:eks/nodeGroup:NodeGroup", "aws:ec2/routeTable:RouteTable",
      // No Container Insights panels without the add-on.
      "aws:cloudwatch/dashboard:Dashboard",
    ]);
    for (const t of uniq(changed)) assert.ok(allowedChanges.has(t), `unexpected change to ${t}`);
    assert.ok(changed.includes("kubernetes:apps/v1:Deployment") && changed.includes("kubernetes:core/v1:ConfigMap"), "images and egress settings did change");
  });

  it("refuses a registry prefix that is not a registry host/path, and closed mode without an allow-list or a registry", async () => {
    const bad = async (overrides: Record<string, unknown>, re: RegExp) => {
      await assert.rejects(planStack("prod", { overrides, policy: false }), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.message, re);
        return true;
      });
    };
    await bad({ "dify:imageRegistry": "https://registry.example.com" }, /dify:imageRegistry: got "https:\/\/registry.example.com", allowed a registry host.*scheme/);
    await bad({ "dify:imageRegistry": "myorg" }, /dify:imageRegistry: .*DNS name with a dot/);
    await bad({ ...CLOSED, "dify:egressAllowedDomains": [] }, /dify:egressAllowedDomains: empty with dify:closedNetwork; Dify must reach an LLM provider/);
    await bad({ ...CLOSED, "dify:imageRegistry": undefined, "dify:ecrPullThroughCache": false }, /dify:closedNetwork: true without dify:imageRegistry/);
    await bad({ ...CLOSED, "dify:ecrDockerHubCredentialArn": undefined }, /dify:ecrDockerHubCredentialArn: required when dify:ecrPullThroughCache/);
    await bad({ ...CLOSED, "dify:ecrGithubCredentialArn": undefined }, /dify:ecrGithubCredentialArn: required when dify:ecrPullThroughCache/);
    await bad({ "dify:egressAllowedDomains": ["https://api.openai.com"] }, /dify:egressAllowedDomains: item "https:\/\/api.openai.com" is invalid/);
    await bad({ ...CLOSED, "dify:containerInsights": true }, /dify:containerInsights: got true with dify:closedNetwork; allowed false or unset/);
  });
});

describe("connection tuning (prod plan, dify:networkTuning)", function () {
  this.timeout(120000);
  // Kubelet safe set = what PSS baseline/restricted admit (Kubernetes 1.29+); anything else would
  // be refused by the namespace's pod-security label or by the kubelet.
  const SAFE = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);

  it("sets only safe pod sysctls on the connection-heavy services, keeps gunicorn's graceful timeout and raises its backlog", async () => {
    const p = await planStack("prod", { overrides: { "dify:networkTuning": true } });
    const deps = p.recorded.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    const spec = (r: R) => (r.rawInputs as { spec: { template: { spec: { securityContext: { sysctls?: { name: string; value: string }[] }; containers: { env: { name: string; value?: string }[] }[] } } } }).spec.template.spec;
    const tuned = deps.filter((r) => spec(r).securityContext.sysctls).map((r) => r.name).sort();
    assert.deepEqual(tuned, ["dify-api", "dify-plugin-daemon", "dify-ssrf-proxy", "dify-web", "dify-worker"]);
    for (const r of deps) for (const s of spec(r).securityContext.sysctls ?? []) assert.ok(SAFE.has(s.name), `${r.name}: ${s.name} is in the safe set`);
    const api = deps.find((r) => r.name === "dify-api")!;
    assert.equal(spec(api).containers[0].env.find((e) => e.name === "GUNICORN_CMD_ARGS")?.value, "--graceful-timeout 300 --backlog 4096");
    assert.deepEqual(p.document.policy.violations.filter((v) => v.level === "mandatory"), []);
  });
});
