/**
 * A unit test of this program with `dify-aws/testing`: no cloud, no cluster. Pulumi's mocks answer
 * every provider call the components make; `node --test` runs it (`npm test`).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setDifyMocks } from "dify-aws/testing";

const mocks = setDifyMocks({ project: "dify-existing-cluster", stack: "test", region: "us-east-1" });
pulumi.runtime.setAllConfig({
  "aws:region": "us-east-1",
  "dify-existing-cluster:kubeconfig": "{}",
  "dify-existing-cluster:domain": "dify.example.com",
  "dify-existing-cluster:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
  "dify-existing-cluster:dbHost": "db.internal.example.com",
  // The DifyDatabaseBootstrap option: the role, databases and extensions made by the Job.
  "dify-existing-cluster:dbMasterPassword": "test-only-master-password",
  "dify-existing-cluster:redisHost": "redis.internal.example.com",
  "dify-existing-cluster:redisPassword": "test-only-token",
  "dify-existing-cluster:uploadsBucket": "acme-dify-uploads",
  "dify-existing-cluster:pluginBucket": "acme-dify-plugins",
  "dify-existing-cluster:storageRoleArn": "arn:aws:iam::123456789012:role/acme-dify-s3",
  "dify-existing-cluster:pluginRoleArn": "arn:aws:iam::123456789012:role/acme-dify-plugins",
  "dify-existing-cluster:vpcCidr": "10.20.0.0/16",
  "dify-existing-cluster:dataCidrs": '["10.20.64.0/18"]',
}, ["dify-existing-cluster:kubeconfig", "dify-existing-cluster:dbMasterPassword", "dify-existing-cluster:redisPassword"]);

/** The value of an Output, once known. */
const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("Dify runs on the existing cluster with a database the bootstrap Job prepared, and pods may use any node", async () => {
  const program = await import("./index");
  await mocks.settled(); // every resource the program started is registered
  assert.equal(await valueOf(program.url), "https://dify.example.com");

  const deployments = mocks.registered.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
  assert.ok(deployments.length >= 7, "api, worker, beat, web, sandbox, plugin daemon, SSRF proxy");
  for (const d of deployments) {
    const pod = (d.inputs as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    assert.equal(pod.nodeSelector, undefined, `${d.name}: no node constraint`);
    assert.equal(pod.tolerations, undefined, `${d.name}: no toleration`);
  }
  const settings = mocks.registered.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")
    .map((r) => (r.inputs as { data?: Record<string, string> }).data ?? {});
  const api = settings.find((d) => d.PGVECTOR_DATABASE !== undefined); // the api image's settings
  assert.equal(api?.DB_HOST, "db.internal.example.com");
  assert.equal(api?.DB_PORT, "5432", "the documented default port");
  assert.equal(api?.DB_DATABASE, "dify", "the documented default database");
  // dbMasterPassword set: DifyDatabaseBootstrap's Job creates them, as the master user.
  const jobs = mocks.registered.filter((r) => r.type === "kubernetes:batch/v1:Job").map((r) => r.inputs as { metadata: { namespace: string } });
  assert.ok(jobs.some((j) => j.metadata.namespace === "dify-db-bootstrap"), "the bootstrap Job runs");
  const sql = mocks.registered.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")
    .map((r) => (r.inputs as { data?: Record<string, string> }).data?.["bootstrap.sql"]).find((d) => d !== undefined);
  assert.match(sql ?? "", /CREATE DATABASE dify OWNER dify/);
  assert.match(sql ?? "", /CREATE EXTENSION IF NOT EXISTS vector;/);
});
