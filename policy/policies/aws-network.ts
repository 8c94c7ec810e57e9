// AWS network exposure: the EKS control plane (secrets encryption, public endpoint) and security
// groups that open database ports to the whole internet.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, resourcePolicy, typeIn } from "../lib/framework";
import { at, isPresent, list, Rec, show, stringList, UNKNOWN } from "../lib/values";

const AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster";
const EKS_COMPONENT_CLUSTER = "eks:index:Cluster";
const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const DEFAULT_DATABASE_PORTS: readonly number[] = [
    1433, 1521, 2379, 3306, 5432, 5439, 5984, 6379, 7000, 7001, 8086, 9042, 9200, 9300, 11211, 27017, 27018, 27019,
];

export function checkEksSecretsEncryption(type: string, name: string, props: Rec): Finding[] {
    if (type === EKS_COMPONENT_CLUSTER) {
        const arn = at(props, "encryptionConfigKeyArn");
        return isPresent(arn) ? [] : [{ message: `eks.Cluster "${name}": set encryptionConfigKeyArn to a KMS key ARN so Kubernetes Secrets are envelope-encrypted` }];
    }
    const raw = at(props, "encryptionConfig");
    if (raw === UNKNOWN) {
        return [{ message: `EKS cluster "${name}": encryptionConfig is not known yet`, unknown: true }];
    }
    const configs = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    let unknown = false;
    for (const c of configs) {
        const resources = stringList(at(c, "resources"));
        const keyArn = at(c, "provider", "keyArn");
        if (resources.values.includes("secrets") && isPresent(keyArn)) {
            return [];
        }
        unknown = unknown || resources.unknown || c === UNKNOWN;
    }
    if (unknown) {
        return [{ message: `EKS cluster "${name}": encryptionConfig.resources is not known yet`, unknown: true }];
    }
    return [{ message: `EKS cluster "${name}": set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } }` }];
}

export function checkEksEndpoint(type: string, name: string, props: Rec): Finding[] {
    const component = type === EKS_COMPONENT_CLUSTER;
    const base = component ? props : at(props, "vpcConfig");
    const what = component ? `eks.Cluster "${name}"` : `EKS cluster "${name}" vpcConfig`;
    if (base === UNKNOWN) {
        return [{ message: `${what} is not known yet`, unknown: true }];
    }
    const publicAccess = at(base, "endpointPublicAccess");
    if (publicAccess === false) {
        return [];
    }
    if (publicAccess === UNKNOWN) {
        return [{ message: `${what}: endpointPublicAccess is not known yet`, unknown: true }];
    }
    const cidrsValue = at(base, "publicAccessCidrs");
    const cidrs = stringList(cidrsValue);
    if (cidrsValue === UNKNOWN || cidrs.unknown) {
        return [{ message: `${what}: publicAccessCidrs is not known yet`, unknown: true }];
    }
    const effective = cidrsValue === undefined || cidrs.values.length === 0 ? ["0.0.0.0/0 (the default)"] : cidrs.values;
    const open = effective.filter((c) => OPEN_CIDRS.includes(c) || c.startsWith("0.0.0.0/0"));
    if (open.length === 0) {
        return [];
    }
    return [{
        message: `${what}: the public API endpoint is open to ${open.join(", ")}: set endpointPublicAccess: false (with endpointPrivateAccess: true), or set publicAccessCidrs to your admin/CI CIDRs`,
    }];
}

interface PortRange {
    protocol: unknown;
    from: unknown;
    to: unknown;
    cidrs: unknown[];
    label: string;
}

function ingressRanges(type: string, props: Rec): PortRange[] | typeof UNKNOWN {
    if (type === SECURITY_GROUP) {
        const ingress = list(at(props, "ingress"));
        if (ingress === UNKNOWN) {
            return UNKNOWN;
        }
        return ingress.map((r, i) => ({
            protocol: at(r, "protocol"),
            from: at(r, "fromPort"),
            to: at(r, "toPort"),
            cidrs: [at(r, "cidrBlocks"), at(r, "ipv6CidrBlocks")],
            label: `ingress[${i}]`,
        }));
    }
    if (type === SECURITY_GROUP_RULE) {
        if (at(props, "type") !== "ingress") {
            return [];
        }
        return [{ protocol: at(props, "protocol"), from: at(props, "fromPort"), to: at(props, "toPort"), cidrs: [at(props, "cidrBlocks"), at(props, "ipv6CidrBlocks")], label: "rule" }];
    }
    return [{ protocol: at(props, "ipProtocol"), from: at(props, "fromPort"), to: at(props, "toPort"), cidrs: [[at(props, "cidrIpv4"), at(props, "cidrIpv6")]], label: "rule" }];
}

