/**
 * `dify:services`: per-service overrides of replicas, resources and autoscaling, on top of a
 * per-profile preset. The prod preset is empty on purpose: DifyApp's own defaults are the
 * production (HA) settings; dev scales everything down to one replica on small requests.
 */
import { ServiceSettings } from "../../components/app/args";
import { CATALOG, SERVICE_KEYS } from "../../components/app/catalog";
import { checkServiceOverrides } from "../../components/app/validate";
import { formatProblem, Problems } from "../../components/checks";
import { Profile } from "./keys";
import { PackLimit } from "./policyLimits";

/** Overrides for one Dify service: exactly DifyApp's per-service settings. */
export type ServiceOverride = ServiceSettings;

/** Services that accept overrides: DifyApp's catalog. */
export const SERVICE_NAMES: readonly string[] = SERVICE_KEYS;

const one = { replicas: 1, pdbMinAvailable: 0 };
// Dev's api and worker ceilings (2 each) are what its db.t4g.small DB instance holds with honest
// pools: 8 api-image processes at the ceiling plus rollout surge x (16 SQLAlchemy + 1 pgvector) and
// 2 plugin daemons fit its ~183 max_connections less 20 reserved (program/capacity, components/data/pool.ts).
/** Per-profile presets. */
export const SERVICE_PRESETS: Record<Profile, Record<string, ServiceOverride>> = {
  [Profile.Prod]: {},
  [Profile.Dev]: {
    api: { ...one, minReplicas: 1, maxReplicas: 2, cpuRequest: "250m", memoryRequest: "768Mi" },
    worker: { ...one, minReplicas: 1, maxReplicas: 2, cpuRequest: "250m", memoryRequest: "768Mi" },
    web: { ...one, minReplicas: 1, maxReplicas: 2, cpuRequest: "100m", memoryRequest: "256Mi" },
    sandbox: { ...one, cpuRequest: "100m", memoryRequest: "256Mi" },
    "plugin-daemon": { ...one, cpuRequest: "100m", memoryRequest: "512Mi" },
    "ssrf-proxy": { ...one, cpuRequest: "50m", memoryRequest: "64Mi" },
  },
};

/**
 * Services a prod stack runs at least twice, so it survives the loss of a node or a zone (their
 * PodDisruptionBudgets need a second replica too): every catalog row but the singletons (beat),
 * the optional ones (the websocket api) included: they are off by default, but a prod stack that
 * turns one on serves users through it and must not run it once.
 */
export const HA_SERVICES: readonly string[] = CATALOG.filter((s) => !s.singleton).map((s) => s.key);

/**
 * Validates the `dify:services` map, merged over the profile preset, with DifyApp's own service
 * validator (one set of rules), and returns the merged map. Problems are appended to `problems`,
 * each naming `<key>.<service>.<field>`; a value that came from the preset is cited as such.
 */
export function checkServices(raw: Record<string, unknown> | undefined, profile: Profile, key: string, problems: string[], pdbFromReplicas?: PackLimit): Record<string, ServiceOverride> {
  const p = new Problems("stack config");
  const preset = SERVICE_PRESETS[profile];
  const merged: Record<string, ServiceOverride> = {};
  for (const [svc, o] of Object.entries(preset)) merged[svc] = { ...o };
  const userGave = (svc: string, field: string) => {
    const given = raw?.[svc];
    return typeof given === "object" && given !== null && field in given;
  };
  for (const [svc, given] of Object.entries(raw ?? {})) {
    const isMap = typeof given === "object" && given !== null && !Array.isArray(given);
    merged[svc] = isMap ? { ...(merged[svc] ?? {}), ...(given as ServiceOverride) } : (given as ServiceOverride);
  }
  checkServiceOverrides(p, merged, {
    path: (svc) => `${key}.${svc}`,
    origin: (svc, field) => (userGave(svc, field) ? undefined : `the ${profile} preset's value`),
  });
  if (profile === Profile.Prod) {
    for (const svc of HA_SERVICES) {
      for (const field of ["replicas", "minReplicas"] as const) {
        const n = merged[svc]?.[field];
        if (typeof n === "number" && n < 2) {
          p.add(`${key}.${svc}.${field}`, n, "2 or more in prod (one replica does not survive a node or zone loss; use profile dev for a single-replica install)");
        }
      }
    }
  }
  if (pdbFromReplicas) {
    // pdbMinAvailable 0 removes a service's PodDisruptionBudget; the pack then fails every
    // Deployment it still runs with pdbFromReplicas or more replicas.
    for (const spec of CATALOG) {
      const o = merged[spec.key] ?? {};
      if (spec.singleton || o.pdbMinAvailable !== 0 || !userGave(spec.key, "pdbMinAvailable")) continue;
      const replicas = o.replicas ?? spec.replicas;
      const floor = Math.min(replicas, o.minReplicas ?? replicas);
      if (floor >= pdbFromReplicas.value) {
        p.add(`${key}.${spec.key}.pdbMinAvailable`, 0, `1 to ${floor - 1} while the service runs ${floor} or more replicas: ${pdbFromReplicas.reason}`);
      }
    }
  }
  problems.push(...p.list.map(formatProblem));
  return merged;
}
