// "New driver from a template": each template, put under a new name, runs
// clean through the command line (`faultline run`), as a user's first run
// would.

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TEMPLATE_KINDS, TEMPLATE_TOKEN, instantiate, validateName } from "../src/templates/index";

const root = path.resolve(__dirname, "../../..");
const templates = path.join(root, "client", "templates");
const cli = path.join(root, "dist", "faultline.js");

describe("client: driver templates", () => {
  before(function () {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
  });

  it("offers exactly the template folders there are", () => {
    assert.deepEqual(TEMPLATE_KINDS.map((k) => k.id).sort(), fs.readdirSync(templates).sort());
  });

  for (const kind of TEMPLATE_KINDS) {
    it(`${kind.id}: driver, scenario, sample.json and README under the new name, and a clean run`, function () {
      this.timeout(60_000);
      const parent = fs.mkdtempSync(path.join(os.tmpdir(), "fl-template-"));
      const made = instantiate(templates, kind.id, parent, kind.defaultName);
      assert.deepEqual(made.files.map((f) => path.basename(f)).sort(), ["README.md", `${kind.defaultName}.ts`, "sample.json", "scenario.ts"].sort());
      for (const f of made.files) assert.ok(!fs.readFileSync(f, "utf8").includes(TEMPLATE_TOKEN), `${f} still says ${TEMPLATE_TOKEN}`);
      const r = spawnSync(process.execPath, [cli, "run", made.driver], { encoding: "utf8", cwd: parent });
      assert.equal(r.status, 0, `faultline run ${kind.id}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
      assert.match(r.stdout, /^result: clean$/m);
      assert.match(r.stdout, new RegExp(`\\b${kind.defaultName}\\b`), "the log names the driver");
    });
  }

  it("refuses a name that is not a C identifier, and an existing folder", () => {
    assert.ok(validateName("9lives"));
    assert.ok(validateName("My-Driver"));
    assert.equal(validateName("my_driver2"), undefined);
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "fl-template-"));
    instantiate(templates, "chardev_mmap", parent, "dup");
    assert.throws(() => instantiate(templates, "chardev_mmap", parent, "dup"), /already exists/);
  });
});
