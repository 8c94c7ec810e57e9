/** DifyCluster: VPC, EKS control plane, node groups, add-ons and controllers for Dify. */
export { DifyCluster } from "./cluster";
export { CapacityType, DifyClusterArgs, ExistingVpcArgs, NatGateways, NodeArchitecture, NodeGroupArgs, DEFAULT_NODE_GROUPS } from "./args";
export { AddonVersions, DEFAULT_KUBERNETES_VERSION } from "./versions";
export { INGRESS_CLASS_NAME } from "./controllers";
export { STORAGE_CLASS_NAME } from "./addons";
