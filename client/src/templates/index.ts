// "New driver from a template": the kinds on offer, and a template folder
// copied into a new one with its name put in. The templates are real driver
// folders named "mydriver" (client/templates/<kind>/), so the tests run them
// through `faultline run` as they are and as instantiated.

import * as fs from "node:fs";
import * as path from "node:path";

export const TEMPLATE_TOKEN = "mydriver";

export interface TemplateKind { readonly id: string; readonly label: string; readonly detail: string; readonly defaultName: string }

export const TEMPLATE_KINDS: readonly TemplateKind[] = [
  { id: "chardev_mmap", label: "Character device with mmap", detail: "a kmalloc'ed buffer mapped into user space with remap_pfn_range()", defaultName: "mmapdev" },
  { id: "pci_dma", label: "PCI DMA on the edu card", detail: "probe, DMA masks, coherent and streaming buffers, the completion interrupt", defaultName: "edudma" },
  { id: "fault_mapping", label: "Fault-handler mapping", detail: "mmap() installs vm_ops; each page is mapped by the fault handler with get_page()", defaultName: "faultdev" },
];

/** A C identifier, as module and device names are. */
export const DRIVER_NAME_RE = /^[a-z_][a-z0-9_]{0,31}$/;

export function validateName(name: string): string | undefined {
  if (!DRIVER_NAME_RE.test(name)) return "a driver name is a C identifier: lower-case letters, digits and _, not starting with a digit (at most 32)";
  return undefined;
}

/**
 * Writes a template into `parent/<name>/`, the token replaced by `name` in file
 * names and contents. Returns the driver file. Refuses an existing folder.
 */
export function instantiate(templatesRoot: string, kind: string, parent: string, name: string): { dir: string; driver: string; files: string[] } {
  const problem = validateName(name);
  if (problem) throw new Error(`${name}: ${problem}`);
  const src = path.join(templatesRoot, kind);
  if (!fs.existsSync(src)) throw new Error(`no template "${kind}" in ${templatesRoot}`);
  const dir = path.join(parent, name);
  if (fs.existsSync(dir)) throw new Error(`${dir} already exists: choose another name`);
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const f of fs.readdirSync(src).sort()) {
    const text = fs.readFileSync(path.join(src, f), "utf8").split(TEMPLATE_TOKEN).join(name);
    const out = path.join(dir, f.split(TEMPLATE_TOKEN).join(name));
    fs.writeFileSync(out, text);
    files.push(out);
  }
  return { dir, driver: path.join(dir, `${name}.ts`), files };
}
