/**
 * Argument validation and defaulting, run before the component registers anything so that bad
 * input never half-creates a stack. Every problem is collected (components/checks) and reported
 * at once, naming the argument, what was given and what is allowed.
 */
import { mailProblems } from "./mail";
import { DifyAppSettings, ServiceSettings } from "./args";
import { CATALOG, HpaDefaults, ResourceDefaults, SERVICE_KEYS, ServiceSpec } from "./catalog";
import { DEFAULT_DIFY_VERSION, DIFY_VERSIONS, DifyImageSet } from "./versions";
import { imageRef, validateImageSource } from "../k8s/images";
import { albName, cidr, cpuQuantity, dnsLabel, envName, celeryQueue, hostname, memoryQuantity, parseQuantity, Problems, show } from "../checks";
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

/** Names that hold credentials: they belong in Secrets, never in `extraEnv`. */
const CREDENTIAL_NAME = /(PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEY$|_KEY_|^KEY$|API_KEY|BROKER_URL|DSN$|_URL_WITH_AUTH)/i;

/** Every setting a service override may carry (ServiceSettings). */
export const SERVICE_SETTING_FIELDS: readonly (keyof ServiceSettings)[] = [
  "replicas", "minReplicas", "maxReplicas", "cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit",
  "targetCpuUtilization", "targetMemoryUtilization", "pdbMinAvailable",
];

/** How service problems are named: the argument path, and where a value came from. */
export interface ServiceCheckContext {
  /** Path of one service's settings, e.g. `args.services["api"]` or `dify:services.api`. */
  path(service: string): string;
  /**
   * Where a field's value came from when the user did not write it there (e.g. "the dev
   * preset"); cited in messages so the user knows what else to set. Default: the caller.
   */
  origin?(service: string, field: string): string | undefined;
}

const ARGS_CONTEXT: ServiceCheckContext = { path: (s) => `args.services["${s}"]` };

/**
 * THE validator of per-service settings (DifyApp's args and the program's `dify:services`): every
 * problem of `o` for catalog row `spec` goes to `p`; returns the service with defaults applied
 * (invalid values fall back to the catalog's, so checking can go on).
 */
