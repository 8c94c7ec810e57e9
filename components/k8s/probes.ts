/** Probe builders: how the kubelet checks a service, chosen by its catalog row's `health`. */
import * as k8s from "@pulumi/kubernetes";

/**
 * How a service is health-checked. Every service says which: a listening service is checked on
 * its port (HTTP on a health route, else TCP); one without a port runs a command, or states why
 * it has no check.
 */
export type HealthCheck =
  | { kind: "http"; path: string }
  | { kind: "tcp" }
  | { kind: "exec"; command: readonly string[] }
  | { kind: "none"; reason: string };

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

/**
 * ElastiCache Multi-AZ failover window the worker liveness probe rides out, seconds. Every
 * worker's ping goes through the broker, so during a failover every probe fails at once; a
 * restart must not follow. AWS states no upper bound for an unplanned failover (ElastiCache
 * "Minimizing downtime ... by using Multi-AZ": detect, promote the replica, propagate DNS;
 * planned replacements on engine >= 5.0.6 finish while serving writes, older engines see
 * "a few seconds" of write interruption). Five minutes covers a routine failover with a wide
 * margin; a broker outage longer than that is one where restarting the workers costs nothing more.
 */
export const BROKER_FAILOVER_TOLERANCE_SECONDS = 300;

/**
 * Probes for a service without a port, from an exec health check. No readiness probe (no
 * Service). Startup allows `startupSeconds` for the process to come up; liveness then runs once
 * a minute and restarts only after `BROKER_FAILOVER_TOLERANCE_SECONDS` of consecutive failures.
 * timeoutSeconds 30 covers the CLI's own Python start-up plus its reply wait (Dify's compose
 * healthcheck uses the same 30 s).
 */
export function execProbeSet(command: readonly string[], startupSeconds: number): Omit<ProbeSet, "readinessProbe"> {
  const exec = { command: [...command] };
  const periodSeconds = 60;
  return {
    startupProbe: { exec, periodSeconds: 15, timeoutSeconds: 30, failureThreshold: Math.max(3, Math.ceil(startupSeconds / 15)) },
    livenessProbe: { exec, periodSeconds, timeoutSeconds: 30, failureThreshold: Math.ceil(BROKER_FAILOVER_TOLERANCE_SECONDS / periodSeconds) + 1 },
  };
}

/**
 * The probes of a container for `health`; HTTP and TCP go to the named container port `port`.
 * Nothing for kind "none".
 */
export function healthProbes(health: HealthCheck, port: string, startupSeconds: number): Partial<ProbeSet> {
  switch (health.kind) {
    case "http": return probeSet(port, health.path, startupSeconds);
    case "tcp": return probeSet(port, undefined, startupSeconds);
    case "exec": return execProbeSet(health.command, startupSeconds);
    case "none": return {};
  }
}
