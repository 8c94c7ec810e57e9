/**
 * Interface VPC endpoints of a closed network (no NAT, no internet route from private subnets):
 * the AWS APIs the nodes, the add-ons and Dify call, reached over PrivateLink with private DNS
 * so the regional hostnames resolve to addresses inside the VPC and no SDK needs configuring.
 *
 * The list follows the EKS user guide "Deploy private clusters with limited internet access"
 * (ec2, ecr.api, ecr.dkr, s3 gateway, elasticloadbalancing, logs, sts, eks-auth, eks) and the EKS
 * Blueprints fully-private pattern (autoscaling for the Cluster Autoscaler), plus kms and
 * secretsmanager for workloads that decrypt or read secrets, and monitoring (the CloudWatch API)
 * for KEDA, which scales Dify's api on the ALB's metrics whether or not observability is on. eks-auth is left out: it serves only
 * EKS Pod Identity, and this package uses IRSA (STS) everywhere; add it with extraVpcEndpoints.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ClusterSettings } from "./args";

/** One interface endpoint: the service suffix and why the stack needs it. */
export interface EndpointSpec {
  /** Suffix after `com.amazonaws.<region>.` (e.g. "ecr.dkr"). */
  service: string;
  /** Who calls it (documentation; shown in docs/closed-networks.md). */
  reason: string;
  /**
   * The caller is anonymous until the call succeeds (STS AssumeRoleWithWebIdentity), so the
   * endpoint policy scopes the resource's account instead of the principal's.
   */
  scopeByResourceAccount?: boolean;
}

/** Interface endpoints every closed-network stack gets. */
export const CLOSED_NETWORK_ENDPOINTS: readonly EndpointSpec[] = [
  { service: "ecr.api", reason: "image pulls: ECR authorization and manifests (kubelet), pull-through cache" },
  { service: "ecr.dkr", reason: "image pulls: the Docker registry API of ECR (layers are then fetched from S3 via the gateway endpoint)" },
  { service: "sts", reason: "IRSA: AssumeRoleWithWebIdentity for Dify's S3 access and the controllers", scopeByResourceAccount: true },
  { service: "ec2", reason: "VPC CNI (ENI/IP management), load balancer controller and node bootstrap" },
  { service: "eks", reason: "nodes and add-ons that describe the cluster" },
  { service: "elasticloadbalancing", reason: "AWS Load Balancer Controller (the Ingress ALB)" },
  { service: "autoscaling", reason: "Cluster Autoscaler (resizes the node groups)" },
  { service: "logs", reason: "CloudWatch Logs from nodes and log shippers" },
  { service: "monitoring", reason: "KEDA's operator reads the ALB's request metrics that scale the api (CloudWatch GetMetricData)" },
  { service: "kms", reason: "workloads that decrypt with the stack's KMS keys" },
  { service: "secretsmanager", reason: "workloads and controllers that read Secrets Manager" },
];

/** AWS service names are dotted lowercase words ("bedrock-runtime", "ecr.dkr"). */
export const ENDPOINT_SERVICE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

export interface EndpointInputs {
  vpcId: pulumi.Input<string>;
  vpcCidr: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string[]>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}

/** Endpoint policy: any action, but only by principals of (or on resources of) this account. */
export function endpointPolicy(accountId: string, byResource: boolean): string {
  const key = byResource ? "aws:ResourceAccount" : "aws:PrincipalAccount";
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Sid: byResource ? "ThisAccountsResourcesOnly" : "ThisAccountsPrincipalsOnly",
      Effect: "Allow",
      Principal: "*",
      Action: "*",
      Resource: "*",
      Condition: { StringEquals: { [key]: accountId } },
    }],
  });
}

/** Creates the security group and one interface endpoint per service (closed list + extras). */
export function createInterfaceEndpoints(s: ClusterSettings, inp: EndpointInputs, parent: pulumi.Resource): aws.ec2.VpcEndpoint[] {
  const opts = { parent };
  const sg = new aws.ec2.SecurityGroup(`${s.name}-endpoints`, {
    vpcId: inp.vpcId,
    description: `VPC interface endpoints of EKS cluster ${s.clusterName}: HTTPS from the VPC only`,
    ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [inp.vpcCidr], description: "HTTPS from the VPC" }],
    // Endpoints only answer; they never open connections.
    egress: [],
    tags: { ...s.tags, Name: `${s.clusterName}-endpoints` },
  }, opts);
  const specs: EndpointSpec[] = [
    ...CLOSED_NETWORK_ENDPOINTS,
    ...s.extraVpcEndpoints.filter((x) => !CLOSED_NETWORK_ENDPOINTS.some((c) => c.service === x)).map((service) => ({ service, reason: "extra (args.extraVpcEndpoints)" })),
  ];
  return specs.map((e) => new aws.ec2.VpcEndpoint(`${s.name}-${e.service.replace(/\./g, "-")}`, {
    vpcId: inp.vpcId,
    serviceName: pulumi.interpolate`com.amazonaws.${inp.region}.${e.service}`,
    vpcEndpointType: "Interface",
    privateDnsEnabled: true,
    subnetIds: inp.privateSubnetIds,
    securityGroupIds: [sg.id],
    policy: pulumi.output(inp.accountId).apply((a) => endpointPolicy(a, e.scopeByResourceAccount ?? false)),
    tags: { ...s.tags, Name: `${s.clusterName}-${e.service}` },
  }, opts));
}
