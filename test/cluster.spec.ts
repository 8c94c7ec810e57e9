import { strict as assert } from "assert";
import { NODE_ROLE_LABEL, NodeRole, WORKERS_TAINT } from "../components/contracts";
import { CapacityType, DifyCluster, DifyClusterArgs, NatGateways, NodeArchitecture } from "../components/cluster";
import { subnetLayout } from "../components/cluster/cidr";
import { ADDON_VERSIONS_1_35, CLUSTER_AUTOSCALER_CHART, KEDA_CHART, LB_CONTROLLER_CHART } from "../components/cluster/versions";
import { MockRun, RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";
import { evaluatePolicies } from "../policy/runner";

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const PROD: DifyClusterArgs = { publicAccessCidrs: ["203.0.113.0/24"], adminRoleArns: [ADMIN] };
const DEV: DifyClusterArgs = {
  production: false,
  azCount: 2,
  natGatewayPerAz: false,
  enableAllControlPlaneLogs: false,
  publicAccessCidrs: ["0.0.0.0/0"],
  systemNodes: { instanceTypes: ["t4g.medium"], minSize: 1, maxSize: 2, desiredSize: 1 },
  appNodes: { instanceTypes: ["t4g.large"], minSize: 1, maxSize: 3, desiredSize: 1 },
  workerNodes: { instanceTypes: ["t4g.large", "m7g.large", "m6g.large"], minSize: 0, maxSize: 3, desiredSize: 1 },
};

const ofType = (run: MockRun<unknown>, type: string) => run.resources.filter((r) => r.type === type);
const one = (run: MockRun<unknown>, type: string, name?: string) => {
  const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
  assert.equal(found.length, 1, `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  return found[0];
};
const helmValues = (r: RecordedResource) => r.rawInputs.values as Record<string, unknown>;
const trust = (role: RecordedResource) => JSON.parse(role.rawInputs.assumeRolePolicy as string);

describe("DifyCluster (prod)", () => {
  let run: MockRun<DifyCluster>;
  before(async () => {
    run = await runUnderMocks(() => new DifyCluster("prod", PROD), { stack: "prod" });
  });

  it("survives a zone loss: 3 AZs of private and public subnets, a NAT gateway per AZ, S3 through a gateway endpoint", () => {
    const subnets = ofType(run, "aws:ec2/subnet:Subnet");
    const priv = subnets.filter((s) => s.name.includes("private"));
    const pub = subnets.filter((s) => s.name.includes("public"));
    assert.equal(priv.length, 3);
    assert.equal(pub.length, 3);
    assert.equal(new Set(priv.map((s) => s.inputs.availabilityZone)).size, 3, "one private subnet per zone");
    assert.deepEqual(priv.map((s) => s.inputs.cidrBlock), ["10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18"]);
    assert.ok(pub.every((s) => (s.inputs.tags as Record<string, string>)["kubernetes.io/role/elb"] === "1"), "public subnets tagged for internet-facing ALBs");
    assert.ok(pub.every((s) => s.inputs.mapPublicIpOnLaunch === false));
    const tag = (s: RecordedResource, key: string) => (s.inputs.tags as Record<string, string>)[key];
    assert.ok(priv.every((s) => tag(s, "kubernetes.io/role/internal-elb") === undefined), "no internal load balancer where pods take their addresses");
    assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 3);
    const natRoutes = ofType(run, "aws:ec2/route:Route").filter((r) => r.inputs.natGatewayId);
    assert.equal(new Set(natRoutes.map((r) => r.inputs.natGatewayId)).size, 3, "each zone egresses through its own NAT");
    const defaultSg = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    assert.deepEqual([defaultSg.inputs.ingress, defaultSg.inputs.egress], [[], []], "the VPC's default group admits nothing");
    const s3 = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
    assert.equal(s3.inputs.serviceName, "com.amazonaws.us-east-1.s3");
    assert.equal(s3.inputs.vpcEndpointType, "Gateway");
    assert.equal((s3.inputs.routeTableIds as string[]).length, 3);
  });

  it("puts internal load balancers in dedicated subnets, one per zone, that no node or pod uses", async () => {
    const subnets = ofType(run, "aws:ec2/subnet:Subnet");
    const lb = subnets.filter((s) => s.name.includes("internal-lb"));
    const tagged = subnets.filter((s) => (s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"] === "1");
    assert.deepEqual(tagged.map((s) => s.name), ["prod-internal-lb-0", "prod-internal-lb-1", "prod-internal-lb-2"], "the only subnets the LB controller picks for an internal ALB");
    assert.deepEqual(lb.map((s) => s.inputs.cidrBlock), subnetLayout("10.40.0.0/16", 3).internalLbCidrs);
    assert.deepEqual(lb.map((s) => s.inputs.cidrBlock), ["10.40.224.0/24", "10.40.225.0/24", "10.40.226.0/24"]);
    const priv = subnets.filter((s) => s.name.includes("private"));
    assert.deepEqual(lb.map((s) => s.inputs.availabilityZone), priv.map((s) => s.inputs.availabilityZone), "one per node zone");
    const rt = one(run, "aws:ec2/routeTable:RouteTable", "prod-internal-lb");
    assert.equal(ofType(run, "aws:ec2/route:Route").filter((r) => r.dependencies.includes(rt.urn)).length, 0, "local route only: no NAT, no internet");
    const assoc = ofType(run, "aws:ec2/routeTableAssociation:RouteTableAssociation").filter((a) => a.name.includes("internal-lb"));
    assert.equal(assoc.length, 3);
    assert.ok(assoc.every((a) => a.dependencies.includes(rt.urn)), "associated with that table");
    for (const g of ofType(run, "aws:eks/nodeGroup:NodeGroup")) {
      assert.ok(!(g.inputs.subnetIds as string[]).some((id) => id.includes("internal-lb")), `${g.name} has no node there`);
    }
    assert.deepEqual((await resolve(run.value.internalLbSubnetIds)).value, ["prod-internal-lb-0-id", "prod-internal-lb-1-id", "prod-internal-lb-2-id"]);
  });

  it("encrypts Secrets with a rotating, protected CMK, logs every control-plane type and restricts the API endpoint", () => {
    const cluster = one(run, "eks:index:Cluster");
    assert.equal(cluster.remote, true);
    const key = one(run, "aws:kms/key:Key");
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.equal(key.options.protect, true, "losing the key loses every Secret");
    assert.equal(cluster.inputs.encryptionConfigKeyArn, "arn:aws:kms:us-east-1:123456789012:key/prod-secrets");
    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    assert.equal(one(run, "aws:cloudwatch/logGroup:LogGroup").inputs.name, "/aws/eks/prod/cluster");
    assert.ok(cluster.dependencies.includes(one(run, "aws:cloudwatch/logGroup:LogGroup").urn), "log group (with retention) exists before EKS would create one without");
    assert.equal(cluster.inputs.endpointPrivateAccess, true);
    assert.deepEqual(cluster.inputs.publicAccessCidrs, ["203.0.113.0/24"]);
    assert.equal(cluster.inputs.authenticationMode, "API", "access entries only, no aws-auth ConfigMap");
    assert.deepEqual(cluster.inputs.accessEntries, {
      "admin-0": {
        principalArn: ADMIN,
        accessPolicies: { clusterAdmin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } } },
      },
    });
    assert.equal(cluster.inputs.createOidcProvider, true);
    assert.equal(cluster.inputs.deletionProtection, true);
    assert.equal(cluster.inputs.version, "1.35");
    assert.deepEqual(cluster.inputs.upgradePolicy, { supportType: "STANDARD" }, "no silent $0.60/h extended support");
  });

  it("has a multi-zone system group and one app and one workers group per zone, on demand vs spot, with the taint and label DifyApp relies on", () => {
    const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup");
    const roleOf = (g: RecordedResource) => (g.inputs.labels as Record<string, string>)[NODE_ROLE_LABEL];
    assert.deepEqual(groups.map((g) => g.name).sort(), ["prod-app-0", "prod-app-1", "prod-app-2", "prod-system", "prod-workers-0", "prod-workers-1", "prod-workers-2"]);
    const all = ["prod-private-0-id", "prod-private-1-id", "prod-private-2-id"];
    for (const g of groups) {
      const role = roleOf(g);
      assert.equal(g.inputs.capacityType, role === NodeRole.Workers ? "SPOT" : "ON_DEMAND", role);
      assert.equal(g.inputs.amiType, "AL2023_ARM_64_STANDARD");
      assert.deepEqual(g.options.ignoreChanges, ["scalingConfig.desiredSize"], "a deploy must not undo the autoscaler");
      assert.deepEqual(g.inputs.taints, role === NodeRole.Workers ? [{ key: WORKERS_TAINT.key, value: WORKERS_TAINT.value, effect: "NO_SCHEDULE" }] : [], g.name);
      if (role === NodeRole.System) {
        assert.deepEqual(g.inputs.subnetIds, all, "system: one group over every zone (nothing there has a hard zone constraint)");
      } else {
        const i = Number(g.name.split("-").pop());
        assert.deepEqual(g.inputs.subnetIds, [all[i]], `${g.name} is confined to zone ${i}: the autoscaler knows where its nodes land`);
      }
    }
    for (const role of [NodeRole.App, NodeRole.Workers]) {
      const zonal = groups.filter((g) => roleOf(g) === role);
      assert.equal(zonal.length, 3, `one ${role} group per zone`);
      assert.deepEqual(new Set(zonal.map((g) => JSON.stringify([g.inputs.instanceTypes, g.inputs.launchTemplate, g.inputs.labels, g.inputs.taints]))).size, 1,
        `${role} groups are identical but for the zone (balance-similar-node-groups treats them as one pool)`);
    }
    assert.ok((groups.find((g) => g.name === "prod-workers-0")!.inputs.instanceTypes as string[]).length >= 3, "several spot pools");
    const scaling = (name: string) => groups.find((g) => g.name === name)!.inputs.scalingConfig;
    assert.deepEqual(scaling("prod-system"), { minSize: 2, maxSize: 4, desiredSize: 2 });
    // app 3/9/3 over 3 zones: 1/3/1 each; workers 2/12/2: floors 1, 1, 0 (exactly 2), ceilings 4 each.
    for (const i of [0, 1, 2]) assert.deepEqual(scaling(`prod-app-${i}`), { minSize: 1, maxSize: 3, desiredSize: 1 });
    assert.deepEqual([0, 1, 2].map((i) => scaling(`prod-workers-${i}`)), [
      { minSize: 1, maxSize: 4, desiredSize: 1 }, { minSize: 1, maxSize: 4, desiredSize: 1 }, { minSize: 0, maxSize: 4, desiredSize: 0 },
    ]);
  });

  it("boots nodes whose IMDS pods cannot reach (IMDSv2, hop limit 1) with encrypted gp3 roots and both security groups", () => {
    const lts = ofType(run, "aws:ec2/launchTemplate:LaunchTemplate");
    assert.equal(lts.length, 3, "one launch template per role, shared by its zonal groups");
    for (const lt of lts) {
      assert.deepEqual(lt.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
      const [bdm] = lt.inputs.blockDeviceMappings as { deviceName: string; ebs: Record<string, unknown> }[];
      assert.equal(bdm.deviceName, "/dev/xvda");
      assert.equal(bdm.ebs.volumeType, "gp3");
      assert.equal(bdm.ebs.encrypted, "true");
      assert.deepEqual(lt.inputs.vpcSecurityGroupIds, ["sg-eks-cluster-prod", "prod-workloads-id"], "cluster SG must be listed explicitly with a template SG");
      assert.equal(lt.inputs.imageId, undefined, "EKS picks and bootstraps the AL2023 AMI");
    }
  });

  it("pins every add-on, enforces NetworkPolicies in the VPC CNI, and installs the CNI before any node boots", () => {
    const addons = ofType(run, "aws:eks/addon:Addon");
    const byName = Object.fromEntries(addons.map((a) => [a.inputs.addonName as string, a]));
    assert.deepEqual(Object.keys(byName).sort(), ["aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server", "vpc-cni"]);
    assert.equal(byName["vpc-cni"].inputs.addonVersion, ADDON_VERSIONS_1_35.vpcCni);
    assert.ok(addons.every((a) => /^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(a.inputs.addonVersion as string)), "exact versions, never latest");
    assert.deepEqual(JSON.parse(byName["vpc-cni"].inputs.configurationValues as string), { enableNetworkPolicy: "true" });
    for (const g of ofType(run, "aws:eks/nodeGroup:NodeGroup")) {
      assert.ok(g.dependencies.includes(byName["vpc-cni"].urn), `${g.name} waits for the CNI`);
      assert.ok(byName.coredns.dependencies.includes(g.urn), `CoreDNS waits for ${g.name}`);
    }
    const sc = one(run, "kubernetes:storage.k8s.io/v1:StorageClass");
    assert.equal((sc.inputs.metadata as { annotations: Record<string, string> }).annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.deepEqual(sc.inputs.parameters, { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" });
    assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
  });

  it("gives each add-on and controller its own IRSA role that only its ServiceAccount can assume", () => {
    const issuer = "oidc.eks.us-east-1.amazonaws.com/id/70726F64000000000000000000000000";
    const expected: Record<string, string> = {
      "prod-vpc-cni": "kube-system:aws-node",
      "prod-ebs-csi": "kube-system:ebs-csi-controller-sa",
      "prod-lb-controller": "kube-system:aws-load-balancer-controller",
      "prod-cluster-autoscaler": "kube-system:cluster-autoscaler",
    };
    for (const [name, sa] of Object.entries(expected)) {
      const doc = trust(one(run, "aws:iam/role:Role", name));
      assert.equal(doc.Statement.length, 1);
      assert.deepEqual(doc.Statement[0].Principal, { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` });
      assert.deepEqual(doc.Statement[0].Condition, { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${sa}`, [`${issuer}:aud`]: "sts.amazonaws.com" } });
    }
    const addons = ofType(run, "aws:eks/addon:Addon");
    const ebs = addons.find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
    assert.equal(ebs.inputs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/prod-ebs-csi");
    const nodePolicies = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === "prod-node").map((a) => a.inputs.policyArn);
    assert.ok(!nodePolicies.some((p) => String(p).includes("CNI")), "CNI permissions live on the aws-node role, not on every node");
  });

  it("installs the LB controller and the Cluster Autoscaler from pinned charts on system nodes, configured without IMDS", () => {
    const releases = ofType(run, "kubernetes:helm.sh/v3:Release");
    const lb = releases.find((r) => r.inputs.chart === LB_CONTROLLER_CHART.chart)!;
    const ca = releases.find((r) => r.inputs.chart === CLUSTER_AUTOSCALER_CHART.chart)!;
    assert.equal(lb.inputs.version, "3.5.0");
    assert.equal(ca.inputs.version, "9.59.0");
    const lbv = helmValues(lb);
    assert.equal(lbv.region, "us-east-1");
    assert.equal(lbv.vpcId, "prod-vpc-id");
    assert.equal(lbv.clusterName, "prod");
    assert.deepEqual(lbv.nodeSelector, { [NODE_ROLE_LABEL]: "system" });
    assert.deepEqual((lbv.serviceAccount as { annotations: unknown }).annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/prod-lb-controller" });
    const cav = helmValues(ca);
    assert.deepEqual(cav.autoDiscovery, { clusterName: "prod" }, "discovers every group by the tags EKS puts on its ASG");
    assert.equal((cav.extraArgs as Record<string, unknown>)["balance-similar-node-groups"], true, "keeps the per-zone groups of a role even");
    assert.equal(cav.awsRegion, "us-east-1");
    assert.deepEqual((cav.image as { tag: string }).tag, "v1.35.0");
    // Scaling actions only on this cluster's groups.
    const caPolicy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "prod-cluster-autoscaler").rawInputs.policy as string);
    const mutate = caPolicy.Statement.find((st: { Action: string[] }) => st.Action.includes("autoscaling:SetDesiredCapacity"));
    assert.equal(mutate.Condition.StringEquals["aws:ResourceTag/k8s.io/cluster-autoscaler/prod"], "owned");
    // The LB controller can only delete what it tagged.
    const lbPolicy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "prod-lb-controller").rawInputs.policy as string);
    const del = lbPolicy.Statement.find((st: { Action: string[] }) => st.Action.includes("elasticloadbalancing:DeleteLoadBalancer"));
    assert.deepEqual(del.Condition, { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } });
    for (const r of releases) assert.ok(r.provider?.includes("pulumi:providers:kubernetes"), "installed through the cluster's own provider");
  });

  // What each pinned chart renders from its values (the pack cannot see inside a Helm release):
  // the chart's own defaults for the keys involved (values.yaml at the pinned version), merged with
  // ours the way Helm merges maps, placed where templates/deployment.yaml puts them.
  const CHART_POD = {
    // aws/eks-charts stable/aws-load-balancer-controller 3.5.0 @ 5239609
    [LB_CONTROLLER_CHART.chart]: {
      defaults: { podSecurityContext: { fsGroup: 65534 }, securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false }, resources: {} },
      pod: "podSecurityContext", container: "securityContext",
    },
    // kubernetes/autoscaler cluster-autoscaler-chart-9.59.0 @ 5a0b98e4
    [CLUSTER_AUTOSCALER_CHART.chart]: {
      defaults: { securityContext: {}, containerSecurityContext: {}, resources: {} },
      pod: "securityContext", container: "containerSecurityContext",
    },
  };
  // kedacore/charts keda 2.20.2 @ cbb9bb8c: one Deployment per component, each reading
  // podSecurityContext.<c>, securityContext.<c> and resources.<c> (templates/<dir>/deployment.yaml).
  const KEDA_DEFAULT_CONTAINER = { capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, seccompProfile: { type: "RuntimeDefault" } };
  const KEDA_DEFAULT_RESOURCES = { limits: { cpu: 1, memory: "1000Mi" }, requests: { cpu: "100m", memory: "100Mi" } };
  const KEDA_DEFAULTS = Object.fromEntries(["podSecurityContext", "securityContext", "resources"].map((k) => [k, Object.fromEntries(["operator", "metricServer", "webhooks"].map((c) =>
    [c, k === "podSecurityContext" ? { runAsNonRoot: true } : k === "securityContext" ? KEDA_DEFAULT_CONTAINER : KEDA_DEFAULT_RESOURCES]))]));
  const helmMerge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const prev = out[k];
      out[k] = v && prev && typeof v === "object" && typeof prev === "object" && !Array.isArray(v) ? helmMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
    return out;
  };

  it("KEDA's three pods (operator, metrics API server, webhooks) get resources and PSS-restricted security contexts through the chart's values", () => {
    const r = ofType(run, "kubernetes:helm.sh/v3:Release").find((x) => x.inputs.chart === KEDA_CHART.chart)!;
    assert.equal(r.inputs.version, "2.20.2");
    const v = helmMerge(KEDA_DEFAULTS, helmValues(r)) as Record<string, Record<string, unknown>>;
    assert.deepEqual(helmValues(r).nodeSelector, { "dify-aws/node-role": "system" });
    for (const c of ["operator", "metricServer", "webhooks"]) {
      const rendered = {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `keda-${c}`, namespace: "kube-system" },
        spec: { template: { spec: {
          securityContext: v.podSecurityContext[c],
          containers: [{ name: c, image: "registry.example/keda:v1.0.0", securityContext: v.securityContext[c], resources: v.resources[c] }],
        } } },
      };
      const report = evaluatePolicies([{ urn: `urn:pulumi:prod::dify::kubernetes:apps/v1:Deployment::keda-${c}`, type: "kubernetes:apps/v1:Deployment", name: `keda-${c}`, props: rendered }], {});
      assert.deepEqual(report.violations.filter((x) => x.policy.startsWith("k8s-")).map((x) => `${x.policy}: ${x.message}`), [], `keda ${c} pod as rendered`);
    }
  });

  it("the LB controller and Cluster Autoscaler pods get resources and PSS-restricted security contexts through their charts' values", () => {
    const releases = ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart !== KEDA_CHART.chart);
    assert.equal(releases.length, 2);
    for (const r of releases) {
      const chart = String(r.inputs.chart);
      const c = CHART_POD[chart];
      assert.ok(c, chart);
      const v = helmMerge(c.defaults, helmValues(r));
      const nonEmpty = (x: unknown) => (x && Object.keys(x as object).length > 0 ? x : undefined);
      const rendered = {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: chart, namespace: "kube-system" },
        spec: { template: { spec: {
          securityContext: nonEmpty(v[c.pod]),
          containers: [{ name: chart, image: "registry.example/controller:v1.0.0", securityContext: nonEmpty(v[c.container]), resources: v.resources }],
        } } },
      };
      const report = evaluatePolicies([{ urn: `urn:pulumi:prod::dify::kubernetes:apps/v1:Deployment::${chart}`, type: "kubernetes:apps/v1:Deployment", name: chart, props: rendered }], {});
      const k8s = report.violations.filter((x) => x.policy.startsWith("k8s-")).map((x) => `${x.policy}: ${x.message}`);
      assert.deepEqual(k8s, [], `${chart} pod as rendered`);
      const sc = v[c.container] as { capabilities: { drop: string[] }; seccompProfile: { type: string } };
      assert.deepEqual(sc.capabilities.drop, ["ALL"]);
      assert.equal(sc.seccompProfile.type, "RuntimeDefault");
      assert.equal((v[c.pod] as { fsGroup: number }).fsGroup, 65534, "the projected IRSA token stays readable by the non-root uid");
    }
  });

  it("hands out a secret kubeconfig and the handles other components need", async () => {
    const c = run.value;
    const kc = await resolve(c.kubeconfig);
    assert.equal(kc.secret, true);
    assert.match(String(kc.value), /"get-token","--cluster-name","prod"/);
    assert.equal((await resolve(c.oidcIssuer)).value, "oidc.eks.us-east-1.amazonaws.com/id/70726F64000000000000000000000000");
    assert.match(String((await resolve(c.oidcProviderArn)).value), /^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\./);
    assert.equal((await resolve(c.ingressClassName)).value, "alb");
    assert.equal((await resolve(c.storageClassName)).value, "gp3");
    assert.equal((await resolve(c.nodeSecurityGroupId)).value, "prod-workloads-id");
    assert.deepEqual((await resolve(c.publicSubnetIds)).value, ["prod-public-0-id", "prod-public-1-id", "prod-public-2-id"]);
    const k8sProvider = one(run, "pulumi:providers:kubernetes");
    assert.deepEqual(k8sProvider.secretPaths, ["kubeconfig"]);
  });
});

describe("DifyCluster (dev)", () => {
  it("is the same shape, smaller and cheaper: 2 AZs, one NAT, minimal logs, nothing protected", async () => {
    const run = await runUnderMocks(() => new DifyCluster("dev", DEV), { stack: "dev" });
    assert.equal(ofType(run, "aws:ec2/subnet:Subnet").length, 6, "private, public and internal-lb per zone");
    assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 1);
    const routes = ofType(run, "aws:ec2/route:Route").filter((r) => r.inputs.natGatewayId);
    assert.equal(routes.length, 2, "both private route tables use the single NAT");
    const cluster = one(run, "eks:index:Cluster");
    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["audit", "authenticator"]);
    assert.equal(cluster.inputs.deletionProtection, false);
    assert.deepEqual(cluster.inputs.publicAccessCidrs, ["0.0.0.0/0"], "allowed outside production");
    assert.equal(one(run, "aws:kms/key:Key").options.protect, false);
    const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup");
    assert.deepEqual(groups.map((g) => g.name).sort(), ["dev-app-0", "dev-app-1", "dev-system", "dev-workers-0", "dev-workers-1"], "2 zones: 2 app and 2 workers groups");
    const sub = (name: string) => one(run, "aws:eks/nodeGroup:NodeGroup", name).inputs.subnetIds;
    assert.deepEqual([sub("dev-app-0"), sub("dev-app-1"), sub("dev-workers-0"), sub("dev-workers-1")], [["dev-private-0-id"], ["dev-private-1-id"], ["dev-private-0-id"], ["dev-private-1-id"]]);
    assert.deepEqual(sub("dev-system"), ["dev-private-0-id", "dev-private-1-id"]);
    assert.equal(ofType(run, "aws:eks/addon:Addon").length, 5);
    assert.equal(ofType(run, "kubernetes:helm.sh/v3:Release").length, 3, "load balancer controller, cluster autoscaler, KEDA");
    const scaling = (name: string) => one(run, "aws:eks/nodeGroup:NodeGroup", name).inputs.scalingConfig;
    assert.equal(one(run, "aws:eks/nodeGroup:NodeGroup", "dev-workers-1").inputs.capacityType, "SPOT");
    // app 1/3/1 and workers 0/3/1 over 2 zones: the floor and the initial size stay exactly as
    // configured (no extra always-on node in dev); each zone may grow to ceil(3/2) = 2.
    assert.deepEqual([scaling("dev-app-0"), scaling("dev-app-1")], [{ minSize: 1, maxSize: 2, desiredSize: 1 }, { minSize: 0, maxSize: 2, desiredSize: 0 }]);
    assert.deepEqual([scaling("dev-workers-0"), scaling("dev-workers-1")], [{ minSize: 0, maxSize: 2, desiredSize: 1 }, { minSize: 0, maxSize: 2, desiredSize: 0 }]);
    assert.deepEqual(scaling("dev-system"), { minSize: 1, maxSize: 2, desiredSize: 1 });
  });

  it("without NAT (natGateways none): nodes in public node subnets with a public IPv4, no NAT or Elastic IP, nothing admitted from the internet", async () => {
    const run = await runUnderMocks(() => new DifyCluster("dev", { ...DEV, natGatewayPerAz: undefined, natGateways: NatGateways.None }), { stack: "dev" });
    assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 0, "no NAT gateway");
    assert.equal(ofType(run, "aws:ec2/eip:Eip").length, 0, "no Elastic IP");
    const subnets = ofType(run, "aws:ec2/subnet:Subnet");
    const nodes = subnets.filter((s) => s.name.startsWith("dev-nodes-"));
    assert.deepEqual(nodes.map((s) => [s.name, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch]),
      [["dev-nodes-0", "10.40.208.0/22", true], ["dev-nodes-1", "10.40.212.0/22", true]], "EKS: a managed node group in a public subnet needs MapPublicIpOnLaunch");
    assert.ok(subnets.filter((s) => !s.name.startsWith("dev-nodes-")).every((s) => s.inputs.mapPublicIpOnLaunch !== true), "no other subnet hands out public addresses");
    const tags = (s: RecordedResource) => Object.keys(s.inputs.tags as Record<string, string>);
    assert.ok(nodes.every((s) => !tags(s).some((t) => t.startsWith("kubernetes.io/role/"))), "no load balancer is placed among the nodes");
    // Every node group (both per-zone groups and system) in the node subnets, none in the private ones.
    for (const g of ofType(run, "aws:eks/nodeGroup:NodeGroup")) {
      const ids = g.inputs.subnetIds as string[];
      assert.ok(ids.length > 0 && ids.every((id) => /^dev-nodes-\d-id$/.test(id)), `${g.name}: ${ids}`);
    }
    // The node subnets route to the internet gateway; the private ones (data services) route nowhere.
    const rt = one(run, "aws:ec2/routeTable:RouteTable", "dev-nodes");
    const routes = ofType(run, "aws:ec2/route:Route");
    assert.deepEqual(routes.filter((r) => r.dependencies.includes(rt.urn)).map((r) => [r.inputs.destinationCidrBlock, r.inputs.gatewayId]), [["0.0.0.0/0", "dev-igw-id"]]);
    assert.ok(routes.every((r) => !String(r.name).startsWith("dev-private")), "private subnets have no default route");
    const s3 = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
    assert.ok((s3.inputs.routeTableIds as string[]).includes("dev-nodes-id"), "S3 from the nodes through the gateway endpoint");
    // Nothing on a node admits the internet: the workloads group has no rule, no ingress rule anywhere is open to 0.0.0.0/0.
    for (const lt of ofType(run, "aws:ec2/launchTemplate:LaunchTemplate")) {
      assert.deepEqual(lt.inputs.vpcSecurityGroupIds, ["sg-eks-cluster-dev", "dev-workloads-id"], `${lt.name}: the EKS cluster group (inbound from itself only) and the workloads group`);
    }
    const workloads = one(run, "aws:ec2/securityGroup:SecurityGroup", "dev-workloads");
    assert.equal(workloads.inputs.ingress, undefined, "the workloads group has no inline rule");
    const open = [...ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), ...ofType(run, "aws:ec2/securityGroupRule:SecurityGroupRule")]
      .filter((r) => r.inputs.type !== "egress" && (r.inputs.cidrIpv4 === "0.0.0.0/0" || JSON.stringify(r.inputs.cidrBlocks ?? []).includes("0.0.0.0/0")));
    assert.deepEqual(open.map((r) => r.name), []);
    // Spot on request, per group.
    const spot = await runUnderMocks(() => new DifyCluster("dev", { ...DEV, appNodes: { ...DEV.appNodes, capacityType: CapacityType.Spot } }), { stack: "dev" });
    assert.deepEqual(ofType(spot, "aws:eks/nodeGroup:NodeGroup").map((g) => [g.name, g.inputs.capacityType]).sort(),
      [["dev-app-0", "SPOT"], ["dev-app-1", "SPOT"], ["dev-system", "ON_DEMAND"], ["dev-workers-0", "SPOT"], ["dev-workers-1", "SPOT"]]);
  });

  it("runs in an existing VPC: creates no VPC, tags the given subnets for load balancers", async () => {
    const run = await runUnderMocks(() => new DifyCluster("byo", {
      ...DEV,
      existingVpc: { vpcId: "vpc-0abc", privateSubnetIds: ["subnet-p1", "subnet-p2"], publicSubnetIds: ["subnet-a1", "subnet-a2"] },
    }), { stack: "dev" });
    assert.equal(ofType(run, "aws:ec2/vpc:Vpc").length, 0);
    assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 0);
    const tags = ofType(run, "aws:ec2/tag:Tag").map((t) => `${t.inputs.resourceId}:${t.inputs.key}`).sort();
    assert.deepEqual(tags, ["subnet-a1:kubernetes.io/role/elb", "subnet-a2:kubernetes.io/role/elb", "subnet-p1:kubernetes.io/role/internal-elb", "subnet-p2:kubernetes.io/role/internal-elb"]);
    assert.equal(one(run, "aws:ec2/securityGroup:SecurityGroup").inputs.vpcId, "vpc-0abc");
    assert.deepEqual(one(run, "eks:index:Cluster").inputs.privateSubnetIds, ["subnet-p1", "subnet-p2"]);
    assert.deepEqual((await resolve(run.value.internalLbSubnetIds)).value, ["subnet-p1", "subnet-p2"], "the owner's layout: internal load balancers in the private subnets");
    const zonal = ofType(run, "aws:eks/nodeGroup:NodeGroup").filter((g) => g.name !== "byo-system").map((g) => [g.name, g.inputs.subnetIds]).sort();
    assert.deepEqual(zonal, [["byo-app-0", ["subnet-p1"]], ["byo-app-1", ["subnet-p2"]], ["byo-workers-0", ["subnet-p1"]], ["byo-workers-1", ["subnet-p2"]]], "one group per given subnet (one per AZ)");
  });

  it("uses x86 AMIs and instance types when asked", async () => {
    const run = await runUnderMocks(() => new DifyCluster("x86", { ...PROD, nodeArchitecture: NodeArchitecture.X86_64 }), { stack: "prod" });
    const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup");
    assert.ok(groups.every((g) => g.inputs.amiType === "AL2023_x86_64_STANDARD"));
    assert.ok(groups.every((g) => (g.inputs.instanceTypes as string[]).every((t) => !/^[a-z]+\d+g/.test(t))));
  });
});
