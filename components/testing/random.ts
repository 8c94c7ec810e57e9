/** Mock outputs for @pulumi/random: stable, obviously fake values. */
import { StateRule } from "./types";

const fake = (name: string, length: unknown) => {
  const n = typeof length === "number" ? length : 32;
  return `mock-${name}-`.padEnd(n, "x").slice(0, Math.max(n, 8));
};

export const state: Record<string, StateRule> = {
  "random:index/randomPassword:RandomPassword": (r) => ({
    result: fake(r.name, r.inputs.length),
    bcryptHash: `$2a$10$mock${r.name}`,
  }),
  "random:index/randomString:RandomString": (r) => ({ result: fake(r.name, r.inputs.length) }),
  "random:index/randomId:RandomId": (r) => ({
    hex: Buffer.from(r.name).toString("hex").padEnd(16, "0"),
    b64Url: Buffer.from(r.name).toString("base64url"),
    b64Std: Buffer.from(r.name).toString("base64"),
    dec: String(r.seq),
  }),
  "random:index/randomUuid:RandomUuid": (r) => ({
    result: `00000000-0000-4000-8000-${String(r.seq).padStart(12, "0")}`,
  }),
};
