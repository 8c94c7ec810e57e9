/**
 * The Pulumi program, in four steps: config (./config: the key table, presets, validation) →
 * settings (./settings.ts: every component's plain arguments, pure, computed once) → deploy
 * (./deploy.ts: the components) → outputs (./outputs.ts: the stack outputs, one source). The
 * offline plan (./plan/) runs the same steps under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "./config";
import { deployDify } from "./deploy";
import { DifyStackOutputs } from "./outputs";

export { deployDify } from "./deploy";
export { DeployedComponents, DifyStackOutputs, stackOutputs } from "./outputs";
export { NAME, stackSettings, StackSettings } from "./settings";

/**
 * The program as `pulumi up` runs it: the stack config from the runtime, the deployed stack's
 * outputs back. Bad config or component arguments become a RunError (the CLI prints the message
 * alone, without a stack trace) before anything is registered.
 */
export function runStack(): DifyStackOutputs {
  let config;
  try {
    // Every key of every namespace, as the CLI passes them (values are strings; maps and lists JSON).
    config = parseStackConfig(pulumi.runtime.allConfig());
  } catch (e) {
    // RunError: the CLI prints the message alone, without a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(`${e.message}\nSee the configuration reference in README.md.`);
    throw e;
  }
  try {
    return deployDify(config);
  } catch (e) {
    // Component argument validation runs before anything is registered; show its message only.
    if (e instanceof Error && !(e instanceof pulumi.RunError)) throw new pulumi.RunError(e.message);
    throw e;
  }
}
