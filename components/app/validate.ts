/**
 * Argument validation and defaulting, run before the component registers anything so that bad
 * input never half-creates a stack. Every message names the component, the argument, what was
 * given and what is allowed.
 */
import { mailProblems } from "./mail";
import { DifyAppArgs, ServiceSettings } from "./args";
import { CATALOG, HpaDefaults, ResourceDefaults, SERVICE_KEYS, ServiceSpec } from "./catalog";
import { DEFAULT_DIFY_VERSION, DIFY_VERSIONS, DifyImageSet } from "./versions";
import { imageRef, validateImageSource } from "../k8s/images";
import { EgressPlan, resolveEgress } from "./egress";

/** A catalog row with the user's overrides applied: what the builder instantiates. */
export interface ResolvedService {
  spec: ServiceSpec;
  /** Deployment suffix: the catalog key, or `worker-<group>` for a queue group. */
  name: string;
  replicas: number;
  minReplicas: number;
  pdbMinAvailable: number;
  hpa?: HpaDefaults;
  resources: ResourceDefaults;
  /** Extra literal env (CELERY_QUEUES of a queue group). */
  extraLiteralEnv: Record<string, string>;
}

export interface ResolvedPlan {
  namespace: string;
  version: string;
  /** What the pods pull: the release's images through `args.imageSource`. */
  images: DifyImageSet;
  egress: EgressPlan;
  services: ResolvedService[];
  privateCidrs: string[];
  nodePlacement: boolean;
  ingressClassName: string;
}

/** Default destinations the SSRF proxy and S3 egress may never reach. */
export const DEFAULT_PRIVATE_CIDRS: readonly string[] = [
  "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
];

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that hold credentials: they belong in Secrets, never in `extraEnv`. */
const CREDENTIAL_NAME = /(PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEY$|_KEY_|^KEY$|API_KEY|BROKER_URL|DSN$|_URL_WITH_AUTH)/i;

const SUFFIX: Record<string, number> = {
  m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity ("500m", "1Gi") to a number, or undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  return parseFloat(m[1]) * (m[3] ? SUFFIX[m[3]] : 1);
}

function fail(name: string, msg: string): never {
  throw new Error(`DifyApp "${name}": ${msg}`);
}

function intIn(name: string, arg: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) fail(name, `${arg} must be an integer from ${min} to ${max}, got ${v}`);
}

function checkCidrs(name: string, arg: string, v: string[] | undefined, required: boolean): void {
  if (v === undefined || v.length === 0) {
    if (required) fail(name, `${arg} must list at least one IPv4 CIDR (e.g. "10.0.0.0/16"), got ${JSON.stringify(v)}`);
    return;
  }
  for (const c of v) if (!CIDR.test(c)) fail(name, `${arg} must contain IPv4 CIDRs like "10.0.0.0/16", got "${c}"`);
}

