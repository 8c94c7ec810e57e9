/**
 * Which input changes make `pulumi up` REPLACE a resource (delete and create) rather than update it,
 * for the resource types this stack creates. Offline there is no provider to ask (its Diff decides),
 * so this is a curated table read from the providers' sources:
 *
 * - AWS (@pulumi/aws 7.x bridges terraform-provider-aws 6.x): attributes marked `ForceNew: true`
 *   (SDKv2) or `RequiresReplace()` (plugin framework), and `d.ForceNew(...)` in CustomizeDiff, in
 *   hashicorp/terraform-provider-aws internal/service/<svc>/<file>.go at 5f2286d6d836 (2026-06-02,
 *   6.48.0 unreleased, the Go module proxy's latest). Pulumi names are the camelCase of the
 *   Terraform attributes (cluster_identifier -> clusterIdentifier).
 * - Kubernetes (@pulumi/kubernetes 4.x): pulumi/pulumi-kubernetes provider/pkg/provider/diff.go at
 *   cafe8c4ac4de156415093291bffc63b6e1c97d1e (forceNewProperties), and helm_release.go at
 *   cdd7cc1629af7e16d758a26dbe78407ff3e8a90e (a Release's name and namespace). ConfigMap data and
 *   Secret data replace because the stack's Kubernetes providers leave enableConfigMapMutable and
 *   enableSecretMutable unset (a test checks that).
 * - Random (@pulumi/random 4.x bridges terraform-provider-random): internal/provider/resource_password.go
 *   and resource_id.go at e1092b0cfc07 (every generating input RequiresReplace).
 * - eks:index:Cluster (@pulumi/eks 4.3.0, a component whose children the plan cannot see): the
 *   arguments that reach a ForceNew attribute of its aws.eks.Cluster (nodejs/eks/cluster/cluster.ts
 *   at v4.3.0, 0f5a544711cbcace44720e2d70f6702925a2ea4b), i.e. the EKS control plane is replaced.
 *
 * Paths use the plan's input names; `[*]` or any index matches every element. A type missing here
 * is updated in place for every input the table does not list (the diff says "no replace data").
 */

export interface ReplaceRule {
  /** Input paths whose change replaces the resource. */
  paths: readonly string[];
  /** Where the list comes from (file in the provider's source). */
  source: string;
}

const TF_AWS = "terraform-provider-aws internal/service/";
const K8S_DIFF = "pulumi-kubernetes provider/pkg/provider/diff.go";

function aws(file: string, ...paths: string[]): ReplaceRule {
  return { paths, source: `${TF_AWS}${file}` };
}

/** Every Kubernetes object: a new name or namespace is a new object (diff.go metadataForceNewProperties). */
const K8S_METADATA = ["metadata.name", "metadata.namespace"];
const LABEL_SELECTOR = (p: string) => [p, `${p}.matchExpressions`, `${p}.matchLabels`];

function k8s(...paths: string[]): ReplaceRule {
  return { paths: [...K8S_METADATA, ...paths], source: K8S_DIFF };
}

const S3_BUCKET_CONFIG = (file: string, ...extra: string[]) => aws(`s3/${file}`, "bucket", "expectedBucketOwner", ...extra);