export function resolveService(p: Problems, spec: ServiceSpec, o: ServiceSettings, suffix: string, extraEnv: Record<string, string>, ctx: ServiceCheckContext = ARGS_CONTEXT): ResolvedService {
  const base = ctx.path(suffix);
  const at = (f: string) => `${base}.${f}`;
  /** Where a field's value came from when the caller did not write it: a preset, or the catalog. */
  const originOf = (f: keyof ServiceSettings) => ((o as Record<string, unknown>)[f] !== undefined ? ctx.origin?.(suffix, f) : "DifyApp's default for this service");
  /** The caller wrote `f` (not a preset, not a default). */
  const fromCaller = (f: keyof ServiceSettings) => (o as Record<string, unknown>)[f] !== undefined && !ctx.origin?.(suffix, f);
  /** `maxReplicas 3 (the dev preset's value; set maxReplicas too)`. */
  const cite = (f: keyof ServiceSettings, v: unknown) => {
    const from = originOf(f);
    return `${f} ${show(v)}${from ? ` (${from}; set ${f} too)` : ""}`;
  };
  /** Of two conflicting fields, the one to report: the caller's own, else the first. */
  const blame = <F extends keyof ServiceSettings>(a: F, b: F): [F, F] => (fromCaller(a) || !fromCaller(b) ? [a, b] : [b, a]);
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    p.add(base, o, `a map of ${SERVICE_SETTING_FIELDS.join(", ")}`);
    o = {};
  }
  for (const k of Object.keys(o)) {
    if (!(SERVICE_SETTING_FIELDS as readonly string[]).includes(k)) p.add(at(k), (o as Record<string, unknown>)[k], `only the settings ${SERVICE_SETTING_FIELDS.join(", ")}`);
  }
  const quantity = (f: keyof ResourceDefaults, check: typeof cpuQuantity): string => {
    const v = o[f];
    if (v === undefined) return spec.resources[f];
    return p.check(at(f), v, check) ? v : spec.resources[f];
  };
  const resources: ResourceDefaults = {
    cpuRequest: quantity("cpuRequest", cpuQuantity),
    cpuLimit: quantity("cpuLimit", cpuQuantity),
    memoryRequest: quantity("memoryRequest", memoryQuantity),
    memoryLimit: quantity("memoryLimit", memoryQuantity),
  };
  for (const [req, lim] of [["cpuRequest", "cpuLimit"], ["memoryRequest", "memoryLimit"]] as const) {
    if (parseQuantity(resources[req])! > parseQuantity(resources[lim])!) {
      const [bad, other] = blame(req, lim);
      p.add(at(bad), resources[bad], `${bad === req ? "at most" : "at least"} ${cite(other, resources[other])}`);
    }
  }
  const int = (f: keyof ServiceSettings, min: number, unit = ""): number | undefined => {
    const v = o[f];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > 100) {
      p.add(at(f), v, `an integer from ${min} to 100${unit}`);
      return undefined;
    }
    return v;
  };
  const given = {
    replicas: int("replicas", 1),
    minReplicas: int("minReplicas", 1),
    maxReplicas: int("maxReplicas", 1),
    pdbMinAvailable: int("pdbMinAvailable", 0),
    targetCpuUtilization: int("targetCpuUtilization", 1, " (percent of the CPU request)"),
    targetMemoryUtilization: int("targetMemoryUtilization", 1, " (percent of the memory request)"),
  };

  if (spec.singleton) {
    if (given.replicas !== undefined && given.replicas !== 1) {
      p.add(at("replicas"), given.replicas, `only 1 (${spec.key} is a singleton: two Celery beats run every schedule twice)`);
    }
    for (const f of ["minReplicas", "maxReplicas", "pdbMinAvailable"] as const) {
      if (o[f] !== undefined && !(f === "pdbMinAvailable" && o[f] === 0)) p.add(at(f), o[f], `nothing (${spec.key} is a singleton)`);
    }
  }
  if (!spec.hpa) {
    for (const f of ["minReplicas", "maxReplicas", "targetCpuUtilization", "targetMemoryUtilization"] as const) {
      if (o[f] !== undefined) p.add(at(f), o[f], `nothing: only autoscaled services (${CATALOG.filter((s) => s.hpa).map((s) => s.key).join(", ")}) take it`);
    }
  }
  const replicas = spec.singleton ? 1 : given.replicas ?? spec.replicas;
  const minReplicas = given.minReplicas ?? replicas;
  let hpa: HpaDefaults | undefined;
  if (spec.hpa) {
    hpa = {
      maxReplicas: given.maxReplicas ?? Math.max(spec.hpa.maxReplicas, replicas),
      targetCpu: given.targetCpuUtilization ?? spec.hpa.targetCpu,
      targetMemory: given.targetMemoryUtilization ?? spec.hpa.targetMemory,
    };
    if (minReplicas > hpa.maxReplicas) {
      if (given.minReplicas !== undefined) {
        const value = { minReplicas, maxReplicas: hpa.maxReplicas };
        const [bad, other] = blame("minReplicas", "maxReplicas");
        p.add(at(bad), value[bad], `${bad === "minReplicas" ? "at most" : "at least"} ${cite(other, value[other])}`);
      } else {
        p.add(at("maxReplicas"), hpa.maxReplicas, `at least ${cite("replicas", replicas)}`);
      }
    } else if (replicas < minReplicas || replicas > hpa.maxReplicas) {
      p.add(at("replicas"), replicas, `from ${cite("minReplicas", minReplicas)} to ${cite("maxReplicas", hpa.maxReplicas)}`);
    }
  }
  const floor = Math.min(replicas, minReplicas);
  const pdbMinAvailable = given.pdbMinAvailable ?? Math.min(spec.pdbMinAvailable, floor - 1);
  if (pdbMinAvailable > 0 && floor <= pdbMinAvailable) {
    p.add(at("pdbMinAvailable"), pdbMinAvailable, `0 to ${floor - 1}, below the ${floor} replica(s) (a PodDisruptionBudget that keeps every replica blocks node drains and upgrades)`);
  }
  return { spec, name: suffix, replicas, minReplicas, pdbMinAvailable, hpa, resources, extraLiteralEnv: extraEnv };
}

/**
 * Checks a whole map of per-service overrides (unknown services included) with resolveService.
 * `extraServices` are accepted keys beyond the catalog (queue groups: `worker-<group>`).
 */
