/**
 * THE generic builder: one resolved catalog row in, its Deployment, Service, PDB and HPA out.
 * (ServiceAccounts are per identity, see serviceAccounts below, because worker queue groups and
 * the websocket api share one.) Nothing here is service-specific: differences live in the row.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DIFY_SERVICE_LABEL, NODE_ROLE_LABEL, NodeRole, WORKERS_TAINT } from "../contracts";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { healthProbes } from "../k8s/probes";
import {
  exceptionContainerSecurityContext, restrictedContainerSecurityContext, restrictedPodSecurityContext, rootExceptionPodSecurityContext,
} from "../k8s/security";
import { Placement, ServiceSpec, k8sName } from "./catalog";
import { configMapName, literalEnv, secretEnv, serviceSecretEnv } from "./env";
import { MAIL_SECRET_NAME } from "./mail";
import { podSysctls } from "./tuning";
import { QUEUE_POLLING_SECONDS, QueueScaler, queueTriggers } from "./queueScaling";
import { REQUEST_POLLING_SECONDS, RequestScaler, requestTrigger } from "./requestScaling";
import { scaledObject } from "./scaledObject";
import { ResolvedService } from "./validate";

/** Label every Dify pod carries with its catalog key; NetworkPolicies select on it. */
export const SERVICE_LABEL = DIFY_SERVICE_LABEL;
/** Annotation carrying the justification of a security exception (for the policy report). */
export const EXCEPTION_ANNOTATION = "dify-aws/security-exception";

/** What the builder needs besides the row. */
export interface WorkloadContext {
  /** Component name (Pulumi logical-name prefix, PriorityClass prefix, label instance). */
  name: string;
  namespace: pulumi.Input<string>;
  version: string;
  image: string;
  nodePlacement: boolean;
  /** Hash of the ConfigMaps the pod reads, so config changes roll the pods. */
  configHash: pulumi.Input<string>;
  /** Extra volumes and their mounts, after the row's own (writablePaths, configMount). Default none. */
  extraVolumes?: k8s.types.input.core.v1.Volume[];
  extraMounts?: k8s.types.input.core.v1.VolumeMount[];
  /** Resources the Deployment must wait for (the migration Job for api-image services). */
  dependsOn: pulumi.Resource[];
  /** Connection tuning (tuning.ts): safe pod sysctls and gunicorn's backlog. Default off. */
  networkTuning?: boolean;
  /** Scale Celery workers on their Redis queues with KEDA (queueScaling.ts) instead of an HPA. */
  queueScaler?: QueueScaler;
  /** Scale this service on its ALB target group's requests with KEDA (requestScaling.ts) instead of an HPA. */
  requestScaler?: RequestScaler;
  opts: pulumi.CustomResourceOptions;
}

/** Labels of a service's pods (metadata) and the immutable subset used in selectors. */
export function podLabels(ctx: { name: string; version: string }, s: { name: string; spec: ServiceSpec }) {
  const la = { name: "dify", instance: ctx.name, component: s.name, version: ctx.version };
  return {
    labels: { ...standardLabels(la), [SERVICE_LABEL]: s.spec.key },
    selector: selectorLabels(la),
  };
}

/** Node selection for a placement (DifyCluster node roles). */
export function placement(p: Placement, enabled: boolean): Pick<k8s.types.input.core.v1.PodSpec, "nodeSelector" | "affinity" | "tolerations"> {
  if (!enabled) return {};
  if (p === Placement.App) return { nodeSelector: { [NODE_ROLE_LABEL]: NodeRole.App } };
  return {
    tolerations: [{ key: WORKERS_TAINT.key, operator: "Equal", value: WORKERS_TAINT.value, effect: WORKERS_TAINT.effect }],
    affinity: {
      nodeAffinity: {
        // Spot workers first; on-demand app nodes when spot capacity is gone.
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_ROLE_LABEL, operator: "In", values: [NodeRole.Workers, NodeRole.App] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, preference: { matchExpressions: [{ key: NODE_ROLE_LABEL, operator: "In", values: [NodeRole.Workers] }] } },
        ],
      },
    },
  };
}

