// Entry point of the CrossGuard policy pack: `pulumi preview --policy-pack ./policy`.
// Only constructs the pack; the policies live in ./policies (one file per domain) and are also run
// offline by ./runner.ts. Do not import this file from tests: constructing a PolicyPack starts its gRPC server.

import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    description: PACK_DESCRIPTION,
    enforcementLevel: "mandatory",
    policies,
});