export function checkServiceOverrides(p: Problems, overrides: Record<string, unknown>, ctx: ServiceCheckContext, extraServices: readonly string[] = []): void {
  for (const [key, o] of Object.entries(overrides)) {
    const spec = CATALOG.find((s) => s.key === key) ?? (extraServices.includes(key) ? CATALOG.find((s) => s.queueGroups) : undefined);
    if (!spec) {
      p.add(ctx.path(key), o, `a service of ${[...SERVICE_KEYS, ...extraServices].join(", ")}`);
      continue;
    }
    resolveService(p, spec, o as ServiceSettings, key, {}, ctx);
  }
}

/** Validates args and applies defaults; throws (every problem at once) before anything is registered. */
export function resolvePlan(name: string, args: DifyAppSettings): ResolvedPlan {
  const p = new Problems(`DifyApp "${name}"`);
  if (!args) {
    p.add("args", args, "the arguments of DifyApp");
    p.throwIfAny();
  }
  const namespace = args.namespace ?? "dify";
  // The sandbox gets "<namespace>-sandbox": 55 + 8 = 63.
  p.check("args.namespace", namespace, dnsLabel(55));
  validateObservability(p, args);
  const versions = { ...DIFY_VERSIONS, ...(args.extraVersions ?? {}) };
  const version = args.difyVersion ?? DEFAULT_DIFY_VERSION;
  const images = versions[version] ?? DIFY_VERSIONS[DEFAULT_DIFY_VERSION];
  if (!versions[version]) p.add("args.difyVersion", version, `one of ${Object.keys(versions).join(", ")} (or a key of args.extraVersions)`);
  for (const [k, v] of Object.entries(images)) {
    if (typeof v !== "string" || !/^[^\s:]+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/.test(v) || (!v.includes(":") && !v.includes("@")) || /:latest$/.test(v)) {
      p.add(`args.extraVersions["${version}"].${k}`, v, "an image pinned to an exact tag or digest (not \"latest\")");
    }
  }
  p.absorb(() => validateImageSource(`DifyApp "${name}"`, "args.imageSource", args.imageSource), "args.imageSource", args.imageSource);
  const pulled = {} as DifyImageSet;
  for (const k of Object.keys(images) as (keyof DifyImageSet)[]) {
    try { pulled[k] = imageRef(images[k], args.imageSource); } catch (e) { p.add(`args.imageSource (image "${k}")`, images[k], (e as Error).message); pulled[k] = images[k]; }
  }
  const egress = resolveEgress(p, args);
  p.check("args.domain", args.domain, hostname);
  if (args.enableAgentBackend) {
    p.add("args.enableAgentBackend", true, "false (the agent backend and local sandbox are not in the catalog yet)");
  }
  const ingressClassName = args.ingressClassName ?? "alb";
  p.check("args.ingressClassName", ingressClassName, dnsLabel(63));
  if (ingressClassName !== "alb") {
    // These configure the AWS Load Balancer Controller only; another controller would ignore them silently.
    if (args.loadBalancerName !== undefined) p.add("args.loadBalancerName", args.loadBalancerName, `nothing with ingressClassName "${ingressClassName}" (an ALB name needs the AWS Load Balancer Controller, class "alb")`);
    if (args.observability?.accessLogBucket !== undefined) p.add("args.observability.accessLogBucket", "(set)", `nothing with ingressClassName "${ingressClassName}" (ALB access logs need the AWS Load Balancer Controller, class "alb")`);
    if (args.webAclArn !== undefined) p.add("args.webAclArn", "(set)", `nothing with ingressClassName "${ingressClassName}" (the WAF is attached by the AWS Load Balancer Controller, class "alb")`);
    if (args.internalLoadBalancer) p.add("args.internalLoadBalancer", true, `false with ingressClassName "${ingressClassName}" (set your controller's annotation in ingressAnnotations instead)`);
    if (args.requestAutoscaling !== undefined) p.add("args.requestAutoscaling", "(set)", `nothing with ingressClassName "${ingressClassName}" (it reads the metrics of the ALB the AWS Load Balancer Controller creates, class "alb")`);
  }
  if (args.requestAutoscaling !== undefined) {
    // The CloudWatch dimensions need the ALB, found by its name once the controller created it.
    if (args.loadBalancerName === undefined) p.add("args.loadBalancerName", args.loadBalancerName, "an ALB name with requestAutoscaling (its CloudWatch metrics are found by the load balancer's name)");
    const mean = args.requestAutoscaling.meanRequestSeconds;
    if (mean !== undefined && !(typeof mean === "number" && mean >= 1 && mean <= 600)) p.add("args.requestAutoscaling.meanRequestSeconds", mean, "a number of seconds from 1 to 600");
  }
  for (const [arg, v, required] of [["vpcCidrs", args.vpcCidrs, true], ["dataCidrs", args.dataCidrs, true], ["ingressSourceCidrs", args.ingressSourceCidrs, true], ["privateCidrs", args.privateCidrs, false]] as const) {
    if (v === undefined && !required) continue;
    p.items(`args.${arg}`, v, cidr, required ? 1 : 0);
  }
  for (const m of mailProblems(args.mail)) p.add(m.path, m.got, m.allowed);
  for (const [argName, env] of [["args.extraEnv", args.extraEnv], ["args.extraWebEnv", args.extraWebEnv], ["args.extraPluginDaemonEnv", args.extraPluginDaemonEnv]] as const) {
    for (const k of Object.keys(env ?? {})) {
      if (!p.check(`${argName} key`, k, envName)) continue;
      if (CREDENTIAL_NAME.test(k)) p.add(`${argName}["${k}"]`, k, "a plain setting: this name looks like a credential, and credentials go in Kubernetes Secrets");
    }
  }

  const overrides = args.services ?? {};
  const groups = args.workerQueueGroups ?? [];
  const groupNames = new Set<string>();
  groups.forEach((g, i) => {
    const at = `args.workerQueueGroups[${i}]`;
    if (!g || !p.check(`${at}.name`, g.name, dnsLabel(40))) return;
    if (groupNames.has(g.name)) p.add(`${at}.name`, g.name, "a name no other group has");
    groupNames.add(g.name);
    p.items(`${at}.queues`, g.queues, celeryQueue, 1);
  });
  const grouped = CATALOG.find((s) => s.queueGroups);
  const groupKeys = grouped ? [...groupNames].map((g) => `${grouped.key}-${g}`) : [];
  checkServiceOverrides(p, overrides, ARGS_CONTEXT, groupKeys);

  const enabled = CATALOG.filter((s) => !s.optional || (s.optional === "websocket" && args.enableWebsocketApi === true));
  const services: ResolvedService[] = [];
  // Already checked above: resolve quietly into a scratch collector.
  const quiet = new Problems("");
  for (const spec of enabled) {
    if (spec.queueGroups && groups.length > 0) {
      for (const g of groups) {
        const o = { ...(overrides[spec.key] ?? {}), ...(overrides[`${spec.key}-${g.name}`] ?? {}) };
        services.push(resolveService(p, spec, o, `${spec.key}-${g.name}`, { CELERY_QUEUES: (g.queues ?? []).join(",") }));
      }
    } else {
      services.push(resolveService(quiet, spec, overrides[spec.key] ?? {}, spec.key, {}));
    }
  }
  p.throwIfAny();
  const privateCidrs = args.privateCidrs ?? [...new Set([...DEFAULT_PRIVATE_CIDRS, ...args.vpcCidrs])];
  return { namespace, version, images: pulled, egress, services, privateCidrs, nodePlacement: args.nodePlacement ?? false, ingressClassName };
}

