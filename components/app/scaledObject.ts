/**
 * The KEDA ScaledObject of one autoscaled Deployment: the load triggers a caller gives (Redis
 * queues for the Celery workers, queueScaling.ts; the ALB's requests for the api,
 * requestScaling.ts) plus CPU and memory, as the HPA it replaces had. KEDA creates the HPA from it
 * at run time, named like the Deployment, and takes the largest replica count any trigger asks for.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedService } from "./validate";

export interface ScaledObjectContext {
  logical: string;
  objName: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  behavior: Record<string, unknown>;
  /** Seconds between KEDA's reads of the load triggers (spec.pollingInterval). */
  pollingSeconds: number;
  /** The load triggers (keda.sh/v1alpha1 ScaleTriggers); CPU and memory are added. */
  triggers: pulumi.Input<Record<string, unknown>>[];
}

/**
 * KEDA's admission webhook refuses a ScaledObject for a Deployment another HPA already scales,
 * unless this annotation is "true" and advanced.horizontalPodAutoscalerConfig.name names that HPA
 * (kedacore/keda v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go verifyHpas): KEDA then adopts
 * it. A stack that had the HPA Pulumi created (same name as the Deployment) moves to KEDA in one
 * `pulumi up`: the ScaledObject adopts the HPA, Pulumi deletes the old HPA resource last, and KEDA,
 * which watches the HPAs it owns, recreates it at once.
 */
const TRANSFER_HPA_OWNERSHIP = "scaledobject.keda.sh/transfer-hpa-ownership";

/** The ScaledObject of one autoscaled Deployment (`s.hpa` gives the bounds and the CPU/memory targets). */
export function scaledObject(s: ResolvedService, c: ScaledObjectContext, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  const hpa = s.hpa!;
  return new k8s.apiextensions.CustomResource(c.logical, {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: c.objName, namespace: c.namespace, labels: c.labels, annotations: { [TRANSFER_HPA_OWNERSHIP]: "true" } },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: c.objName },
      minReplicaCount: s.minReplicas,
      maxReplicaCount: hpa.maxReplicas,
      pollingInterval: c.pollingSeconds,
      advanced: { horizontalPodAutoscalerConfig: { name: c.objName, behavior: c.behavior } },
      triggers: [
        ...c.triggers,
        { type: "cpu", metricType: "Utilization", metadata: { value: String(hpa.targetCpu) } },
        { type: "memory", metricType: "Utilization", metadata: { value: String(hpa.targetMemory) } },
      ],
    },
  }, opts);
}
