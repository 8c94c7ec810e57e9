import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENT, envOf, ofType, runApp, workloads } from "./app-fixture";
import { resolve, runUnderMocks } from "../program/plan/monitor";
import * as k8s from "@pulumi/kubernetes";
import { DifyApp } from "../components/app/dify-app";
import { prodArgs } from "./app-fixture";

describe("DifyApp first-install password (INIT_PASSWORD)", () => {
  it("the api alone reads INIT_PASSWORD, from the credentials Secret; workers, beat and the websocket api do not", async () => {
    const { resources: rs } = await runApp({ enableWebsocketApi: true });
    const api = workloads(rs).find((w) => w.name === "dify-api")!;
    const ref = (api.pod.containers[0].env ?? []).find((e) => e.name === "INIT_PASSWORD");
    assert.deepEqual(ref?.valueFrom?.secretKeyRef, { name: "dify-credentials", key: "init-password" });
    assert.equal(ref?.value, undefined, "never a literal");
    for (const name of ["dify-worker", "dify-worker-beat", "dify-api-websocket", "dify-web", "dify-plugin-daemon"]) {
      const w = workloads(rs).find((x) => x.name === name)!;
      assert.ok(w, name);
      assert.ok(!envOf(rs, w.pod.containers[0]).has("INIT_PASSWORD"), `${name} has no INIT_PASSWORD`);
    }
    const secret = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "dify-credentials")!;
    const value = (secret.rawInputs.stringData as Record<string, string>)["init-password"];
    assert.ok(secret.secretPaths.some((p) => p === "stringData" || p === "stringData.init-password"), "a secret in the Secret");
    const gen = rs.find((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "dify-init-password")!;
    // Dify's /init accepts at most 30 characters (init_validate.py max_length=30): longer could never be typed in.
    assert.equal(gen.inputs.length, 30);
    assert.equal(gen.inputs.special, false);
    assert.equal(value.length, 30);
    const plain = JSON.stringify([...ofType(rs, DEPLOYMENT), ...rs.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")].map((r) => r.rawInputs));
    assert.ok(!plain.includes(value), "the value is in no Deployment or ConfigMap");
  });

  it("is a secret output of the component", async () => {
    const run = await runUnderMocks(() => {
      const app = new DifyApp("dify", prodArgs(), { provider: new k8s.Provider("k8s", { kubeconfig: "{}" }) });
      return app.initPassword;
    }, { stack: "prod" });
    const o = await resolve(run.value as pulumi.Output<string>);
    assert.equal(o.secret, true);
    assert.equal(o.value?.length, 30);
  });
});
