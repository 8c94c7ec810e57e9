/**
 * Creating the simulated nodes and waiting for kwok to bring them up (Ready, and the
 * not-ready/uninitialized taints lifted by the node lifecycle controller).
 */
import { KWOK_MANAGED_LABEL } from "./controlPlane";
import { condition, Kubectl, waitFor } from "./kube";
import { nodeManifest, SimNode } from "./nodes";

export async function createNodes(kubectl: Kubectl, nodes: SimNode[]): Promise<void> {
  const list = { apiVersion: "v1", kind: "List", items: nodes.map((n) => nodeManifest(n, KWOK_MANAGED_LABEL)) };
  await kubectl.ok(["create", "-f", "-"], JSON.stringify(list));
  await waitForNodesReady(kubectl, nodes.map((n) => n.name));
}

export async function waitForNodesReady(kubectl: Kubectl, names: string[], timeoutMs = 90_000): Promise<void> {
  const ok = await waitFor(async () => {
    const ready = new Set((await kubectl.items("nodes"))
      .filter((n) => condition(n, "Ready")?.status === "True" && !((n.spec?.taints ?? []) as { key: string }[]).some((t) => t.key.startsWith("node.kubernetes.io/")))
      .map((n) => n.metadata.name));
    return names.every((n) => ready.has(n)) ? true : undefined;
  }, timeoutMs, 1000);
  if (!ok) throw new Error(`nodes not Ready (and untainted) within ${timeoutMs / 1000} s: ${names.join(", ")}`);
}
