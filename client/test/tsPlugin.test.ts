// Zero-config IntelliSense, through tsserver itself: the plugin is loaded
// the way VS Code loads contributes.typescriptServerPlugins (a global plugin
// found in <extension>/node_modules), and a driver in a folder with no
// tsconfig.json, or with the user's own restrictive one, resolves linux/slab
// and completes kmalloc with its documentation.

import * as assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");
const stage = path.join(root, "out", "vsix-stage");
const tsserver = path.join(root, "node_modules", "typescript", "lib", "tsserver.js");

class TsServer {
  private seq = 0;
  private buf = "";
  private readonly waiting = new Map<number, (r: { success: boolean; body?: unknown; message?: string }) => void>();
  readonly proc: ChildProcess;

  constructor(probe: string) {
    this.proc = spawn(process.execPath, [tsserver, "--globalPlugins", "faultline-ts-plugin", "--pluginProbeLocations", probe, "--disableAutomaticTypingAcquisition"], { stdio: ["pipe", "pipe", "ignore"] });
    this.proc.stdout!.setEncoding("utf8");
    this.proc.stdout!.on("data", (d: string) => {
      this.buf += d;
      for (;;) {
        const m = /Content-Length: (\d+)\r\n\r\n/.exec(this.buf);
        if (!m) break;
        const start = m.index + m[0].length, len = Number(m[1]);
        const body = Buffer.from(this.buf.slice(start), "utf8");
        if (body.length < len) break;
        const msg = JSON.parse(body.subarray(0, len).toString("utf8"));
        this.buf = body.subarray(len).toString("utf8");
        if (msg.type === "response") this.waiting.get(msg.request_seq)?.(msg);
      }
    });
  }

  request<T>(command: string, args: unknown): Promise<{ success: boolean; body?: T; message?: string }> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve as never);
      this.proc.stdin!.write(JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n");
    });
  }

  close(): void { this.proc.kill(); }
}

interface Entry { name: string; source?: string }

async function completeAt(server: TsServer, file: string, text: string, marker: string) {
  await server.request("open", { file, fileContent: text.replace(marker, ""), scriptKindName: "TS" });
  const before = text.slice(0, text.indexOf(marker)).split("\n");
  const line = before.length, offset = before[before.length - 1].length + 1;
  const completions = await server.request<{ entries: Entry[] }>("completionInfo", { file, line, offset, includeExternalModuleExports: true });
  const details = await server.request<Array<{ displayParts: Array<{ text: string }>; documentation: Array<{ text: string }> }>>("completionEntryDetails", { file, line, offset, entryNames: ["kmalloc"] });
  const diags = await server.request<Array<{ text: string }>>("semanticDiagnosticsSync", { file });
  return { completions, details, diags };
}

const DRIVER = `import { kmalloc, kfree } from "linux/slab";\nimport { GFP_KERNEL } from "linux/gfp";\n\nexport function probe(): number {\n  const p = kma|;\n  kfree(p);\n  return 0;\n}\n`;

describe("client: the TypeScript server plugin", function () {
  this.timeout(120_000);
  let server: TsServer;

  before(() => {
    // The staged package is the layout the .vsix installs: node_modules/faultline-ts-plugin beside dist/types.
    if (!fs.existsSync(path.join(stage, "node_modules", "faultline-ts-plugin", "index.js"))) {
      execFileSync(process.execPath, [path.join(root, "scripts/package.mjs"), ...(fs.existsSync(path.join(root, "dist/client/ts-plugin.js")) ? ["--no-build"] : [])], { cwd: root, stdio: "ignore" });
    }
    server = new TsServer(stage);
  });
  after(() => server?.close());

  for (const setup of ["no tsconfig.json", "the user's own tsconfig.json"]) {
    it(`with ${setup}: linux/slab resolves and kmalloc completes with its docs`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-plugin-"));
      fs.mkdirSync(path.join(dir, "src"));
      if (setup !== "no tsconfig.json") {
        // Restrictive on purpose: no ambient types, only src/ included.
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, types: [], target: "es2022", module: "commonjs" }, include: ["src"] }));
      }
      const file = path.join(dir, "src", "mydrv.ts");
      fs.writeFileSync(file, DRIVER.replace("|", ""));
      const { completions, details, diags } = await completeAt(server, file, DRIVER, "|");
      assert.ok(completions.success, completions.message);
      assert.ok(completions.body!.entries.some((e) => e.name === "kmalloc"), "kmalloc is offered");
      const d = details.body?.[0];
      assert.ok(d, "kmalloc has details");
      assert.match(d!.displayParts.map((p) => p.text).join(""), /kmalloc\(size: number/);
      assert.ok(d!.documentation.map((p) => p.text).join("").length > 20, "kmalloc has documentation");
      const cannot = (diags.body ?? []).filter((x) => /Cannot find module/.test(x.text));
      assert.deepEqual(cannot.map((x) => x.text), []);
    });
  }

  it("without the plugin, the same file does not resolve linux/slab (the test can fail)", async () => {
    const bare = new TsServer(path.join(os.tmpdir(), "no-such-probe-location"));
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-plugin-"));
      const file = path.join(dir, "mydrv.ts");
      fs.writeFileSync(file, DRIVER.replace("|", ""));
      const { diags } = await completeAt(bare, file, DRIVER, "|");
      assert.ok((diags.body ?? []).some((x) => /Cannot find module 'linux\/slab'/.test(x.text)));
    } finally {
      bare.close();
    }
  });
});