function resolveService(name: string, spec: ServiceSpec, o: ServiceSettings, suffix: string, extraEnv: Record<string, string>): ResolvedService {
  const arg = `args.services["${spec.key}"]`;
  for (const [k, v] of Object.entries({ cpuRequest: o.cpuRequest, cpuLimit: o.cpuLimit, memoryRequest: o.memoryRequest, memoryLimit: o.memoryLimit })) {
    if (v !== undefined && parseQuantity(v) === undefined) {
      fail(name, `${arg}.${k} must be a Kubernetes quantity like "500m", "2" or "1Gi", got "${v}"`);
    }
  }
  const resources: ResourceDefaults = {
    cpuRequest: o.cpuRequest ?? spec.resources.cpuRequest,
    cpuLimit: o.cpuLimit ?? spec.resources.cpuLimit,
    memoryRequest: o.memoryRequest ?? spec.resources.memoryRequest,
    memoryLimit: o.memoryLimit ?? spec.resources.memoryLimit,
  };
  if (parseQuantity(resources.cpuRequest)! > parseQuantity(resources.cpuLimit)!) {
    fail(name, `${arg}: cpuRequest ${resources.cpuRequest} must not exceed cpuLimit ${resources.cpuLimit}`);
  }
  if (parseQuantity(resources.memoryRequest)! > parseQuantity(resources.memoryLimit)!) {
    fail(name, `${arg}: memoryRequest ${resources.memoryRequest} must not exceed memoryLimit ${resources.memoryLimit}`);
  }
  intIn(name, `${arg}.replicas`, o.replicas, 1, 100);
  intIn(name, `${arg}.minReplicas`, o.minReplicas, 1, 100);
  intIn(name, `${arg}.maxReplicas`, o.maxReplicas, 1, 100);
  intIn(name, `${arg}.pdbMinAvailable`, o.pdbMinAvailable, 0, 100);
  intIn(name, `${arg}.targetCpuUtilization`, o.targetCpuUtilization, 1, 100);
  intIn(name, `${arg}.targetMemoryUtilization`, o.targetMemoryUtilization, 1, 100);

  if (spec.singleton) {
    if (o.replicas !== undefined && o.replicas !== 1) {
      fail(name, `${arg}.replicas must be exactly 1 (Celery beat is a singleton: two beats run every schedule twice), got ${o.replicas}`);
    }
    if (o.minReplicas !== undefined || o.maxReplicas !== undefined || o.pdbMinAvailable) {
      fail(name, `${arg}: ${spec.key} is a singleton; minReplicas, maxReplicas and pdbMinAvailable are not allowed`);
    }
  }
  if (!spec.hpa) {
    for (const k of ["minReplicas", "maxReplicas", "targetCpuUtilization", "targetMemoryUtilization"] as const) {
      if (o[k] !== undefined) fail(name, `${arg}.${k} is only allowed for autoscaled services (api, web, worker), got it for "${spec.key}"`);
    }
  }
  const replicas = o.replicas ?? spec.replicas;
  const minReplicas = o.minReplicas ?? replicas;
  let hpa: HpaDefaults | undefined;
  if (spec.hpa) {
    hpa = {
      maxReplicas: o.maxReplicas ?? Math.max(spec.hpa.maxReplicas, replicas),
      targetCpu: o.targetCpuUtilization ?? spec.hpa.targetCpu,
      targetMemory: o.targetMemoryUtilization ?? spec.hpa.targetMemory,
    };
    if (minReplicas > hpa.maxReplicas) fail(name, `${arg}: minReplicas (${minReplicas}) must not exceed maxReplicas (${hpa.maxReplicas})`);
    if (replicas < minReplicas || replicas > hpa.maxReplicas) {
      fail(name, `${arg}.replicas (${replicas}) must lie between minReplicas (${minReplicas}) and maxReplicas (${hpa.maxReplicas})`);
    }
  }
  const floor = Math.min(replicas, minReplicas);
  const pdbMinAvailable = o.pdbMinAvailable ?? Math.min(spec.pdbMinAvailable, floor - 1);
  if (pdbMinAvailable > 0 && floor <= pdbMinAvailable) {
    fail(name, `${arg}: replicas/minReplicas (${floor}) must be greater than pdbMinAvailable (${pdbMinAvailable}), ` +
      `otherwise no pod can ever be evicted and node drains hang`);
  }
  return { spec, name: suffix, replicas, minReplicas, pdbMinAvailable, hpa, resources, extraLiteralEnv: extraEnv };
}

