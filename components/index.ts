/**
 * dify-aws: production Dify on AWS as Pulumi components. This file is the package entry (npm
 * `main`) and what `pulumi package add` analyses; every exported ComponentResource class is a
 * component of the package (type token `dify-aws:index:<ClassName>`).
 */
export * from "./contracts";
export { ImageSource } from "./k8s/images";
export * from "./cluster";
export * from "./data";
export * from "./storage";
export * from "./app";
export * from "./backups";
export * from "./observability";
export * from "./edge";
