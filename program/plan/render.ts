/**
 * Turns the wire form of resource properties (a protobuf Struct as JSON, with Pulumi's
 * signature objects for secrets, unknowns, resource references and assets) into plain,
 * deterministic JSON for the plan and for test assertions.
 */

// These constants are Pulumi's wire protocol (sdk/nodejs/runtime/rpc.ts), not ours.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_MARK = "[secret]";
export const UNKNOWN_MARK = "[unknown]";

export interface Rendered {
  /** Secrets replaced by "[secret]". */
  masked: unknown;
  /** Secrets revealed (for assertions only; never printed). */
  revealed: unknown;
  /** Dotted paths of the secret values, e.g. "stringData.DB_PASSWORD". */
  secretPaths: string[];
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Renders one wire value. */
export function render(wire: unknown): Rendered {
  const secretPaths: string[] = [];
  const walk = (v: unknown, path: string, inSecret: boolean): { masked: unknown; revealed: unknown } => {
    if (v === UNKNOWN) return { masked: UNKNOWN_MARK, revealed: UNKNOWN_MARK };
    if (Array.isArray(v)) {
      const items = v.map((x, i) => walk(x, join(path, i), inSecret));
      return { masked: items.map((i) => i.masked), revealed: items.map((i) => i.revealed) };
    }
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const sig = o[SIG_KEY];
      if (sig === SECRET_SIG) {
        const inner = walk(o.value, path, true);
        if (!inSecret) secretPaths.push(path);
        return { masked: SECRET_MARK, revealed: inner.revealed };
      }
      if (sig === OUTPUT_SIG) {
        if (!("value" in o)) return { masked: UNKNOWN_MARK, revealed: UNKNOWN_MARK };
        const inner = walk(o.value, path, inSecret || o.secret === true);
        if (o.secret === true && !inSecret) {
          secretPaths.push(path);
          return { masked: SECRET_MARK, revealed: inner.revealed };
        }
        return inner;
      }
      if (sig === RESOURCE_SIG) {
        const urn = String(o.urn);
        return { masked: urn, revealed: urn };
      }
      if (sig === ASSET_SIG || sig === ARCHIVE_SIG) {
        const desc = o.path ?? o.uri ?? (o.text !== undefined ? "<text>" : "<assets>");
        return { masked: `[asset ${String(desc)}]`, revealed: o.text ?? o.assets ?? desc };
      }
      const masked: Record<string, unknown> = {};
      const revealed: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) {
        const r = walk(o[k], join(path, k), inSecret);
        masked[k] = r.masked;
        revealed[k] = r.revealed;
      }
      return { masked, revealed };
    }
    return { masked: v, revealed: v };
  };
  const r = walk(wire, "", false);
  return { masked: r.masked, revealed: r.revealed, secretPaths: secretPaths.sort() };
}

/** True when `v` (a wire value) is a secret. */
export function isSecretWire(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** `v` (a wire value) wrapped as a secret. */
export function secretWire(v: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value: v };
}
