/**
 * DifyDatabaseBootstrap: DifyDatabaseHA's bootstrap Job (bootstrap.ts, the same builder and SQL)
 * against a PostgreSQL you already run. From inside the cluster, as your master user, it creates
 * Dify's login role, the restore role, both databases and the `vector` and `uuid-ossp` extensions
 * (in template1 too), idempotently; its `postgres` output is DifyApp's `database` and resolves
 * only after the Job succeeded, so DifyApp's migration waits for it.
 *
 * The server's major version is found at run time (versionAdaptiveBootstrapSql): the plan does
 * not need to know it. Needs a Kubernetes provider in `opts.providers` (or `opts.provider`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { componentType } from "../contracts";
import { Problems } from "../checks";
import { MasterLogin, DifyDatabaseBootstrapArgs, PostgresConnectionValues } from "./args";
import { createBootstrap, findKubernetesProvider } from "./bootstrap";
import { RESTORE_USERNAME, scramSha256Verifier, versionAdaptiveBootstrapSql } from "./sql";
import { resolveBootstrapArgs } from "./validate";

export class DifyDatabaseBootstrap extends pulumi.ComponentResource {
  /** Dify's connection (secret; pass as DifyApp's `database`). Resolves after the Job succeeded. */
  public readonly postgres: pulumi.Output<PostgresConnectionValues>;
  /** Dify's login (role and password; secret). */
  public readonly appLogin: pulumi.Output<MasterLogin>;
  /** The restore login (`dify_restore`; secret): pass it as DifyBackups' `restoreLogin`. */
  public readonly restoreLogin: pulumi.Output<MasterLogin>;
  /** Name of the bootstrap Job. */
  public readonly jobName: pulumi.Output<string>;

  constructor(name: string, args: DifyDatabaseBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    const cfg = resolveBootstrapArgs(name, args);
    const provider = findKubernetesProvider(opts);
    if (!provider) {
      const p = new Problems(`DifyDatabaseBootstrap "${name}"`);
      p.add("opts.providers", "no Kubernetes provider", "the cluster's Kubernetes provider in opts.providers (or opts.provider): the Job runs in the cluster");
      p.throwIfAny();
    }
    super(componentType("DifyDatabaseBootstrap"), name, {}, opts);

    const generated = args.appPassword === undefined
      ? new random.RandomPassword(`${name}-pg-app`, { length: 40, special: false, keepers: { version: String(cfg.appPasswordVersion) } }, { parent: this }).result
      : undefined;
    const appPassword = pulumi.secret(generated ?? args.appPassword!);
    const restorePassword = new random.RandomPassword(`${name}-pg-restore`, { length: 40, special: false }, { parent: this }).result;
    const appVerifier = appPassword.apply(scramSha256Verifier);

    const job = createBootstrap(
      name,
      {
        job: {
          namespace: cfg.namespace, createNamespace: cfg.createNamespace, image: cfg.image, timeoutMinutes: cfg.timeoutMinutes,
          port: cfg.port, passwordVersion: cfg.appPasswordVersion, sslMode: cfg.sslMode,
          sql: versionAdaptiveBootstrapSql({ appUser: cfg.appUsername, database: cfg.databaseName, pluginDatabase: cfg.pluginDatabaseName }),
          // A password you pass and then change re-runs the Job (the generated one follows appPasswordVersion).
          nameSalt: generated ? undefined : appVerifier,
        },
        host: args.host,
        port: cfg.port,
        masterUsername: args.masterUsername,
        masterPassword: args.masterPassword,
        appPasswordVerifier: appVerifier,
        restorePasswordVerifier: restorePassword.apply(scramSha256Verifier),
        dependsOn: [],
      },
      provider!,
      this,
    );

    // Usable only once the Job succeeded: consumers (DifyApp's migration) wait for it.
    const ready = <T>(o: pulumi.Output<T>): pulumi.Output<T> => job.urn.apply(() => o);
    this.jobName = job.metadata.name;
    this.appLogin = ready(pulumi.secret(pulumi.all([appPassword]).apply(([password]) => ({ username: cfg.appUsername, password }))));
    this.restoreLogin = ready(pulumi.secret(pulumi.all([restorePassword]).apply(([password]) => ({ username: RESTORE_USERNAME, password }))));
    this.postgres = ready(
      pulumi.secret(
        pulumi.all([args.host, appPassword]).apply(([host, password]): PostgresConnectionValues => ({
          host,
          readerHost: host,
          port: cfg.port,
          database: cfg.databaseName,
          pluginDatabase: cfg.pluginDatabaseName,
          username: cfg.appUsername,
          password,
          sslMode: cfg.sslMode,
        })),
      ),
    );
    this.registerOutputs({ postgres: this.postgres, appLogin: this.appLogin, restoreLogin: this.restoreLogin, jobName: this.jobName });
  }
}
