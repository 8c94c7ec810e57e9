/**
 * The Pulumi program (`pulumi up -s dev|prod`). The work is in program/ (config → settings →
 * deploy → outputs) so the offline plan and the tests run the same code. The module's exports ARE
 * the program's outputs (program/outputs.ts), so no stack output can be forgotten here.
 */
import { runStack } from "./program";

export = runStack();
