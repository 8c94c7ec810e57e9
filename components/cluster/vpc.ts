/**
 * The network stage: VPC, subnets, routing, NAT, the S3 gateway endpoint and the security group
 * every node and pod carries. Nothing here depends on the EKS cluster, so the data services
 * (which take only these outputs) are created in parallel with the cluster on a first deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { subnetLayout } from "./cidr";
import { ClusterSettings, NatGateways } from "./args";
import { createInterfaceEndpoints } from "./endpoints";

/** What the rest of the cluster and the data services need from the network. */
export interface Network {
  vpcId: pulumi.Output<string>;
  privateSubnetIds: pulumi.Output<string[]>;
  publicSubnetIds: pulumi.Output<string[]>;
  /**
   * Where internal load balancers go (tagged kubernetes.io/role/internal-elb): in a new VPC
   * dedicated subnets no node or pod uses; in an existing VPC the private subnets.
   */
  internalLbSubnetIds: pulumi.Output<string[]>;
  /**
   * Where the node groups go, one per AZ: the private subnets, or with natGateways "none" the
   * public node subnets (nothing else runs there).
   */
  nodeSubnetIds: pulumi.Output<string[]>;
  /** The security group every node (and, through the VPC CNI, every pod) carries. */
  workloadSecurityGroupId: pulumi.Output<string>;
  /** Interface VPC endpoints (closed network only): nodes must not boot before they exist. */
  endpoints: pulumi.Resource[];
}

/**
 * EKS rejects control-plane subnets in these zone IDs (EKS user guide, "VPC and subnet
 * requirements"): use1-az3, usw1-az2, cac1-az3. Zone IDs, not names: names differ per account.
 */
const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"];

/**
 * Subnet tags the AWS Load Balancer Controller uses to discover where to put load balancers.
 * In a new VPC `internal` goes on the dedicated internal load balancer subnets only, never on
 * the private subnets: pods take their addresses there (VPC CNI), and a NetworkPolicy that admits
 * "the ALB's subnets" would otherwise admit every pod.
 */
const ELB_ROLE_TAG = { public: "kubernetes.io/role/elb", private: "kubernetes.io/role/internal-elb" };

export function createNetwork(s: ClusterSettings, parent: pulumi.Resource): Network {
  const opts: pulumi.CustomResourceOptions = { parent };
  const network = s.existingVpc ? useExistingVpc(s, opts) : createVpc(s, opts);
  const endpoints: pulumi.Resource[] = [];
  if (s.closedNetwork) {
    // Closed network: every AWS API over PrivateLink. In an existing VPC the S3 gateway endpoint
    // (route tables unknown here) is the owner's to provide; see docs/closed-networks.md.
    const vpcCidr = s.existingVpc ? aws.ec2.getVpcOutput({ id: network.vpcId }, { parent }).cidrBlock : s.vpcCidr;
    endpoints.push(...createInterfaceEndpoints(s, {
      vpcId: network.vpcId,
      vpcCidr,
      privateSubnetIds: network.privateSubnetIds,
      region: aws.getRegionOutput({}, { parent }).region,
      accountId: aws.getCallerIdentityOutput({}, { parent }).accountId,
    }, parent));
  }
  // Pods get the node's security groups from the VPC CNI (secondary ENIs copy the primary ENI's
  // groups), so this group identifies "anything running Dify" to Aurora and ElastiCache rules.
  // It has no rules of its own: the EKS cluster security group (also on every node) carries
  // node-to-node, control-plane and egress traffic. It deliberately lacks the
  // kubernetes.io/cluster/<name> tag: the load balancer controller wants exactly one tagged
  // group per ENI, and that is the EKS cluster security group.
  const sg = new aws.ec2.SecurityGroup(`${s.name}-workloads`, {
    vpcId: network.vpcId,
    description: `Dify nodes and pods of EKS cluster ${s.clusterName}; data services admit this group`,
    tags: { ...s.tags, Name: `${s.clusterName}-workloads` },
  }, opts);
  return { ...network, workloadSecurityGroupId: sg.id, endpoints };
}

function useExistingVpc(s: ClusterSettings, opts: pulumi.CustomResourceOptions): Omit<Network, "workloadSecurityGroupId" | "endpoints"> {
  const e = s.existingVpc!;
  // Tag the given subnets for load balancer discovery (aws.ec2.Tag manages one tag and leaves
  // the rest of the subnet alone).
  e.publicSubnetIds.forEach((id, i) => new aws.ec2.Tag(`${s.name}-public-${i}-elb`, { resourceId: id, key: ELB_ROLE_TAG.public, value: "1" }, opts));
  // Internal load balancers share the private subnets here (the VPC's layout is the owner's).
  e.privateSubnetIds.forEach((id, i) => new aws.ec2.Tag(`${s.name}-private-${i}-elb`, { resourceId: id, key: ELB_ROLE_TAG.private, value: "1" }, opts));
  return {
    vpcId: pulumi.output(e.vpcId),
    privateSubnetIds: pulumi.output(e.privateSubnetIds),
    publicSubnetIds: pulumi.output(e.publicSubnetIds),
    internalLbSubnetIds: pulumi.output(e.privateSubnetIds),
    nodeSubnetIds: pulumi.output(e.privateSubnetIds),
  };
}

