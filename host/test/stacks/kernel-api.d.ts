// The names these drivers import beyond host/test/hostile/kernel-api.d.ts's
// (the host project compiles every .ts under host/test; the pattern
// declarations merge).

declare module "linux/*" {
  export const ENOMEM: number;
  export const __GFP_NOWARN: number;
}
