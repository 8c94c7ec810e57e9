/** Probe builders: HTTP when the service has a health path, TCP otherwise. */
import * as k8s from "@pulumi/kubernetes";

export interface ProbeSet {
  startupProbe: k8s.types.input.core.v1.Probe;
  readinessProbe: k8s.types.input.core.v1.Probe;
  livenessProbe: k8s.types.input.core.v1.Probe;
}

/**
 * Startup allows `startupSeconds` (migrations, first-start work) before liveness applies;
 * readiness gates traffic every 10 s; liveness restarts only after 3 misses 20 s apart.
 */
export function probeSet(port: string | number, healthPath: string | undefined, startupSeconds: number): ProbeSet {
  const handler: k8s.types.input.core.v1.Probe = healthPath ? { httpGet: { path: healthPath, port } } : { tcpSocket: { port } };
  return {
    startupProbe: { ...handler, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.max(3, Math.ceil(startupSeconds / 10)) },
    readinessProbe: { ...handler, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { ...handler, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
  };
}