/** Validates args and applies defaults; throws before anything is registered. */
export function resolvePlan(name: string, args: DifyAppArgs): ResolvedPlan {
  if (!args) fail(name, "args are required");
  const namespace = args.namespace ?? "dify";
  if (!DNS_LABEL.test(namespace) || namespace.length > 55) {
    fail(name, `args.namespace must be a DNS label of at most 55 characters (the sandbox gets "<namespace>-sandbox"), got "${namespace}"`);
  }
  validateObservability(name, args);
  const versions = { ...DIFY_VERSIONS, ...(args.extraVersions ?? {}) };
  const version = args.difyVersion ?? DEFAULT_DIFY_VERSION;
  const images = versions[version];
  if (!images) fail(name, `args.difyVersion must be one of ${Object.keys(versions).join(", ")} (or a key of args.extraVersions), got "${version}"`);
  for (const [k, v] of Object.entries(images)) {
    if (typeof v !== "string" || !/^[^\s:]+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/.test(v) || (!v.includes(":") && !v.includes("@")) || /:latest$/.test(v)) {
      fail(name, `image "${k}" of Dify ${version} must be pinned to an exact tag or digest (not "latest"), got "${v}"`);
    }
  }
  validateImageSource(`DifyApp "${name}"`, "args.imageSource", args.imageSource);
  const pulled = {} as DifyImageSet;
  for (const k of Object.keys(images) as (keyof DifyImageSet)[]) {
    try { pulled[k] = imageRef(images[k], args.imageSource); } catch (e) { fail(name, `image "${k}" of Dify ${version}: ${(e as Error).message}`); }
  }
  const egress = resolveEgress(name, args);
  if (typeof args.domain !== "string" || !HOSTNAME.test(args.domain)) {
    fail(name, `args.domain must be a lowercase host name like "dify.example.com" (no scheme, port or path), got "${args.domain}"`);
  }
  if (args.enableAgentBackend) {
    fail(name, "args.enableAgentBackend=true is not supported yet (the agent backend and local sandbox are not in the catalog); leave it false");
  }
  const ingressClassName = args.ingressClassName ?? "alb";
  if (!DNS_LABEL.test(ingressClassName)) fail(name, `args.ingressClassName must be a DNS label, got "${ingressClassName}"`);
  checkCidrs(name, "args.vpcCidrs", args.vpcCidrs, true);
  checkCidrs(name, "args.dataCidrs", args.dataCidrs, true);
  checkCidrs(name, "args.ingressSourceCidrs", args.ingressSourceCidrs, true);
  checkCidrs(name, "args.privateCidrs", args.privateCidrs, false);
  for (const problem of mailProblems(args.mail)) fail(name, problem);
  for (const [argName, env] of [["args.extraEnv", args.extraEnv], ["args.extraWebEnv", args.extraWebEnv], ["args.extraPluginDaemonEnv", args.extraPluginDaemonEnv]] as const) {
    for (const k of Object.keys(env ?? {})) {
      if (!ENV_NAME.test(k)) fail(name, `${argName} key must be an environment variable name, got "${k}"`);
      if (CREDENTIAL_NAME.test(k)) {
        fail(name, `${argName}["${k}"] looks like a credential; credentials go in Kubernetes Secrets, not plain settings`);
      }
    }
  }

  const overrides = args.services ?? {};
  const groups = args.workerQueueGroups ?? [];
  const groupNames = new Set<string>();
  for (const g of groups) {
    if (!g || !DNS_LABEL.test(g.name) || g.name.length > 40) fail(name, `args.workerQueueGroups[].name must be a DNS label of at most 40 characters, got "${g?.name}"`);
    if (groupNames.has(g.name)) fail(name, `args.workerQueueGroups has the name "${g.name}" twice`);
    groupNames.add(g.name);
    if (!Array.isArray(g.queues) || g.queues.length === 0 || g.queues.some((q) => !/^[a-z0-9_]+$/.test(q))) {
      fail(name, `args.workerQueueGroups["${g.name}"].queues must be a non-empty list of Celery queue names, got ${JSON.stringify(g.queues)}`);
    }
  }
  const allowed = new Set([...SERVICE_KEYS, ...[...groupNames].map((g) => `worker-${g}`)]);
  for (const key of Object.keys(overrides)) {
    if (!allowed.has(key)) fail(name, `args.services has unknown service "${key}"; allowed: ${[...allowed].join(", ")}`);
  }

  const enabled = CATALOG.filter((s) => !s.optional || (s.optional === "websocket" && args.enableWebsocketApi === true));
  const services: ResolvedService[] = [];
  for (const spec of enabled) {
    if (spec.key === "worker" && groups.length > 0) {
      for (const g of groups) {
        const o = { ...(overrides.worker ?? {}), ...(overrides[`worker-${g.name}`] ?? {}) };
        services.push(resolveService(name, spec, o, `worker-${g.name}`, { CELERY_QUEUES: g.queues.join(",") }));
      }
    } else {
      services.push(resolveService(name, spec, overrides[spec.key] ?? {}, spec.key, {}));
    }
  }
  const privateCidrs = args.privateCidrs ?? [...new Set([...DEFAULT_PRIVATE_CIDRS, ...args.vpcCidrs])];
  return { namespace, version, images: pulled, egress, services, privateCidrs, nodePlacement: args.nodePlacement ?? true, ingressClassName };
}

/** `loadBalancerName` and `observability` (issue 9). */
function validateObservability(name: string, args: DifyAppArgs): void {
  const lb = args.loadBalancerName;
  if (lb !== undefined && (!/^[A-Za-z0-9]([-A-Za-z0-9]{0,30}[A-Za-z0-9])?$/.test(lb) || lb.startsWith("internal-"))) {
    fail(name, `args.loadBalancerName must be 1-32 letters, digits or '-' (no leading/trailing '-', not "internal-..."), got ${JSON.stringify(lb)}`);
  }
  const o = args.observability;
  if (!o) return;
  if (!/^https?:\/\/[^\s/]+(:\d+)?$/.test(o.otlpEndpoint)) fail(name, `args.observability.otlpEndpoint must be a base URL like "http://collector.ns.svc:4318" (no path), got ${JSON.stringify(o.otlpEndpoint)}`);
  if (!DNS_LABEL.test(o.collectorNamespace)) fail(name, `args.observability.collectorNamespace must be a namespace name, got ${JSON.stringify(o.collectorNamespace)}`);
  if (Object.keys(o.collectorPodLabels ?? {}).length === 0) fail(name, "args.observability.collectorPodLabels must select the collector pods (at least one label)");
  const rate = o.samplingRate ?? 0.1;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) fail(name, `args.observability.samplingRate must be from 0 to 1, got ${JSON.stringify(o.samplingRate)}`);
  if (o.accessLogPrefix !== undefined && (!/^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/.test(o.accessLogPrefix) || o.accessLogPrefix.includes("AWSLogs"))) {
    fail(name, `args.observability.accessLogPrefix must be an S3 key prefix without "AWSLogs" or a trailing "/", got ${JSON.stringify(o.accessLogPrefix)}`);
  }
}