/** `loadBalancerName` and `observability`. */
function validateObservability(p: Problems, args: DifyAppSettings): void {
  const lb = args.loadBalancerName;
  if (lb !== undefined) p.check("args.loadBalancerName", lb, albName);
  const o = args.observability;
  if (!o) return;
  if (!/^https?:\/\/[^\s/]+(:\d+)?$/.test(o.otlpEndpoint)) p.add("args.observability.otlpEndpoint", o.otlpEndpoint, 'a base URL such as "http://collector.ns.svc:4318" (no path)');
  p.check("args.observability.collectorNamespace", o.collectorNamespace, dnsLabel(63));
  if (Object.keys(o.collectorPodLabels ?? {}).length === 0) p.add("args.observability.collectorPodLabels", o.collectorPodLabels, "at least one label selecting the collector pods");
  const rate = o.samplingRate ?? 0.1;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) p.add("args.observability.samplingRate", o.samplingRate, "a number from 0 to 1");
  if (o.accessLogPrefix !== undefined && (!/^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/.test(o.accessLogPrefix) || o.accessLogPrefix.includes("AWSLogs"))) {
    p.add("args.observability.accessLogPrefix", o.accessLogPrefix, 'an S3 key prefix without "AWSLogs" or a trailing "/"');
  }
}
