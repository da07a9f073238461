// The extension manifest (package.json) against what the code and the
// other areas define: activation, commands, the debugger's launch
// attributes, settings, the sample.json schema, the walkthrough's files.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RULE_IDS } from "../../sim-core/src/rules/catalogue";
import { DEBUG_TYPE, KERNEL_EVENT_FILTERS } from "../../debug-adapter/src/protocol";
import { Commands } from "../../server/src/protocol";

const root = path.resolve(__dirname, "../../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const c = pkg.contributes;

describe("client: the extension manifest", () => {
  it("activates on the debug type, driver files and sample.json, never on *", () => {
    assert.ok(!pkg.activationEvents.includes("*"));
    for (const e of [`onDebugResolve:${DEBUG_TYPE}`, `onDebugDynamicConfigurations:${DEBUG_TYPE}`, "workspaceContains:**/sample.json"]) assert.ok(pkg.activationEvents.includes(e), e);
    assert.equal(pkg.main, "./dist/client/extension.js");
  });

  it("contributes every command the menus, lenses and walkthrough name, each with a title", () => {
    const ids = new Set(c.commands.map((x: { command: string; title: string }) => { assert.ok(x.title); return x.command; }));
    for (const id of [Commands.runScenario, Commands.debugScenario]) assert.ok(ids.has(id), `the server's lens command ${id}`);
    for (const items of Object.values(c.menus) as Array<Array<{ command: string }>>) for (const m of items) assert.ok(ids.has(m.command), m.command);
    const src = fs.readFileSync(path.join(root, "client/src/commands.ts"), "utf8");
    for (const id of ids) assert.ok(src.includes(`"${id}"`), `${id} is registered in commands.ts`);
    for (const step of c.walkthroughs[0].steps) for (const m of String(step.description).matchAll(/\(command:([\w.]+)\)/g)) assert.ok(ids.has(m[1]), m[1]);
  });

  it("declares the faultline debugger with a schema for every launch attribute", () => {
    const dbg = c.debuggers.find((d: { type: string }) => d.type === DEBUG_TYPE);
    const props = dbg.configurationAttributes.launch.properties;
    for (const k of ["driver", "scenario", "arch", "mem", "seed", "devices", "params", "stopOnEntry", "dmaDebug"]) {
      assert.ok(props[k]?.description, `launch attribute ${k} has a description`);
    }
    assert.deepEqual(dbg.configurationAttributes.launch.required, ["driver"]);
    assert.ok(dbg.initialConfigurations.length && dbg.configurationSnippets.length);
    assert.deepEqual(c.breakpoints, [{ language: "typescript" }]);
    // The adapter's protocol file names the launch attributes; the schema covers each of them.
    const proto = fs.readFileSync(path.join(root, "debug-adapter/src/protocol.ts"), "utf8");
    const body = /interface FaultlineLaunchArguments \{([\s\S]*?)\n\}/.exec(proto)![1];
    for (const m of body.matchAll(/^\s+(\w+)\??:/gm)) {
      if (["cwd", "noSampleJson", "nodePath", "trace"].includes(m[1])) continue;
      assert.ok(props[m[1]], `the adapter's launch attribute ${m[1]} is in the schema`);
    }
    assert.ok(KERNEL_EVENT_FILTERS.some((f) => f.filter === "page_fault"));
  });

  it("documents each setting", () => {
    const props = c.configuration.properties;
    for (const k of ["faultline.nodePath", "faultline.rules", "faultline.check.onType", "faultline.defaultProfile", "faultline.kernelLog.maxLines"]) {
      assert.ok(props[k], k);
      assert.ok(props[k].description || props[k].markdownDescription, `${k} has a description`);
    }
  });

  it("limits untrusted workspaces", () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes("faultline.nodePath"));
  });

  it("validates sample.json with a schema whose rule list is the catalogue's", () => {
    const jv = c.jsonValidation[0];
    assert.equal(jv.fileMatch, "sample.json");
    const schema = JSON.parse(fs.readFileSync(path.join(root, jv.url), "utf8"));
    assert.deepEqual(schema.properties.twins.additionalProperties.enum, [...RULE_IDS]);
    for (const dir of fs.readdirSync(path.join(root, "samples"))) {
      const f = path.join(root, "samples", dir, "sample.json");
      if (!fs.existsSync(f)) continue;
      const cfg = JSON.parse(fs.readFileSync(f, "utf8"));
      for (const k of Object.keys(cfg)) assert.ok(k in schema.properties, `${dir}/sample.json: ${k} is in the schema`);
      for (const k of Object.keys(cfg.boot ?? {})) assert.ok(k in schema.properties.boot.properties, `${dir}/sample.json: boot.${k} is in the schema`);
    }
  });

  it("ships the walkthrough's pages and the TypeScript plugin's name", () => {
    for (const s of c.walkthroughs[0].steps) assert.ok(fs.existsSync(path.join(root, s.media.markdown)), s.media.markdown);
    assert.deepEqual(c.typescriptServerPlugins.map((p: { name: string }) => p.name), ["faultline-ts-plugin"]);
  });
});
