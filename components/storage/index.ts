export { DifyStorage, DifyStorageArgs } from "./storage";