/** Database ports a rule opens, or UNKNOWN. */
function exposedPorts(r: PortRange, ports: readonly number[]): number[] | typeof UNKNOWN {
    if (r.protocol === UNKNOWN || r.from === UNKNOWN || r.to === UNKNOWN) {
        return UNKNOWN;
    }
    const protocol = String(r.protocol).toLowerCase();
    if (protocol === "-1" || protocol === "all") {
        return [...ports];
    }
    if (protocol !== "tcp" && protocol !== "6") {
        return [];
    }
    const from = typeof r.from === "number" ? r.from : 0;
    const to = typeof r.to === "number" ? r.to : 65535;
    return ports.filter((p) => p >= from && p <= to);
}

export function checkSecurityGroupDatabasePorts(type: string, name: string, props: Rec, ports: readonly number[]): Finding[] {
    const ranges = ingressRanges(type, props);
    if (ranges === UNKNOWN) {
        return [{ message: `security group "${name}": ingress is not known yet`, unknown: true }];
    }
    const out: Finding[] = [];
    for (const r of ranges) {
        const cidrs = r.cidrs.flatMap((c) => (Array.isArray(c) ? c : [c]));
        const open = cidrs.filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c));
        const unknownCidr = cidrs.some((c) => c === UNKNOWN);
        if (open.length === 0) {
            if (unknownCidr) {
                out.push({ message: `security group "${name}" ${r.label}: source CIDRs are not known yet`, unknown: true });
            }
            continue;
        }
        const exposed = exposedPorts(r, ports);
        if (exposed === UNKNOWN) {
            out.push({ message: `security group "${name}" ${r.label}: protocol or ports are not known yet`, unknown: true });
        } else if (exposed.length > 0) {
            const range = String(r.protocol) === "-1" ? "all traffic" : `${show(r.protocol)} ports ${show(r.from)}-${show(r.to)}`;
            out.push({
                message: `security group "${name}" ${r.label} allows ${range} from ${open.join(", ")}, exposing database port(s) ${exposed.join(", ")}: ` +
                    `allow only the application's security group (sourceSecurityGroupId / referencedSecurityGroupId) or private CIDRs`,
            });
        }
    }
    return out;
}

function databasePortsOf(config: Rec): number[] {
    const v = config.databasePorts;
    return Array.isArray(v) ? v.filter((p): p is number => typeof p === "number") : [...DEFAULT_DATABASE_PORTS];
}

export const networkPolicies: ResourceValidationPolicy[] = [
    resourcePolicy({
        name: "eks-secrets-encryption",
        description:
            "EKS clusters must envelope-encrypt Kubernetes Secrets with KMS: set encryptionConfig (aws.eks.Cluster) or encryptionConfigKeyArn (eks.Cluster).",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps: "Create an aws.kms.Key with rotation and pass its ARN as encryptionConfigKeyArn (eks.Cluster) or encryptionConfig.provider.keyArn with resources [\"secrets\"].",
        appliesTo: typeIn([AWS_EKS_CLUSTER, EKS_COMPONENT_CLUSTER]),
        appliesToLabel: `${AWS_EKS_CLUSTER} and ${EKS_COMPONENT_CLUSTER}`,
        check: (r) => checkEksSecretsEncryption(r.type, r.name, r.props),
    }),
    resourcePolicy({
        name: "eks-public-endpoint-restricted",
        description:
            "EKS API endpoints must not be open to the internet: set endpointPublicAccess: false, or publicAccessCidrs to specific CIDRs (never 0.0.0.0/0 or ::/0, the default).",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps: "Set endpointPrivateAccess: true and endpointPublicAccess: false, or publicAccessCidrs: [\"<office/CI CIDR>\"].",
        appliesTo: typeIn([AWS_EKS_CLUSTER, EKS_COMPONENT_CLUSTER]),
        appliesToLabel: `${AWS_EKS_CLUSTER} and ${EKS_COMPONENT_CLUSTER}`,
        check: (r) => checkEksEndpoint(r.type, r.name, r.props),
    }),
    resourcePolicy({
        name: "security-group-no-public-database-ports",
        description:
            "Security groups must not open database ports (5432, 3306, 6379, 27017, 9200, ...) to 0.0.0.0/0 or ::/0: allow only the application's security group.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps: "Replace the 0.0.0.0/0 or ::/0 source with the client security group (sourceSecurityGroupId / referencedSecurityGroupId) or the VPC's private CIDR.",
        configSchema: {
            properties: {
                databasePorts: {
                    type: "array",
                    items: { type: "integer", minimum: 1, maximum: 65535 },
                    uniqueItems: true,
                    default: [...DEFAULT_DATABASE_PORTS],
                    description: "TCP ports treated as database ports.",
                },
            },
        },
        appliesTo: typeIn([SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE]),
        appliesToLabel: `${SECURITY_GROUP}, ${SECURITY_GROUP_RULE} and ${INGRESS_RULE}`,
        check: (r) => checkSecurityGroupDatabasePorts(r.type, r.name, r.props, databasePortsOf(r.config)),
    }),
];
