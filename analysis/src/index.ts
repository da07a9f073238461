// The static analyses' public entry: used by server/ and cli/ (faultline check).
export * from "./types";
