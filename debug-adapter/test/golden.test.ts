// Golden DAP transcripts: a whole simple session and an edu_dma session, as
// the requests, responses, stop events and Debug Console output an editor
// sees. Ids, timestamps and paths are placeholders; UPDATE_GOLDEN=1 rewrites.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client, ROOT, hasDebugNode, sample, type Entry } from "./client";

const GOLDEN_DIR = path.join(ROOT, "debug-adapter/test/golden");
const ID_KEYS = new Set(["id", "frameId", "variablesReference", "threadId", "hitBreakpointIds", "seq", "request_seq"]);

/** One line per message, volatile values replaced. */
export function normalise(entries: readonly Entry[]): string {
  const lines = entries.map((e) => JSON.stringify(e, (k, v) => {
    if (ID_KEYS.has(k) && (typeof v === "number" ? v > 0 : Array.isArray(v))) return "<id>";
    if (typeof v === "string") return v.split(ROOT).join("<ROOT>").replace(/\[ *\d+\.\d{6}\]/g, "[<ts>]");
    return v;
  }));
  return lines.join("\n") + "\n";
}

function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) assert.fail(`${path.relative(ROOT, file)} is missing: run with UPDATE_GOLDEN=1 to create it`);
  const expected = fs.readFileSync(file, "utf8");
  if (actual === expected) return;
  const a = actual.split("\n"), e = expected.split("\n");
  const i = a.findIndex((l, n) => l !== e[n]);
  assert.fail(`${name} differs from the golden file at line ${i + 1}:\n  expected: ${e[i]}\n  actual:   ${a[i]}\n(UPDATE_GOLDEN=1 rewrites it if the change is intended)`);
}

/** Requests and their responses in order; stop events and output apart (their interleaving with responses is a race). */
function transcript(dc: Client): string {
  const calls = dc.transcript.filter((e) => e.type !== "event");
  const events = dc.transcript.filter((e) => e.type === "event" && e.event !== "initialized");
  const output = dc.output.map((o) => ({ type: "output", category: o.category, output: o.output, line: o.line, source: o.source }) as unknown as Entry);
  return `# requests and responses\n${normalise(calls)}# events\n${normalise(events)}# output\n${normalise(output)}`;
}

async function runToEnd(dc: Client, atStop: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await atStop();
    const next = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    if (!next) return;
  }
}

describe("debug adapter: golden DAP transcripts", function () {
  this.timeout(60_000);
  before(function () { if (!hasDebugNode()) this.skip(); });

  it("simple: entry, a breakpoint in the fault handler, its frames and variables, to the end", async () => {
    const dc = new Client();
    await dc.start();
    try {
      const SIMPLE = sample("simple", "simple.ts");
      await dc.launchTo({ driver: SIMPLE, stopOnEntry: true }, { breakpoints: [{ path: SIMPLE, lines: [49, 52] }] });
      await runToEnd(dc, async () => {
        const st = await dc.stackTraceRequest({ threadId: 1 });
        const top = st.body.stackFrames[0];
        const scopes = await dc.scopesRequest({ frameId: top.id });
        if (top.name === "simple_vma_fault") {
          await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
          await dc.evaluateRequest({ expression: "vmf.pgoff", frameId: top.id, context: "watch" });
        }
      });
      expectGolden("simple.dap.txt", transcript(dc));
    } finally {
      await dc.stop();
    }
  });

  it("edu_dma: a dma_sync_single_for_cpu stop and its Event scope, to the end", async () => {
    const dc = new Client();
    await dc.start();
    try {
      await dc.launchTo({ driver: sample("edu_dma", "edu_dma.ts") }, { filterOptions: [{ filterId: "dma_sync", condition: "forCpu" }, { filterId: "violation" }, { filterId: "oops" }] });
      await runToEnd(dc, async () => {
        const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
        const scopes = await dc.scopesRequest({ frameId: top.id });
        const ev = scopes.body.scopes.find((s) => s.name === "Event");
        if (ev) await dc.variablesRequest({ variablesReference: ev.variablesReference });
      });
      expectGolden("edu_dma.dap.txt", transcript(dc));
    } finally {
      await dc.stop();
    }
  });
});