export const REPLACE_RULES: Readonly<Record<string, ReplaceRule>> = {
  // ---- AWS ----
  "aws:acm/certificate:Certificate": aws("acm/certificate.go", "certificateAuthorityArn", "domainName", "keyAlgorithm", "subjectAlternativeNames", "validationMethod", "validationOptions"),
  "aws:acm/certificateValidation:CertificateValidation": aws("acm/certificate_validation.go", "certificateArn", "validationRecordFqdns"),
  "aws:backup/plan:Plan": aws("backup/plan.go", "name"),
  "aws:backup/selection:Selection": aws("backup/selection.go", "conditions", "iamRoleArn", "name", "notResources", "planId", "resources", "selectionTags"),
  "aws:backup/vault:Vault": aws("backup/vault.go", "kmsKeyArn", "name"),
  "aws:backup/vaultPolicy:VaultPolicy": aws("backup/vault_policy.go", "backupVaultName"),
  "aws:cloudwatch/dashboard:Dashboard": aws("cloudwatch/dashboard.go", "dashboardName"),
  "aws:cloudwatch/logGroup:LogGroup": aws("logs/group.go", "logGroupClass", "name", "namePrefix"),
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": aws("logs/metric_filter.go", "logGroupName", "name"),
  "aws:cloudwatch/metricAlarm:MetricAlarm": aws("cloudwatch/metric_alarm.go", "name"),
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": aws("ec2/vpc_default_security_group.go", "vpcId"),
  "aws:ec2/eip:Eip": aws("ec2/ec2_eip.go", "address", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"),
  "aws:ec2/internetGateway:InternetGateway": aws("ec2/vpc_internet_gateway.go"),
  "aws:ec2/launchTemplate:LaunchTemplate": aws("ec2/ec2_launch_template.go", "name", "namePrefix"),
  "aws:ec2/natGateway:NatGateway": aws("ec2/vpc_nat_gateway.go", "allocationId", "availabilityMode", "connectivityType", "privateIp", "subnetId", "vpcId", "secondaryPrivateIpAddressCount"),
  "aws:ec2/route:Route": aws("ec2/vpc_route.go", "routeTableId"),
  "aws:ec2/routeTable:RouteTable": aws("ec2/vpc_route_table.go", "vpcId"),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": aws("ec2/vpc_route_table_association.go", "gatewayId", "subnetId"),
  "aws:ec2/securityGroup:SecurityGroup": aws("ec2/vpc_security_group.go", "description", "name", "namePrefix", "vpcId"),
  "aws:ec2/subnet:Subnet": aws("ec2/vpc_subnet.go", "availabilityZone", "availabilityZoneId", "cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength", "ipv6IpamPoolId", "ipv6Native", "ipv6NetmaskLength", "outpostArn", "vpcId"),
  // instanceTenancy: CustomizeDiff forces a new VPC when it changes from dedicated to default.
  "aws:ec2/vpc:Vpc": aws("ec2/vpc_.go", "cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength", "instanceTenancy"),
  // privateDnsEnabled: CustomizeDiff ForceNew for some endpoint types.
  "aws:ec2/vpcEndpoint:VpcEndpoint": aws("ec2/vpc_endpoint.go", "dnsOptions.privateDnsPreference", "dnsOptions.privateDnsSpecifiedDomains", "resourceConfigurationArn", "serviceName", "serviceNetworkArn", "serviceRegion", "vpcEndpointType", "vpcId"),
  "aws:eks/addon:Addon": aws("eks/addon.go", "addonName", "clusterName", "namespaceConfig"),
  "aws:eks/nodeGroup:NodeGroup": aws("eks/node_group.go", "amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "launchTemplate.id", "launchTemplate.name", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds"),
  "aws:elasticache/replicationGroup:ReplicationGroup": aws("elasticache/replication_group.go", "atRestEncryptionEnabled", "dataTieringEnabled", "globalReplicationGroupId", "kmsKeyId", "networkType", "port", "replicationGroupId", "securityGroupNames", "snapshotArns", "snapshotName", "subnetGroupName"),
  "aws:elasticache/subnetGroup:SubnetGroup": aws("elasticache/subnet_group.go", "name"),
  "aws:iam/role:Role": aws("iam/role.go", "name", "namePrefix", "path"),
  "aws:iam/rolePolicy:RolePolicy": aws("iam/role_policy.go", "name", "namePrefix", "role"),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": aws("iam/role_policy_attachment.go", "policyArn", "role"),
  "aws:kms/alias:Alias": aws("kms/alias.go", "name", "namePrefix"),
  "aws:kms/key:Key": aws("kms/key.go", "customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": aws("ecr/pull_through_cache_rule.go", "ecrRepositoryPrefix", "upstreamRegistryUrl", "upstreamRepositoryPrefix"),
  "aws:route53/record:Record": aws("route53/record.go", "name", "type", "zoneId"),
  "aws:sns/topicSubscription:TopicSubscription": aws("sns/topic_subscription.go", "endpoint", "protocol", "topic"),
  "aws:wafv2/webAcl:WebAcl": aws("wafv2/web_acl.go", "name", "namePrefix", "scope"),
  "aws:wafv2/webAclAssociation:WebAclAssociation": aws("wafv2/web_acl_association.go", "resourceArn", "webAclArn"),
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": aws("wafv2/web_acl_logging_configuration.go", "logDestinationConfigs", "resourceArn"),
  "aws:rds/cluster:Cluster": aws("rds/cluster.go", "availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix", "clusterScalabilityType", "databaseName", "dbSubnetGroupName", "dbSystemId", "engine", "engineMode", "kmsKeyId", "masterUsername", "restoreToPointInTime", "s3Import", "snapshotIdentifier", "sourceRegion", "storageEncrypted"),
  "aws:rds/clusterInstance:ClusterInstance": aws("rds/cluster_instance.go", "availabilityZone", "clusterIdentifier", "customIamInstanceProfile", "dbSubnetGroupName", "engine", "identifier", "identifierPrefix"),
  "aws:rds/clusterParameterGroup:ClusterParameterGroup": aws("rds/cluster_parameter_group.go", "description", "family", "name", "namePrefix"),
  // DB instance (dify:dbEngine rds-instance): ForceNew attributes of internal/service/rds/instance.go,
  // read at 00e4b23838859616dd0ebc9d1fd9364c0f6bff22 (the stored copy; its deprecated `name`
  // is gone from the 7.x SDK, dbName replaces it).
  "aws:rds/instance:Instance": aws("rds/instance.go", "availabilityZone", "characterSetName", "customIamInstanceProfile", "dbName", "engine", "identifier", "identifierPrefix", "kmsKeyId", "ncharCharacterSetName", "restoreToPointInTime", "s3Import", "snapshotIdentifier", "storageEncrypted", "timezone", "username"),
  "aws:rds/parameterGroup:ParameterGroup": aws("rds/parameter_group.go", "description", "family", "name", "namePrefix"),
  "aws:rds/subnetGroup:SubnetGroup": aws("rds/subnet_group.go", "name", "namePrefix"),
  "aws:s3/bucket:Bucket": aws("s3/bucket.go", "bucket", "bucketNamespace", "bucketPrefix", "objectLockEnabled", "objectLockConfiguration.objectLockEnabled"),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": S3_BUCKET_CONFIG("bucket_lifecycle_configuration.go"),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": aws("s3/bucket_ownership_controls.go", "bucket"),
  "aws:s3/bucketPolicy:BucketPolicy": aws("s3/bucket_policy.go", "bucket"),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": aws("s3/bucket_public_access_block.go", "bucket"),
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": aws("s3/bucket_replication_configuration.go", "bucket"),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": S3_BUCKET_CONFIG("bucket_server_side_encryption_configuration.go"),
  "aws:s3/bucketVersioning:BucketVersioning": S3_BUCKET_CONFIG("bucket_versioning.go"),
  "aws:secretsmanager/secret:Secret": aws("secretsmanager/secret.go", "name", "namePrefix"),
  // secretString: CustomizeDiff (secretVersionForceNewCustomDiff) forces a new version when it changes.
  "aws:secretsmanager/secretVersion:SecretVersion": aws("secretsmanager/secret_version.go", "secretBinary", "secretId", "secretString"),
  "aws:sns/topic:Topic": aws("sns/topic.go", "fifoTopic", "name", "namePrefix"),
  // Only the security group; changing the kind of source (CIDR <-> referenced group <-> prefix list)
  // also replaces (ModifyPlan), which a path list cannot express.
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": aws("ec2/vpc_security_group_ingress_rule.go", "securityGroupId"),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": aws("ec2/vpc_security_group_egress_rule.go", "securityGroupId"),

  // ---- EKS component (its aws.eks.Cluster child) ----
  "eks:index:Cluster": {
    paths: ["name", "serviceRole", "kubernetesServiceIpAddressRange", "ipFamily"],
    source: "pulumi-eks nodejs/eks/cluster/cluster.ts (v4.3.0) -> terraform-provider-aws internal/service/eks/cluster.go",
  },

  // ---- Kubernetes ----
  "kubernetes:apps/v1:Deployment": k8s(...LABEL_SELECTOR("spec.selector")),
  "kubernetes:apps/v1:DaemonSet": k8s(...LABEL_SELECTOR("spec.selector")),
  "kubernetes:apps/v1:StatefulSet": k8s("spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.serviceName", "spec.volumeClaimTemplates", ...LABEL_SELECTOR("spec.selector")),
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8s(),
  "kubernetes:batch/v1:CronJob": k8s(),
  "kubernetes:batch/v1:Job": k8s("spec.completions", "spec.parallelism", "spec.template", ...LABEL_SELECTOR("spec.selector")),
  "kubernetes:core/v1:ConfigMap": k8s("binaryData", "data"),
  "kubernetes:core/v1:Namespace": k8s(),
  "kubernetes:core/v1:PersistentVolumeClaim": k8s("spec.accessModes", "spec.storageClassName", "spec.volumeName", ...LABEL_SELECTOR("spec.selector")),
  "kubernetes:core/v1:Secret": k8s("data", "stringData", "type"),
  "kubernetes:core/v1:Service": k8s("spec.clusterIP"),
  "kubernetes:core/v1:ServiceAccount": k8s(),
  "kubernetes:networking.k8s.io/v1:Ingress": k8s(),
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s(),
  "kubernetes:policy/v1:PodDisruptionBudget": k8s(),
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": k8s("roleRef"),
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": k8s("roleRef"),
  "kubernetes:scheduling.k8s.io/v1:PriorityClass": k8s(),
  "kubernetes:storage.k8s.io/v1:StorageClass": k8s("parameters", "provisioner"),
  "kubernetes:helm.sh/v3:Release": { paths: ["name", "namespace"], source: "pulumi-kubernetes provider/pkg/provider/helm_release.go (Diff: forceNewFields)" },

  // ---- Random ----
  "random:index/randomPassword:RandomPassword": {
    paths: ["keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "special", "upper"],
    source: "terraform-provider-random internal/provider/resource_password.go",
  },
  "random:index/randomId:RandomId": { paths: ["byteLength", "keepers", "prefix"], source: "terraform-provider-random internal/provider/resource_id.go" },
};

/**
 * Every regional AWS resource of provider 7.x takes a `region` argument, and a new region is a new resource
 * (terraform-provider-aws internal/provider/sdkv2/region.go: d.ForceNew(region);
 * internal/provider/framework/region.go: resourceForceNewIfRegionChanges).
 */
const AWS_REGION = "region";
/** Global services: their resources take no region (test/plan-diff.spec.ts checks every path against the SDK). */
const GLOBAL_AWS = ["iam", "route53"];

/** The replace rule of a resource type; Kubernetes custom resources (any CRD) replace on a new name or namespace. */
export function replaceRuleFor(type: string): ReplaceRule | undefined {
  const rule = REPLACE_RULES[type];
  if (rule && type.startsWith("aws:") && !GLOBAL_AWS.some((g) => type.startsWith(`aws:${g}/`))) return { paths: [...rule.paths, AWS_REGION], source: rule.source };
  if (rule) return rule;
  if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/")) return k8s();
  return undefined;
}
