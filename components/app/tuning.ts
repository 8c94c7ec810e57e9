/**
 * Connection tuning for many concurrent connections (the seed architecture's listen backlog,
 * local port range, TIME_WAIT handling and file descriptors), applied only where it is valid on
 * EKS without weakening Pod Security "restricted". Reasons per value: docs/closed-networks.md.
 *
 * - Pod sysctls: only names in the kubelet's safe set, which PSS baseline/restricted also allow
 *   (Kubernetes "Using sysctls in a Kubernetes Cluster": net.ipv4.ip_local_port_range, and since
 *   1.29 net.ipv4.tcp_fin_timeout). Each pod has its own network namespace, so node-level values
 *   would not reach it.
 * - Listen backlog: net.core.somaxconn is per network namespace and already 4096 on the AL2023
 *   kernels (Linux >= 5.4 default); setting it in a pod is an "unsafe" sysctl that PSS forbids.
 *   gunicorn's own backlog (default 2048) is raised to match, through GUNICORN_CMD_ARGS.
 * - TIME_WAIT reuse (net.ipv4.tcp_tw_reuse) is not in the safe set: not applied. The wider port
 *   range is what prevents ephemeral-port exhaustion from sockets in TIME_WAIT.
 * - File descriptors: the EKS AL2023 AMI gives containers RLIMIT_NOFILE 65536 soft / 1048576 hard
 *   (containerd base_runtime_spec, awslabs/amazon-eks-ami#1794); nothing to change.
 */
import { ServiceSpec, rowOf } from "./catalog";

/** One namespaced sysctl with the reason for its value. */
export interface PodSysctl {
  name: string;
  value: string;
  reason: string;
}

export const POD_SYSCTLS: readonly PodSysctl[] = [
  {
    name: "net.ipv4.ip_local_port_range",
    value: "10240 65535",
    reason: "55k ephemeral ports instead of 28k (32768-60999): outbound connections to Postgres, Redis, the plugin daemon and, for the SSRF proxy, every proxied request; ports below 10240 stay free for listeners",
  },
  {
    name: "net.ipv4.tcp_fin_timeout",
    value: "30",
    reason: "half-closed sockets (FIN_WAIT_2) are released after 30 s instead of 60 s when a peer (an LLM provider, a slow client) never finishes the close",
  },
];

/** gunicorn listen queue: matches the namespace's net.core.somaxconn (4096), above gunicorn's 2048 default. */
export const GUNICORN_BACKLOG = 4096;

/** Pod sysctls for a catalog row when tuning is on (undefined otherwise, so default pods are unchanged). */
export function podSysctls(spec: Pick<ServiceSpec, "manyConnections">, enabled: boolean): { name: string; value: string }[] | undefined {
  if (!enabled || !spec.manyConnections) return undefined;
  return POD_SYSCTLS.map(({ name, value }) => ({ name, value }));
}

/**
 * Per-process concurrency of Dify's servers, read from their catalog rows (`concurrency`, where
 * the reasons are). Kept for callers of the old constant; new code reads the row.
 */
export const CONCURRENCY = {
  /** gunicorn processes per api pod (SERVER_WORKER_AMOUNT). */
  apiProcesses: rowOf("api").concurrency!.processes,
  /** gevent greenlets per gunicorn process (SERVER_WORKER_CONNECTIONS): concurrent requests. */
  apiConnections: rowOf("api").concurrency!.perProcess,
  /** Celery gevent pool size per worker pod (CELERY_WORKER_AMOUNT): concurrent tasks. */
  workerTasks: rowOf("worker").concurrency!.perProcess,
  /** Concurrent code runs per sandbox pod (dify-sandbox max_workers default). */
  sandboxWorkers: rowOf("sandbox").concurrency!.perProcess,
  /** Greenlets of the websocket api's gevent-websocket worker (SERVER_WORKER_CONNECTIONS). */
  websocketConnections: rowOf("api-websocket").concurrency!.perProcess,
} as const;