/**
 * Zone spread is hard (DoNotSchedule): with replicas >= 2 across >= 2 zones no zone holds every
 * replica, so a zone (and therefore a node) loss leaves one serving; nodeTaintsPolicy Honor drops
 * an unreachable zone's tainted nodes from the count so replacements still schedule elsewhere.
 * A 2-zone dev cluster satisfies maxSkew 1 as well. Host spread is soft (ScheduleAnyway) so a
 * scale-out beyond the node count still schedules.
 */
export function spread(selector: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const base = { maxSkew: 1, labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] };
  return [
    { ...base, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor" },
    { ...base, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", nodeTaintsPolicy: "Honor" },
  ];
}

/** Volumes (emptyDirs) and mounts for the row's writable paths. */
export function writableVolumes(spec: ServiceSpec) {
  return {
    volumes: spec.writablePaths.map((w) => ({ name: w.name, emptyDir: { sizeLimit: w.sizeLimit } })),
    mounts: spec.writablePaths.map((w) => ({ name: w.name, mountPath: w.mountPath })),
  };
}

/** The row's read-only ConfigMap mount (configMount), as a volume and a mount; empty lists when none. */
export function configVolumes(spec: ServiceSpec): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
  const m = spec.configMount;
  return m
    ? { volumes: [{ name: m.volume, configMap: { name: m.configMap } }], mounts: [{ name: m.volume, mountPath: m.mountPath, readOnly: true }] }
    : { volumes: [], mounts: [] };
}

/** Pod and container security for a row: PSS restricted, or the documented exception. */
export function security(spec: ServiceSpec) {
  if (spec.securityException) {
    return { pod: rootExceptionPodSecurityContext(), container: exceptionContainerSecurityContext(spec.addCapabilities ?? [], spec.readOnlyRoot) };
  }
  return { pod: restrictedPodSecurityContext(spec.uid, spec.gid), container: restrictedContainerSecurityContext() };
}

/** The env of a row's container: literals, then secret references (ConfigMaps come via envFrom). */
export function containerEnv(s: ResolvedService, networkTuning = false): k8s.types.input.core.v1.EnvVar[] {
  const literals = Object.entries(literalEnv(s, networkTuning)).map(([name, value]) => ({ name, value }));
  return [...literals, ...s.spec.envGroups.flatMap((g) => secretEnv(g)), ...serviceSecretEnv(s.spec)];
}

export interface Workload {
  deployment: k8s.apps.v1.Deployment;
  service?: k8s.core.v1.Service;
  pdb?: k8s.policy.v1.PodDisruptionBudget;
  hpa?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** KEDA ScaledObject (Celery workers with queueAutoscaling, the api with requestAutoscaling): KEDA creates and owns the HPA. */
  scaledObject?: k8s.apiextensions.CustomResource;
}

/** Scale up at once (double per minute), down slowly (one pod a minute after 5 quiet minutes). */
const HPA_BEHAVIOR = {
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 60 }] },
};

