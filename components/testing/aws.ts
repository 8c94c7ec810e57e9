/**
 * Mock outputs for AWS resources and invokes: what the AWS provider would compute (ARNs,
 * endpoints, names), deterministic so two plans diff cleanly.
 */
import { ACCOUNT_ID, CallRule, MockResourceInput, StateRule } from "./types";

/** `aws:rds/cluster:Cluster` -> "rds". */
function service(type: string): string {
  return type.split(":")[1]?.split("/")[0] ?? "aws";
}

/** Generic state for every AWS custom resource: an ARN and a name when the provider would make one. */
export function awsDefaults(r: MockResourceInput): Record<string, unknown> {
  const svc = service(r.type);
  const out: Record<string, unknown> = {
    arn: `arn:aws:${svc}:${r.region}:${ACCOUNT_ID}:${r.type.split(":")[2]?.toLowerCase() ?? "resource"}/${r.name}`,
  };
  if (r.inputs.name === undefined) out.name = r.name;
  return out;
}

function policyDocument(inputs: Record<string, unknown>): Record<string, unknown> {
  const statements = (inputs.statements as Record<string, unknown>[] | undefined) ?? [];
  const doc = {
    Version: "2012-10-17",
    Statement: statements.map((s) => {
      const st: Record<string, unknown> = { Effect: s.effect ?? "Allow" };
      if (s.sid) st.Sid = s.sid;
      if (s.actions) st.Action = s.actions;
      if (s.notActions) st.NotAction = s.notActions;
      if (s.resources) st.Resource = s.resources;
      if (s.notResources) st.NotResource = s.notResources;
      const principals = s.principals as { type: string; identifiers: string[] }[] | undefined;
      if (principals) {
        st.Principal = Object.fromEntries(principals.map((p) => [p.type, p.identifiers]));
      }
      const conditions = s.conditions as { test: string; variable: string; values: string[] }[] | undefined;
      if (conditions) {
        const c: Record<string, Record<string, string[]>> = {};
        for (const cond of conditions) {
          c[cond.test] = { ...(c[cond.test] ?? {}), [cond.variable]: cond.values };
        }
        st.Condition = c;
      }
      return st;
    }),
  };
  return { json: JSON.stringify(doc), minifiedJson: JSON.stringify(doc), id: "policy" };
}

export const awsCalls: Record<string, CallRule> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, region) => ({
    id: region,
    names: ["a", "b", "c", "d"].map((z) => `${region}${z}`),
    zoneIds: ["az1", "az2", "az3", "az4"].map((z) => `use1-${z}`),
    state: "available",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: ACCOUNT_ID,
    accountId: ACCOUNT_ID,
    arn: `arn:aws:iam::${ACCOUNT_ID}:user/offline-plan`,
    userId: "AIDAOFFLINEPLAN",
  }),
  "aws:index/getRegion:getRegion": (_i, region) => ({ id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com` }),
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => policyDocument(inputs),
};

export const awsState: Record<string, StateRule> = {
  "aws:iam/role:Role": (r) => ({
    arn: `arn:aws:iam::${ACCOUNT_ID}:role/${(r.inputs.name as string | undefined) ?? r.name}`,
    name: (r.inputs.name as string | undefined) ?? r.name,
    uniqueId: `AROA${r.seq}`,
  }),
  "aws:iam/policy:Policy": (r) => ({
    arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${(r.inputs.name as string | undefined) ?? r.name}`,
  }),
  "aws:kms/key:Key": (r) => ({
    arn: `arn:aws:kms:${r.region}:${ACCOUNT_ID}:key/${r.name}`,
    keyId: `${r.name}-key-id`,
  }),
  "aws:s3/bucketV2:BucketV2": (r) => bucket(r),
  "aws:s3/bucket:Bucket": (r) => bucket(r),
  "aws:ec2/vpc:Vpc": (r) => ({ id: `vpc-${r.name}`, defaultSecurityGroupId: `sg-default-${r.name}` }),
  "aws:ec2/securityGroup:SecurityGroup": (r) => ({ id: `sg-${r.name}` }),
  "aws:ec2/subnet:Subnet": (r) => ({ id: `subnet-${r.name}` }),
};

function bucket(r: MockResourceInput): Record<string, unknown> {
  const name = (r.inputs.bucket as string | undefined) ?? `${r.name}-0000`;
  return {
    bucket: name,
    arn: `arn:aws:s3:::${name}`,
    bucketRegionalDomainName: `${name}.s3.${r.region}.amazonaws.com`,
    region: r.region,
  };
}
