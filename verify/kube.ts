/**
 * kubectl against the loopback control plane: the one way this tool talks to the API server, so
 * what it sees is what an operator would see (server-side apply, strict field validation, the
 * eviction API through `kubectl drain`).
 */
import { spawn } from "child_process";
import * as path from "path";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  constructor(private readonly binDir: string, private readonly kubeconfig: string) {}

  /** Runs kubectl; never throws for a non-zero exit (the caller decides what a refusal means). */
  run(args: string[], input?: string, timeoutMs = 120_000): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.binDir, "kubectl"), ["--kubeconfig", this.kubeconfig, ...args], { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      // kubectl may exit before reading its stdin (most commands never do): a closed pipe is not an error.
      if (input !== undefined && child.stdin) {
        child.stdin.on("error", () => undefined);
        child.stdin.end(input);
      }
    });
  }

  /** Runs kubectl and fails with its stderr on a non-zero exit. */
  async ok(args: string[], input?: string, timeoutMs?: number): Promise<string> {
    const r = await this.run(args, input, timeoutMs);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** `kubectl get <what> -o json`, items of a list. */
  async items<T = KubeObject>(what: string, ...extra: string[]): Promise<T[]> {
    const out = await this.ok(["get", what, "-o", "json", ...extra]);
    return (JSON.parse(out) as { items: T[] }).items;
  }

  async json<T = KubeObject>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, "-o", "json"])) as T;
  }
}

/** The parts of a Kubernetes object this tool reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PodObject extends KubeObject {
  spec: { nodeName?: string; containers: { name: string; image: string }[] } & Record<string, unknown>;
  status: { phase?: string; conditions?: Condition[] } & Record<string, unknown>;
}

export function condition(obj: { status?: Record<string, unknown> }, type: string): Condition | undefined {
  const cs = (obj.status?.conditions ?? []) as Condition[];
  return cs.find((c) => c.type === type);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or gives up after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) return undefined;
    await sleep(everyMs);
  }
}