/** Builds one service. */
export function buildWorkload(s: ResolvedService, ctx: WorkloadContext, serviceAnnotations: Record<string, string>): Workload {
  const spec = s.spec;
  const objName = k8sName(s.name);
  const logical = `${ctx.name}-${s.name}`;
  const { labels, selector } = podLabels(ctx, s);
  const sec = security(spec);
  const vols = writableVolumes(spec);
  const conf = configVolumes(spec);
  const multi = s.replicas > 1 || (s.hpa !== undefined && s.hpa.maxReplicas > 1);
  const container: k8s.types.input.core.v1.Container = {
    name: spec.key,
    image: ctx.image,
    imagePullPolicy: "IfNotPresent",
    command: spec.command,
    env: containerEnv(s, ctx.networkTuning),
    envFrom: [
      ...spec.envGroups.map((g) => ({ configMapRef: { name: configMapName(g) } })),
      // The mail credential, when DifyApp has mail settings (optional: absent otherwise).
      ...(spec.image === "api" ? [{ secretRef: { name: MAIL_SECRET_NAME, optional: true } }] : []),
    ],
    ports: spec.port ? [{ name: "http", containerPort: spec.port, protocol: "TCP" }] : undefined,
    ...healthProbes(spec.health, "http", spec.startupSeconds),
    lifecycle: spec.preStopSleepSeconds ? { preStop: { sleep: { seconds: spec.preStopSleepSeconds } } } : undefined,
    resources: {
      requests: { cpu: s.resources.cpuRequest, memory: s.resources.memoryRequest },
      limits: { cpu: s.resources.cpuLimit, memory: s.resources.memoryLimit },
    },
    securityContext: sec.container,
    volumeMounts: [...vols.mounts, ...conf.mounts, ...(ctx.extraMounts ?? [])],
  };
  const annotations: Record<string, pulumi.Input<string>> = { "dify-aws/config-hash": ctx.configHash };
  if (spec.securityException) annotations[EXCEPTION_ANNOTATION] = spec.securityException;
  const deployment = new k8s.apps.v1.Deployment(logical, {
    metadata: { name: objName, namespace: ctx.namespace, labels, annotations: spec.securityException ? { [EXCEPTION_ANNOTATION]: spec.securityException } : undefined },
    spec: {
      replicas: s.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: spec.singleton
        ? { type: "Recreate" } // never two beats, not even during a rollout
        : { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations },
        spec: {
          serviceAccountName: k8sName(spec.serviceAccount),
          // No Dify pod talks to the Kubernetes API. IRSA still works: the EKS webhook mounts its own
          // projected web-identity token, independent of this setting.
          automountServiceAccountToken: false,
          enableServiceLinks: false, // no injected *_PORT/*_HOST env that could shadow Dify settings
          priorityClassName: `${ctx.name}-${spec.priority}`,
          terminationGracePeriodSeconds: spec.terminationGraceSeconds,
          securityContext: podSysctls(s.spec, ctx.networkTuning === true) ? { ...sec.pod, sysctls: podSysctls(s.spec, true) } : sec.pod,
          ...placement(spec.placement, ctx.nodePlacement),
          topologySpreadConstraints: multi ? spread(selector) : undefined,
          containers: [container],
          volumes: [...vols.volumes, ...conf.volumes, ...(ctx.extraVolumes ?? [])],
        },
      },
    },
  }, {
    ...ctx.opts,
    dependsOn: ctx.dependsOn,
    // The HPA owns the replica count after creation; re-applying it would fight the autoscaler.
    ignoreChanges: s.hpa ? ["spec.replicas"] : undefined,
  });

  const out: Workload = { deployment };
  if (spec.port) {
    out.service = new k8s.core.v1.Service(logical, {
      metadata: { name: objName, namespace: ctx.namespace, labels, annotations: serviceAnnotations },
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: spec.port, targetPort: "http", protocol: "TCP" }] },
    }, ctx.opts);
  }
  if (!spec.singleton && s.pdbMinAvailable > 0) {
    out.pdb = new k8s.policy.v1.PodDisruptionBudget(logical, {
      metadata: { name: objName, namespace: ctx.namespace, labels },
      spec: { minAvailable: s.pdbMinAvailable, selector: { matchLabels: selector } },
    }, ctx.opts);
  }
  const so = { logical, objName, namespace: ctx.namespace, labels, behavior: HPA_BEHAVIOR };
  if (s.hpa && ctx.queueScaler && spec.placement === Placement.Workers) {
    out.scaledObject = scaledObject(s, { ...so, pollingSeconds: QUEUE_POLLING_SECONDS, triggers: queueTriggers(s, ctx.queueScaler) },
      { ...ctx.opts, dependsOn: [deployment, ctx.queueScaler.auth] });
  } else if (s.hpa && ctx.requestScaler) {
    out.scaledObject = scaledObject(s, { ...so, pollingSeconds: REQUEST_POLLING_SECONDS, triggers: [requestTrigger(ctx.requestScaler)] },
      { ...ctx.opts, dependsOn: [deployment, ctx.requestScaler.auth] });
  } else if (s.hpa) {
    out.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(logical, {
      metadata: { name: objName, namespace: ctx.namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objName },
        minReplicas: s.minReplicas,
        maxReplicas: s.hpa.maxReplicas,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.hpa.targetCpu } } },
          { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: s.hpa.targetMemory } } },
        ],
        behavior: HPA_BEHAVIOR,
      },
    }, { ...ctx.opts, dependsOn: [deployment] });
  }
  return out;
}
