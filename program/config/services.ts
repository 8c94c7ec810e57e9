/**
 * `dify:services`: per-service overrides of replicas, resources and autoscaling, on top of a
 * per-profile preset. The prod preset is empty on purpose: DifyApp's own defaults are the
 * production (HA) settings; dev scales everything down to one replica on small requests.
 */
import { ServiceSettings } from "../../components/app/args";
import { SERVICE_KEYS } from "../../components/app/catalog";
import { Profile } from "./keys";

/** Overrides for one Dify service: exactly DifyApp's per-service settings. */
export type ServiceOverride = ServiceSettings;

/** Services that accept overrides: DifyApp's catalog. */
export const SERVICE_NAMES: readonly string[] = SERVICE_KEYS;

const INT_FIELDS = ["replicas", "minReplicas", "maxReplicas", "targetCpuUtilization", "targetMemoryUtilization", "pdbMinAvailable"] as const;
const CPU_FIELDS = ["cpuRequest", "cpuLimit"] as const;
const MEM_FIELDS = ["memoryRequest", "memoryLimit"] as const;
const FIELDS: readonly string[] = [...INT_FIELDS, ...CPU_FIELDS, ...MEM_FIELDS];

const CPU = /^(\d+(\.\d{1,3})?|\d+m)$/;
const MEM = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const one = { replicas: 1, pdbMinAvailable: 0 };
/** Per-profile presets. */
export const SERVICE_PRESETS: Record<Profile, Record<string, ServiceOverride>> = {
  [Profile.Prod]: {},
  [Profile.Dev]: {
    api: { ...one, minReplicas: 1, maxReplicas: 3, cpuRequest: "250m", memoryRequest: "768Mi" },
    worker: { ...one, minReplicas: 1, maxReplicas: 3, cpuRequest: "250m", memoryRequest: "768Mi" },
    web: { ...one, minReplicas: 1, maxReplicas: 2, cpuRequest: "100m", memoryRequest: "256Mi" },
    sandbox: { ...one, cpuRequest: "100m", memoryRequest: "256Mi" },
    "plugin-daemon": { ...one, cpuRequest: "100m", memoryRequest: "512Mi" },
    "ssrf-proxy": { ...one, cpuRequest: "50m", memoryRequest: "64Mi" },
  },
};

/**
 * Services a prod stack runs at least twice, so it survives the loss of a node or a zone (their
 * PodDisruptionBudgets need a second replica too). beat is a singleton; the websocket api is optional.
 */
export const HA_SERVICES: readonly string[] = ["api", "worker", "web", "sandbox", "plugin-daemon", "ssrf-proxy"];

/**
 * Validates the `dify:services` map, merges it over the profile preset and returns the result.
 * Problems are appended to `problems`, each naming `<key>.<service>.<field>`.
 */
export function checkServices(raw: Record<string, unknown> | undefined, profile: Profile, key: string, problems: string[]): Record<string, ServiceOverride> {
  const merged: Record<string, ServiceOverride> = {};
  for (const [svc, preset] of Object.entries(SERVICE_PRESETS[profile])) merged[svc] = { ...preset };
  for (const [svc, given] of Object.entries(raw ?? {})) {
    if (!SERVICE_NAMES.includes(svc)) {
      problems.push(`${key}.${svc}: unknown service, allowed one of ${SERVICE_NAMES.join(", ")}`);
      continue;
    }
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
      problems.push(`${key}.${svc}: got ${JSON.stringify(given)}, allowed a map of ${FIELDS.join(", ")}`);
      continue;
    }
    const o = given as Record<string, unknown>;
    const out: ServiceOverride = { ...(merged[svc] ?? {}) };
    for (const [field, v] of Object.entries(o)) {
      const path = `${key}.${svc}.${field}`;
      if ((INT_FIELDS as readonly string[]).includes(field)) {
        const isPct = field.startsWith("target");
        const [lo, hi] = isPct ? [1, 100] : field === "pdbMinAvailable" ? [0, 100] : [1, 100];
        if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
          problems.push(`${path}: got ${JSON.stringify(v)}, allowed an integer from ${lo} to ${hi}${isPct ? " (percent)" : ""}`);
        } else (out as Record<string, unknown>)[field] = v;
      } else if ((CPU_FIELDS as readonly string[]).includes(field)) {
        if (typeof v !== "string" || !CPU.test(v)) problems.push(`${path}: got ${JSON.stringify(v)}, allowed a CPU quantity such as "500m" or "2"`);
        else (out as Record<string, unknown>)[field] = v;
      } else if ((MEM_FIELDS as readonly string[]).includes(field)) {
        if (typeof v !== "string" || !MEM.test(v)) problems.push(`${path}: got ${JSON.stringify(v)}, allowed a memory quantity such as "512Mi" or "2Gi"`);
        else (out as Record<string, unknown>)[field] = v;
      } else {
        problems.push(`${path}: unknown field, allowed ${FIELDS.join(", ")}`);
      }
    }
    merged[svc] = out;
  }
  for (const [svc, o] of Object.entries(merged)) {
    const path = `${key}.${svc}`;
    if (o.minReplicas !== undefined && o.maxReplicas !== undefined && o.minReplicas > o.maxReplicas) {
      problems.push(`${path}.minReplicas: got ${o.minReplicas}, greater than maxReplicas (${o.maxReplicas}); allowed minReplicas <= maxReplicas`);
    }
    const floor = o.minReplicas ?? o.replicas;
    if (o.pdbMinAvailable !== undefined && floor !== undefined && o.pdbMinAvailable >= floor && floor > 0 && o.pdbMinAvailable > 0) {
      problems.push(`${path}.pdbMinAvailable: got ${o.pdbMinAvailable} with ${floor} replica(s); a PodDisruptionBudget that keeps every replica blocks node drains and upgrades; allowed 0 to ${floor - 1}`);
    }
    if (profile === Profile.Prod && HA_SERVICES.includes(svc)) {
      for (const field of ["replicas", "minReplicas"] as const) {
        const n = o[field];
        if (n !== undefined && n < 2) {
          problems.push(`${path}.${field}: got ${n}, allowed 2 or more in prod (one replica does not survive a node or zone loss; use profile dev for a single-replica install)`);
        }
      }
    }
    if (svc === "worker-beat" && o.replicas !== undefined && o.replicas !== 1) {
      problems.push(`${path}.replicas: got ${o.replicas}, allowed only 1 (Celery beat is a singleton: two schedulers run every periodic task twice)`);
    }
  }
  return merged;
}
