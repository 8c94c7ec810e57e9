import { cidr, email, hostname, parseCidr, roleArn } from "../../components/checks";
import { parseCron } from "../../components/backups/cron";
import { HOSTED_ZONE_ID } from "../../components/edge/args";
import { registryPrefixProblem } from "../../components/k8s/images";
import { regionProblem } from "./namespaces";

/**
 * Every stack config key of the program, as data: type, range, per-profile default and
 * documentation. Validation (parse.ts), Pulumi.yaml's `config:` block and the README table are
 * all checked against this one table (test/config.spec.ts), so they cannot drift apart.
 */

/** The two presets a stack selects with `dify:profile`. */
export enum Profile {
  Dev = "dev",
  Prod = "prod",
}

export type KeyType = "string" | "integer" | "boolean" | "array" | "object";

/** A default that may differ per profile. */
export interface ByProfile<T> {
  dev: T;
  prod: T;
}

export interface KeySpec {
  /** Key without the namespace, e.g. "azCount" for `dify:azCount`. */
  key: string;
  type: KeyType;
  /** One sentence for Pulumi.yaml and the README. */
  description: string;
  /** Unit or format, shown in the docs ("GiB", "days", "5-field cron, UTC"). */
  unit?: string;
  /** Default when the stack file does not set the key; a ByProfile when it depends on the profile. */
  default?: unknown | ByProfile<unknown>;
  /** Profiles in which the stack file must set the key. */
  requiredIn?: Profile[];
  /** Inclusive range for integers. */
  min?: number;
  max?: number;
  /** Allowed values for strings. */
  enum?: readonly string[];
  /** What is allowed, for the docs and for "required" messages; default: what `check` says of an empty value. */
  allowed?: string;
  /** For arrays: every item must pass this check. For strings: the value must. Returns the "allowed" text on failure. */
  check?: (value: string) => string | undefined;
  /** For arrays: minimum length in the given profiles. */
  minItemsIn?: Partial<Record<Profile, number>>;
  /** A credential: set it with `pulumi config set --secret`; the program treats the value as a secret Output. */
  secret?: boolean;
}

export function isByProfile(v: unknown): v is ByProfile<unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).sort().join(",") === "dev,prod";
}

// ---- value checks (each returns the "allowed" text when the value is bad) ----

// The shared checks (components/checks): config and components accept exactly the same values.
export const checkHostname = hostname;

export { parseCidr };
export const checkCidr = cidr;
export const checkVpcCidr = (v: string) => {
  const c = parseCidr(v);
  if (!c) return checkCidr(v);
  return c.bits >= 16 && c.bits <= 20 ? undefined : "a VPC CIDR from /16 to /20 (room for 3 AZs of public and private subnets)";
};
export const checkRegion = (v: string) => regionProblem(v);
export const checkHostedZoneId = (v: string) =>
  (HOSTED_ZONE_ID.test(v) ? undefined : "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (\"Z\" and upper-case letters and digits, no /hostedzone/ prefix)");
export const checkZoneName = (v: string) => (hostname(v.replace(/\.$/, "")) === undefined ? undefined : "a DNS zone name such as example.com (lower case; a trailing dot is allowed)");
export const checkAcmArn = (v: string) =>
  /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/.test(v) ? undefined : "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)";
export const checkRoleArn = roleArn;
export const checkInstanceType = (v: string) => (/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) && !v.startsWith("db.") && !v.startsWith("cache.") ? undefined : "an EC2 instance type such as m7g.large");
export const checkDbClass = (v: string) => (v === "db.serverless" || /^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(v) ? undefined : "an RDS instance class such as db.r7g.large (must start with db.), or db.serverless (Aurora Serverless v2, sized by dify:dbCapacityRange)");
/** Aurora Serverless v2 range "min-max" in ACU, steps of 0.5 (Aurora's limits: 0-256, maximum at least 1). */
export function parseAcuRange(v: string): { min: number; max: number } | undefined {
  const m = /^(\d+(?:\.5|\.0)?)-(\d+(?:\.5|\.0)?)$/.exec(v);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min <= max && max >= 1 && max <= 256 ? { min, max } : undefined;
}
export const checkAcuRange = (v: string) => (parseAcuRange(v) ? undefined : "a range \"min-max\" of Aurora capacity units in steps of 0.5, 0 <= min <= max, 1 <= max <= 256, e.g. \"0.5-4\"");
export const checkCacheNodeType = (v: string) => (/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(v) ? undefined : "an ElastiCache node type such as cache.r7g.large (must start with cache.)");
export const checkVpcId = (v: string) => (/^vpc-[0-9a-f]{8,17}$/.test(v) ? undefined : "a VPC id such as vpc-0123456789abcdef0");
export const checkSubnetId = (v: string) => (/^subnet-[0-9a-f]{8,17}$/.test(v) ? undefined : "a subnet id such as subnet-0123456789abcdef0");
export const checkPgIdentifier = (v: string) => (/^[a-z_][a-z0-9_]{0,62}$/.test(v) ? undefined : "a PostgreSQL identifier: lower-case letters, digits and _, not starting with a digit, at most 63 characters");
export const checkEmail = email;

export const checkRegistryPrefix = (v: string) => {
  const why = registryPrefixProblem(v);
  return why ? `a registry host[:port][/path] such as 123456789012.dkr.ecr.us-east-1.amazonaws.com or harbor.example.com/dify (${why})` : undefined;
};
export const checkEgressDomain = (v: string) =>
  (/^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(v) ? undefined : 'a lowercase DNS name ("api.openai.com", or ".openai.com" for the domain and its subdomains; no scheme, port or "*")');
export const checkHostPort = (v: string) => {
  const m = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?:(\d{1,5})$/.exec(v);
  return m && Number(m[1]) >= 1 && Number(m[1]) <= 65535 ? undefined : 'a "host:port" such as proxy.corp.example:3128 (no scheme)';
};
export const checkEndpointService = (v: string) =>
  (/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/.test(v) && !v.startsWith("com.") ? undefined : 'an AWS service suffix after "com.amazonaws.<region>." such as bedrock-runtime or ssm');
export const checkHttpUrl = (v: string) => {
  try {
    const u = new URL(v);
    return /^https?:$/.test(u.protocol) && !u.username && !u.password ? undefined : "an http(s) URL without credentials";
  } catch {
    return "an http(s) URL such as https://pypi.corp.example/simple";
  }
};
export const checkSecretsManagerPtcArn = (v: string) =>
  (/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+/.test(v) ? undefined : "a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/ (ECR requires that prefix)");

export const CRON_ALLOWED = 'a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"';
/** A standard 5-field cron expression (UTC), as Kubernetes CronJobs take; DifyBackups' parser decides. */
export const checkCron = (v: string) => {
  try {
    parseCron(v);
    return undefined;
  } catch (e) {
    return `${CRON_ALLOWED}: ${(e as Error).message}`;
  }
};
