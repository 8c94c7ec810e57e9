/** Typed, validated stack config and per-profile presets. */
export * from "./keys";
export * from "./table";
export * from "./services";
export * from "./parse";
