// dist/debug-adapter.js: the standalone adapter (standalone.ts).
import { runStandalone } from "./standalone";

runStandalone(process.argv.slice(2));
