/**
 * IAM permissions of the AWS Load Balancer Controller v3.5.0, as data. Source: the controller's
 * official policy, docs/install/iam_policy.json at tag v3.5.0 of
 * kubernetes-sigs/aws-load-balancer-controller (16 statements). Bump together with
 * LB_CONTROLLER_CHART in versions.ts. Only the ARN partition is parameterised.
 */

interface Statement {
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const CLUSTER_TAG = "elbv2.k8s.aws/cluster";
/** The controller may act only on resources it tagged itself (tag present). */
const TAGGED_RESOURCE = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };
/** ...and may only create resources that carry the tag. */
const TAGGED_REQUEST = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "false" } };
/** Tag edits that do not touch the cluster tag, on resources that have it. */
const KEEP_CLUSTER_TAG = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };

const DESCRIBE_ACTIONS = [
  "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
  "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections",
  "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools",
  "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools", "ec2:DescribeRouteTables",
  "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
  "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
  "elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
  "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
  "elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
  "elasticloadbalancing:DescribeCapacityReservation",
];

const INTEGRATION_ACTIONS = [
  "cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate",
  "iam:ListServerCertificates", "iam:GetServerCertificate",
  "waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL",
  "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
  "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection",
];

/** The policy document (JSON) for `partition` ("aws", "aws-cn", "aws-us-gov"). */
export function lbControllerPolicy(partition: string): string {
  const arn = (rest: string) => `arn:${partition}:${rest}`;
  const sg = arn("ec2:*:*:security-group/*");
  const lbAndTg = [
    arn("elasticloadbalancing:*:*:targetgroup/*/*"),
    arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
    arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
  ];
  const statements: Statement[] = [
    {
      Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"], Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    { Effect: "Allow", Action: DESCRIBE_ACTIONS, Resource: "*" },
    { Effect: "Allow", Action: INTEGRATION_ACTIONS, Resource: "*" },
    { Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], Resource: "*" },
    { Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
    {
      Effect: "Allow", Action: ["ec2:CreateTags"], Resource: sg,
      Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...TAGGED_REQUEST },
    },
    { Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: sg, Condition: KEEP_CLUSTER_TAG },
    {
      Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
      Resource: "*", Condition: TAGGED_RESOURCE,
    },
    {
      Effect: "Allow", Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: "*", Condition: TAGGED_REQUEST,
    },
    {
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"],
      Resource: "*",
    },
    {
      Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: lbAndTg, Condition: KEEP_CLUSTER_TAG,
    },
    {
      Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [
        arn("elasticloadbalancing:*:*:listener/net/*/*/*"),
        arn("elasticloadbalancing:*:*:listener/app/*/*/*"),
        arn("elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
        arn("elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
      ],
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
      ],
      Resource: "*", Condition: TAGGED_RESOURCE,
    },
    {
      Effect: "Allow", Action: ["elasticloadbalancing:AddTags"], Resource: lbAndTg,
      Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] }, ...TAGGED_REQUEST },
    },
    {
      Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: arn("elasticloadbalancing:*:*:targetgroup/*/*"),
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
      ],
      Resource: "*",
    },
  ];
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Cluster Autoscaler permissions (kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws
 * README, "Minimal IAM Permissions Policy"): describe anywhere; scale and terminate only the
 * Auto Scaling groups EKS tagged as this cluster's (every managed node group's ASG carries both
 * tags, so the per-zone groups need no extra grant).
 * eks:DescribeNodegroup lets it read a group's labels and taints to scale it up from zero.
 */
export function clusterAutoscalerPolicy(clusterName: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
            [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
          },
        },
      },
      {
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
          "eks:DescribeNodegroup",
        ],
        Resource: "*",
      },
    ],
  });
}