function createVpc(s: ClusterSettings, opts: pulumi.CustomResourceOptions): Omit<Network, "workloadSecurityGroupId" | "endpoints"> {
  const { privateCidrs, publicCidrs, internalLbCidrs, nodeCidrs } = subnetLayout(s.vpcCidr, s.azCount);
  const zones = aws.getAvailabilityZonesOutput({
    state: "available",
    excludeZoneIds: EKS_UNSUPPORTED_ZONE_IDS,
    // Regular zones only: Local Zones and Wavelength Zones are opt-in.
    filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
  }, { parent: opts.parent });
  const zoneName = (i: number) => zones.names.apply((names) => {
    if (names.length < s.azCount) throw new Error(`DifyCluster "${s.name}": region has ${names.length} usable zones, azCount is ${s.azCount}`);
    return names[i];
  });
  const name = (suffix: string) => `${s.clusterName}-${suffix}`;

  const vpc = new aws.ec2.Vpc(`${s.name}-vpc`, {
    cidrBlock: s.vpcCidr,
    enableDnsHostnames: true, // required for the EKS private endpoint and interface endpoints
    enableDnsSupport: true,
    tags: { ...s.tags, Name: name("vpc") },
  }, opts);
  // Strip the rules of the VPC's default security group (it admits everything from itself), so
  // nothing that lands in it by accident can talk to anything.
  new aws.ec2.DefaultSecurityGroup(`${s.name}-default`, { vpcId: vpc.id, ingress: [], egress: [], tags: { ...s.tags, Name: name("default-deny") } }, opts);
  // Closed networks drop the internet gateway unless an internet-facing ALB needs it; the
  // private subnets never route to it either way.
  const igw = s.internetGateway ? new aws.ec2.InternetGateway(`${s.name}-igw`, { vpcId: vpc.id, tags: { ...s.tags, Name: name("igw") } }, opts) : undefined;
  const publicRt = new aws.ec2.RouteTable(`${s.name}-public`, { vpcId: vpc.id, tags: { ...s.tags, Name: name("public") } }, opts);
  if (igw) new aws.ec2.Route(`${s.name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, opts);

  const azs = [...Array(s.azCount).keys()];
  const publicSubnets = azs.map((i) => {
    const subnet = new aws.ec2.Subnet(`${s.name}-public-${i}`, {
      vpcId: vpc.id,
      cidrBlock: publicCidrs[i],
      availabilityZone: zoneName(i),
      mapPublicIpOnLaunch: false, // only load balancers and NAT gateways live here
      tags: { ...s.tags, Name: name(`public-${i}`), [ELB_ROLE_TAG.public]: "1" },
    }, opts);
    new aws.ec2.RouteTableAssociation(`${s.name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRt.id }, opts);
    return subnet;
  });

  // One NAT per AZ in production (a zone outage keeps the other zones online), one or none in dev.
  // None in a closed network: the private subnets get no default route at all.
  const natCount = s.closedNetwork ? 0 : { [NatGateways.PerAz]: s.azCount, [NatGateways.One]: 1, [NatGateways.None]: 0 }[s.natGateways];
  const nats = [...Array(natCount).keys()].map((i) => {
    const eip = new aws.ec2.Eip(`${s.name}-nat-${i}`, { domain: "vpc", tags: { ...s.tags, Name: name(`nat-${i}`) } }, opts);
    return new aws.ec2.NatGateway(`${s.name}-nat-${i}`, {
      allocationId: eip.id,
      subnetId: publicSubnets[i].id,
      tags: { ...s.tags, Name: name(`nat-${i}`) },
    }, { ...opts, dependsOn: igw ? [igw] : [] });
  });

  const privateRts: aws.ec2.RouteTable[] = [];
  const privateSubnets = azs.map((i) => {
    const subnet = new aws.ec2.Subnet(`${s.name}-private-${i}`, {
      vpcId: vpc.id,
      cidrBlock: privateCidrs[i],
      availabilityZone: zoneName(i),
      tags: { ...s.tags, Name: name(`private-${i}`) },
    }, opts);
    const rt = new aws.ec2.RouteTable(`${s.name}-private-${i}`, { vpcId: vpc.id, tags: { ...s.tags, Name: name(`private-${i}`) } }, opts);
    if (nats.length > 0) {
      new aws.ec2.Route(`${s.name}-private-${i}-default`, {
        routeTableId: rt.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nats[Math.min(i, nats.length - 1)].id,
      }, opts);
    }
    new aws.ec2.RouteTableAssociation(`${s.name}-private-${i}`, { subnetId: subnet.id, routeTableId: rt.id }, opts);
    privateRts.push(rt);
    return subnet;
  });

  // Internal load balancers only. Their own route table with the implicit local route and
  // nothing else: an internal ALB talks to targets inside the VPC and needs no egress.
  const internalLbRt = new aws.ec2.RouteTable(`${s.name}-internal-lb`, { vpcId: vpc.id, tags: { ...s.tags, Name: name("internal-lb") } }, opts);
  const internalLbSubnets = azs.map((i) => {
    const subnet = new aws.ec2.Subnet(`${s.name}-internal-lb-${i}`, {
      vpcId: vpc.id,
      cidrBlock: internalLbCidrs[i],
      availabilityZone: zoneName(i),
      tags: { ...s.tags, Name: name(`internal-lb-${i}`), [ELB_ROLE_TAG.private]: "1" },
    }, opts);
    new aws.ec2.RouteTableAssociation(`${s.name}-internal-lb-${i}`, { subnetId: subnet.id, routeTableId: internalLbRt.id }, opts);
    return subnet;
  });

  // natGateways "none": the nodes get public node subnets of their own (not the load balancers'
  // public subnets: "from the ALB" must stay a CIDR no pod takes an address in, and nodes must not
  // use up the addresses an ALB needs to scale). What makes this safe and working:
  // - Managed node groups in a public subnet need MapPublicIpOnLaunch on it (EKS user guide,
  //   managed-node-groups.adoc, "Managed node groups concepts", awsdocs/amazon-eks-user-guide
  //   @2ef9e386; network-reqs.adoc "Subnet requirements for nodes" @f6004140). The subnet attribute
  //   rather than a launch-template network interface with AssociatePublicIpAddress: the shared
  //   launch template keeps its instance-level security groups (EKS allows those or interface
  //   ones, not both: launch-templates.adoc "Using custom security groups") and stays identical
  //   for every egress mode.
  // - The nodes still reach the Kubernetes API privately: the endpoint's private access is always
  //   on (controlPlane.ts), and with it "Kubernetes API requests from within your cluster's VPC use
  //   the private VPC endpoint" (EKS API reference, VpcConfigRequest.endpointPrivateAccess).
  // - Pods reach the internet: the VPC CNI translates a pod's address to the node's primary
  //   private IPv4 for destinations outside the VPC (AWS_VPC_K8S_CNI_EXTERNALSNAT defaults to
  //   false and is not set here), which the internet gateway maps to the node's public address
  //   (external-snat.adoc @30dc62d8: pods reach the internet "only if the node ... has a public or
  //   elastic IP address assigned to it and is in a public subnet").
  // - Nothing inbound from the internet: nodes carry the EKS cluster security group (inbound only
  //   from itself: sec-group-reqs.adoc "Default cluster security group" @743cbc64) and the
  //   workloads group (no rule); the load balancer controller adds rules from the ALB's group only.
  const nodeSubnets = s.natGateways === NatGateways.None && !s.closedNetwork ? (() => {
    const rt = new aws.ec2.RouteTable(`${s.name}-nodes`, { vpcId: vpc.id, tags: { ...s.tags, Name: name("nodes") } }, opts);
    new aws.ec2.Route(`${s.name}-nodes-default`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw!.id }, opts);
    const subnets = azs.map((i) => {
      const subnet = new aws.ec2.Subnet(`${s.name}-nodes-${i}`, {
        vpcId: vpc.id,
        cidrBlock: nodeCidrs[i],
        availabilityZone: zoneName(i),
        mapPublicIpOnLaunch: true,
        tags: { ...s.tags, Name: name(`nodes-${i}`) },
      }, opts);
      new aws.ec2.RouteTableAssociation(`${s.name}-nodes-${i}`, { subnetId: subnet.id, routeTableId: rt.id }, opts);
      return subnet;
    });
    return { rt, subnets };
  })() : undefined;

  // S3 traffic (Dify files, plugin packages, backups, ECR image layers) bypasses NAT and the
  // internet gateway: free and private.
  const region = aws.getRegionOutput({}, { parent: opts.parent }).region;
  new aws.ec2.VpcEndpoint(`${s.name}-s3`, {
    vpcId: vpc.id,
    serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
    vpcEndpointType: "Gateway",
    routeTableIds: [...privateRts, ...(nodeSubnets ? [nodeSubnets.rt] : [])].map((rt) => rt.id),
    tags: { ...s.tags, Name: name("s3") },
  }, opts);

  const privateSubnetIds = pulumi.all(privateSubnets.map((x) => x.id));
  return {
    vpcId: vpc.id,
    privateSubnetIds,
    publicSubnetIds: pulumi.all(publicSubnets.map((x) => x.id)),
    internalLbSubnetIds: pulumi.all(internalLbSubnets.map((x) => x.id)),
    nodeSubnetIds: nodeSubnets ? pulumi.all(nodeSubnets.subnets.map((x) => x.id)) : privateSubnetIds,
  };
}
