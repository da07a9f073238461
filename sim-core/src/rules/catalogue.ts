/**
 * The misuse-rule catalogue: one entry per rule of shared/design/RULES.md.
 *
 * Both the runtime checker (sim-core) and the language server cite rules from
 * here, and the rule docs page is generated from it (see ./docs.ts). Rule ids
 * are public: users put them in suppression comments, so never renumber.
 *
 * Messages are templates with `{name}` placeholders; every placeholder name
 * used by any message is described in PLACEHOLDER_DOCS.
 */

export type RuleCategory = "DMA" | "MEM" | "PG" | "MM" | "CTX" | "LOCK" | "IRQ";

export interface Rule {
  /** Stable id, e.g. "MEM002". */
  readonly id: string;
  readonly category: RuleCategory;
  /** Short title, e.g. "use after free". */
  readonly title: string;
  /** One or two sentences: what the misuse is. */
  readonly summary: string;
  /** The language server can find it before the driver runs. */
  readonly static: boolean;
  /** The simulated kernel finds it while the driver runs. */
  readonly dynamic: boolean;
  /** No Linux checker finds it. */
  readonly beyond: boolean;
  /** The Linux checker or message the rule is modelled on. */
  readonly anchor: string;
  /** Report template with `{named}` placeholders. */
  readonly message: string;
  /** Markdown for the rule's docs page. */
  readonly docs: string;
}

/** Every rule id, in catalogue order (the order of RULES.md). */
export const RULE_IDS = [
  "DMA001", "DMA002", "DMA003", "DMA004", "DMA005", "DMA006", "DMA007", "DMA008", "DMA009", "DMA010",
  "DMA011", "DMA012", "DMA013", "DMA014", "DMA015", "DMA016", "DMA017", "DMA018", "DMA019", "DMA020",
  "DMA021", "DMA022", "DMA023", "DMA024", "DMA025",
  "MEM001", "MEM002", "MEM003", "MEM004", "MEM005", "MEM006", "MEM007", "MEM008", "MEM009",
  "PG001", "PG002", "PG003", "PG004", "PG005", "PG006", "PG007", "PG008",
  "MM001", "MM002", "MM003", "MM004", "MM005", "MM006", "MM007", "MM008", "MM009",
  "CTX001", "CTX002",
  "LOCK001", "LOCK002", "LOCK003", "LOCK004", "LOCK005",
  "IRQ001",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export const RULE_CATEGORIES: Readonly<Record<RuleCategory, string>> = Object.freeze({
  DMA: "DMA API",
  MEM: "Memory safety",
  PG: "Pages, highmem and user pages",
  MM: "The mmap operation and faults",
  CTX: "Context",
  LOCK: "Locking (lockdep)",
  IRQ: "Interrupts",
});

/**
 * What each message placeholder stands for. The runtime checker and the
 * language server fill these; numbers that are addresses are passed already
 * formatted (hex) by the caller.
 */
export const PLACEHOLDER_DOCS: Readonly<Record<string, string>> = Object.freeze({
  access: "kind of access: \"read\" or \"write\"",
  addr: "kernel or user virtual address involved, in hex",
  alloc_cpu_addr: "CPU address dma_alloc_coherent() returned",
  alloc_fn: "function that allocated the object, e.g. \"vmalloc\"",
  area: "kind of memory that cannot be DMA'd: \"stack\", \"vmalloc area\", \"kmap address\", \"kernel text or rodata\" or \"invalid area\"",
  boundary: "device's segment boundary mask (dma_get_seg_boundary), in hex",
  bus_limit: "bus DMA limit of the device, in hex (0 when there is none)",
  cacheline: "physical cache-line number shared by both mappings",
  context: "the atomic context, e.g. \"hardirq\", \"softirq\", \"spinlock held\", \"irqs disabled\"",
  count: "how many items are involved (mappings, pages, kmaps)",
  dev_addr: "DMA (bus) address of the mapping, in hex",
  device: "device name as the kernel prints it (driver and device)",
  dir: "DMA direction as passed, e.g. \"DMA_NONE\" or a raw number",
  expected: "what the call should have been given",
  fn: "kernel function the driver called, e.g. \"dma_unmap_single\"",
  free_cpu_addr: "CPU address passed to dma_free_coherent()",
  got: "what the call was actually given",
  held_lock: "lock class the task already holds, as lockdep names it",
  handler: "driver function that relies on the behaviour, e.g. \"simple_remap_mmap\"",
  hint: "debugobjects' hint for the object: the callback it would run, e.g. \"tickstat_sample\"",
  index: "index of the scatterlist entry",
  kind: "the specific class of the report, e.g. \"slab\" / \"vmalloc\" / \"global\" for out-of-bounds, \"double-free\" / \"invalid-free\" for frees",
  len: "length of the scatterlist segment, in bytes",
  lock: "lock class as lockdep names it, e.g. \"&dev->lock\" (the name given to DEFINE_SPINLOCK()/spin_lock_init(), or the init site)",
  limit: "size of the object the mapping must stay within, in bytes",
  map_dir: "direction the buffer was mapped with, e.g. \"DMA_TO_DEVICE\"",
  map_fn: "kind of mapping: \"single\", \"page\", \"sg\", \"coherent\" or \"resource\"",
  map_nents: "nents passed to dma_map_sg()",
  map_size: "size given when the buffer was mapped or allocated, in bytes",
  mapcount: "the page's map count (number of user page-table entries)",
  mapped_nents: "entry count dma_map_sg() returned",
  mask: "device's DMA mask, in hex (\"none\" when unset)",
  max_seg: "device's maximum segment size (dma_get_max_seg_size), in bytes",
  missing: "what the mapping lacked, e.g. \"pgprot_noncached\" or \"VM_IO\"",
  missing_sync: "sync call that was needed, e.g. \"dma_sync_single_for_cpu\"",
  object: "description of the memory object, e.g. \"64-byte region [addr, addr+64) from kmalloc-64\"",
  offset: "byte offset into the object that was requested (vm_pgoff << PAGE_SHIFT)",
  other_dev_addr: "DMA address of the other live mapping of the same cache line",
  pfn: "page frame number, in hex",
  pool: "name given to dma_pool_create()",
  problem: "which of the rule's cases occurred, in words",
  irq: "interrupt line number",
  why: "why the line was judged stuck, in words",
  process: "user process holding the mapping, as \"comm[pid]\"",
  reader: "who read the stale data: \"CPU\" or \"device\"",
  reason: "what went wrong, in the kernel's words, e.g. \"nonzero _refcount\" or \"kernel NULL pointer dereference\"",
  refcount: "the page's reference count",
  rel_bytes: "distance in bytes from the object",
  rel_type: "where the address lies relative to the object: \"to the left\", \"to the right\" or \"inside\"",
  size: "size in bytes (of the access, the mapping or the request)",
  source: "the user-controlled expression, e.g. \"vma->vm_pgoff\" or an ioctl argument",
  start: "bus address where the segment starts, in hex",
  state: "why the handle is unknown: \"never mapped\", \"already unmapped\" or \"DMA_MAPPING_ERROR\"",
  sync_dir: "direction passed to the sync call",
  sync_end: "end of the synced range as an offset into the mapping (offset + size)",
  sync_fn: "sync call used, e.g. \"dma_sync_single_for_cpu\"",
  sync_nents: "nents passed to the sg sync call",
  task: "task as lockdep names it: \"comm/pid\"",
  total_slots: "total swiotlb slots",
  uninit: "number of uninitialised bytes",
  unmap_dir: "direction passed to the unmap call",
  unmap_fn: "kind of unmap call used: \"single\", \"page\", \"sg\" or \"coherent\"",
  unmap_nents: "nents passed to dma_unmap_sg()",
  unmap_size: "size passed to the unmap or free call, in bytes",
  used_slots: "swiotlb slots in use",
  var: "variable or expression the result was stored in",
  vm_end: "end address of the VMA, in hex",
  vm_flags: "the VMA's flags, e.g. \"VM_READ|VM_WRITE|VM_SHARED\"",
  vm_start: "start address of the VMA, in hex",
  writer: "who last wrote the data: \"CPU\" or \"device\"",
});

interface RuleDef {
  readonly title: string;
  readonly summary: string;
  readonly static: boolean;
  readonly dynamic: boolean;
  readonly beyond?: boolean;
  readonly anchor: string;
  readonly message: string;
  readonly docs: string;
}

/** Trims surrounding blank lines and removes the common indentation. */
function dedent(text: string): string {
  const lines = text.replace(/\t/g, "  ").split("\n");
  while (lines.length > 0 && lines[0]!.trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  let indent = Infinity;
  for (const line of lines) {
    if (line.trim() === "") continue;
    indent = Math.min(indent, line.length - line.trimStart().length);
  }
  if (!Number.isFinite(indent)) indent = 0;
  return lines.map((line) => (line.trim() === "" ? "" : line.slice(indent).trimEnd())).join("\n");
}

const DEFS: { readonly [K in RuleId]: RuleDef } = {
  // ---------------------------------------------------------------- DMA
  DMA001: {
    title: "CPU access to a device-owned buffer",
    summary:
      "The CPU reads or writes a streaming DMA buffer while the device owns it: after the map or dma_sync_*_for_device(), before dma_sync_*_for_cpu() or the unmap.",
    static: true,
    dynamic: true,
    beyond: true,
    anchor: "beyond: only a documented rule in dma-api-howto.rst",
    message:
      "CPU {access} of {size} bytes at {addr} while the device owns streaming DMA buffer [device address={dev_addr}] [mapped with {map_dir}]",
    docs: `
      A streaming mapping hands the buffer to the device. From \`dma_map_*()\` or \`dma_sync_*_for_device()\` until \`dma_sync_*_for_cpu()\` or \`dma_unmap_*()\`, the CPU must keep its hands off: on a non-coherent machine a CPU write can sit in the cache and later overwrite what the device wrote, a CPU read can return stale cache lines, and when swiotlb bounces the buffer the device is working on a copy, so the CPU simply sees the wrong bytes.

      Linux has no checker for this; the rule is only written down in \`Documentation/core-api/dma-api-howto.rst\` ("If you need to use the same streaming DMA region multiple times and touch the data in between the DMA transfers, the buffer needs to be synced properly"). In a real kernel the symptom is silent, machine-dependent corruption. Faultline tracks the owner of every streaming buffer and stops at the first CPU access made while the device owns it.

      Take the buffer back before touching it, and hand it over again before the next transfer:

      \`\`\`ts
      dma_sync_single_for_cpu(dev, dma, len, DMA_FROM_DEVICE);
      const status = rx_buf[0];               // the CPU owns the buffer now
      dma_sync_single_for_device(dev, dma, len, DMA_FROM_DEVICE);
      start_rx(dev, dma, len);                // the device owns it again
      \`\`\`
    `,
  },
  DMA002: {
    title: "unchecked DMA mapping",
    summary: "The result of dma_map_single() or dma_map_page() is used without checking it with dma_mapping_error().",
    static: true,
    dynamic: true,
    anchor: "dma-debug \"device driver failed to check map error\"",
    message:
      "device driver failed to check map error [device address={dev_addr}] [size={size} bytes] [mapped as {map_fn}]",
    docs: `
      \`dma_map_single()\` and \`dma_map_page()\` can fail (IOMMU space exhausted, bounce pool full, address beyond the mask). They then return \`DMA_MAPPING_ERROR\`, which is not a usable bus address; handing it to the device makes it DMA to a random address. The howto warns that using it "could result in failures ranging from panics to silent data corruption".

      With \`CONFIG_DMA_API_DEBUG\`, the kernel remembers whether \`dma_mapping_error()\` was called on each handle and, at unmap time, prints \`DMA-API: <driver> <device>: device driver failed to check map error[device address=0x…] [size=… bytes] [mapped as single]\` followed by the \`Mapped at:\` stack.

      Check every handle before it reaches the device:

      \`\`\`ts
      const dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
      if (dma_mapping_error(dev, dma))
        return -ENOMEM;
      \`\`\`
    `,
  },
  DMA003: {
    title: "unmap of an unmapped handle",
    summary: "A handle that was never mapped, or was already unmapped or freed, is unmapped or freed.",
    static: true,
    dynamic: true,
    anchor:
      "\"device driver tries to free DMA memory it has not allocated [device address=…] [size=…]\"; \"…free an invalid DMA memory address\"",
    message:
      "device driver tries to free DMA memory it has not allocated [device address={dev_addr}] [size={size} bytes] ({state})",
    docs: `
      Unmapping a handle twice, or one the driver never got from the DMA API, tears down an IOMMU entry or swiotlb slot that may by now belong to another mapping, possibly of another device: its DMA then faults or lands in the wrong memory. Double unmaps usually come from error paths that unwind a mapping the normal path has already released.

      dma-debug looks the handle up and prints \`DMA-API: <driver> <device>: device driver tries to free DMA memory it has not allocated [device address=0x…] [size=… bytes]\`, or \`device driver tries to free an invalid DMA memory address\` when the handle is \`DMA_MAPPING_ERROR\` (a failed map that was not checked, see DMA002).

      Unmap exactly once per successful map, and forget the handle afterwards:

      \`\`\`ts
      dma_unmap_single(dev, priv.tx_dma, len, DMA_TO_DEVICE);
      priv.tx_dma = 0;                        // nothing left to unmap on the error path
      \`\`\`
    `,
  },
  DMA004: {
    title: "unmap with a different size",
    summary: "A mapping is unmapped with a size other than the one it was mapped with.",
    static: true,
    dynamic: true,
    anchor: "\"device driver frees DMA memory with different size [map size=…] [unmap size=…]\"",
    message:
      "device driver frees DMA memory with different size [device address={dev_addr}] [map size={map_size} bytes] [unmap size={unmap_size} bytes]",
    docs: `
      The unmap size tells the IOMMU how many pages to release and swiotlb how many bytes to copy back from the bounce buffer. Too small, and IOMMU entries leak while part of the received data never reaches the original buffer; too large, and the unmap tears down or copies over memory that is not part of this mapping.

      dma-debug prints \`DMA-API: <driver> <device>: device driver frees DMA memory with different size [device address=0x…] [map size=… bytes] [unmap size=… bytes]\`.

      Keep the length you mapped next to the handle and unmap with that value, not with a length recomputed from, say, the bytes the device actually transferred:

      \`\`\`ts
      desc.len = len;
      desc.dma = dma_map_single(dev, buf, len, DMA_FROM_DEVICE);
      // ...
      dma_unmap_single(dev, desc.dma, desc.len, DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA005: {
    title: "unmap with a different direction",
    summary: "A mapping is unmapped with a direction other than the one it was mapped with.",
    static: true,
    dynamic: true,
    anchor: "\"…frees DMA memory with different direction [mapped with …] [unmapped with …]\"",
    message:
      "device driver frees DMA memory with different direction [device address={dev_addr}] [size={size} bytes] [mapped with {map_dir}] [unmapped with {unmap_dir}]",
    docs: `
      The unmap direction decides what cache maintenance and bounce copying happen. Unmapping a \`DMA_FROM_DEVICE\` buffer as \`DMA_TO_DEVICE\` skips the invalidate or the copy-back, so the CPU then reads stale data instead of what the device wrote.

      dma-debug prints \`DMA-API: <driver> <device>: device driver frees DMA memory with different direction [device address=0x…] [size=… bytes] [mapped with DMA_FROM_DEVICE] [unmapped with DMA_TO_DEVICE]\`.

      Unmap with the same direction constant you mapped with; store it with the handle if the direction varies per request:

      \`\`\`ts
      const dma = dma_map_single(dev, buf, len, DMA_FROM_DEVICE);
      // ...
      dma_unmap_single(dev, dma, len, DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA006: {
    title: "unmap with the wrong function",
    summary:
      "A mapping is released with the wrong function: single, page, sg and coherent calls are mixed (e.g. dma_unmap_page() of a dma_map_sg() mapping, dma_unmap_single() of a coherent buffer).",
    static: true,
    dynamic: true,
    anchor: "\"…frees DMA memory with wrong function [mapped as …] [unmapped as …]\"",
    message:
      "device driver frees DMA memory with wrong function [device address={dev_addr}] [size={size} bytes] [mapped as {map_fn}] [unmapped as {unmap_fn}]",
    docs: `
      Each kind of mapping keeps different bookkeeping: a scatterlist mapping may have merged entries, a coherent buffer was allocated rather than mapped and must be freed back to the allocator. Releasing it through the wrong family leaves that state inconsistent: a coherent buffer "unmapped" with \`dma_unmap_single()\` is never freed, an sg list unmapped entry by entry with \`dma_unmap_page()\` skips the merged segments.

      dma-debug prints \`DMA-API: <driver> <device>: device driver frees DMA memory with wrong function [device address=0x…] [size=… bytes] [mapped as coherent] [unmapped as single]\`. (\`dma_map_single()\` and \`dma_map_page()\` are both "single" to dma-debug and may be mixed.)

      Pair the calls: \`dma_map_single\`/\`dma_unmap_single\`, \`dma_map_page\`/\`dma_unmap_page\`, \`dma_map_sg\`/\`dma_unmap_sg\`, \`dma_alloc_coherent\`/\`dma_free_coherent\`:

      \`\`\`ts
      const ring = dma_alloc_coherent(dev, RING_BYTES, ring_dma, GFP_KERNEL);
      // ...
      dma_free_coherent(dev, RING_BYTES, ring, ring_dma.value);
      \`\`\`
    `,
  },
  DMA007: {
    title: "coherent free with a different address or size",
    summary: "dma_free_coherent() is called with a CPU address or size other than the ones dma_alloc_coherent() returned and was given.",
    static: true,
    dynamic: true,
    anchor: "\"…frees DMA memory with different CPU address\"",
    message:
      "device driver frees DMA memory with different CPU address or size [device address={dev_addr}] [cpu alloc address={alloc_cpu_addr}] [cpu free address={free_cpu_addr}] [alloc size={map_size} bytes] [free size={unmap_size} bytes]",
    docs: `
      \`dma_free_coherent()\` needs the exact triple it handed out: size, CPU address and DMA handle. A CPU address that points into the middle of the buffer (a driver that advanced its pointer) or a different size frees the wrong pages, or the right pages with the wrong order, corrupting the page allocator or the remap area.

      dma-debug prints \`DMA-API: <driver> <device>: device driver frees DMA memory with different CPU address [device address=0x…] [size=… bytes] [cpu alloc address=0x…] [cpu free address=0x…]\`; a size mismatch is reported as \`frees DMA memory with different size\`.

      Keep the original values and give them all back unchanged:

      \`\`\`ts
      priv.ring = dma_alloc_coherent(dev, RING_BYTES, priv.ring_dma, GFP_KERNEL);
      // use a separate cursor, never priv.ring itself
      dma_free_coherent(dev, RING_BYTES, priv.ring, priv.ring_dma.value);
      \`\`\`
    `,
  },
  DMA008: {
    title: "sg unmap with the wrong entry count",
    summary:
      "dma_unmap_sg() is called with a count other than the nents passed to dma_map_sg(), often the count that dma_map_sg() returned.",
    static: true,
    dynamic: true,
    anchor: "\"…frees DMA sg list with different entry count\"",
    message:
      "device driver frees DMA sg list with different entry count [map count={map_nents}] [unmap count={unmap_nents}] [count returned by dma_map_sg={mapped_nents}]",
    docs: `
      \`dma_map_sg()\` may merge entries and returns how many DMA segments it produced; that count is what you program into the device. But \`dma_unmap_sg()\` must walk the original list, so it takes the original \`nents\`. The howto is blunt: it "must be the _same_ one you passed into the dma_map_sg call, it should _NOT_ be the 'count' value _returned_". With the returned count, the tail of the list is never unmapped: IOMMU entries leak and bounced data is never copied back.

      dma-debug prints \`DMA-API: <driver> <device>: device driver frees DMA sg list with different entry count [map count=…] [unmap count=…]\`.

      Use the returned count for the device and the original one for unmap and sync:

      \`\`\`ts
      const count = dma_map_sg(dev, sgl, nents, DMA_TO_DEVICE);
      if (count === 0)
        return -ENOMEM;
      program_descriptors(dev, sgl, count);
      // ...
      dma_unmap_sg(dev, sgl, nents, DMA_TO_DEVICE);
      \`\`\`
    `,
  },
  DMA009: {
    title: "sync of an unmapped handle",
    summary: "dma_sync_*() is called on a handle that was never mapped or is no longer mapped.",
    static: false,
    dynamic: true,
    anchor: "\"device driver tries to sync DMA memory it has not allocated\"",
    message:
      "device driver tries to sync DMA memory it has not allocated [device address={dev_addr}] [size={size} bytes]",
    docs: `
      A sync performs cache maintenance or a bounce-buffer copy for a live mapping. On a handle that is no longer mapped (typically a sync in a completion path that races with, or runs after, the unmap) the copy reads or writes a swiotlb slot that may now belong to someone else, and the cache maintenance hits whatever memory the stale address now names.

      dma-debug prints \`DMA-API: <driver> <device>: device driver tries to sync DMA memory it has not allocated [device address=0x…] [size=… bytes]\`.

      Sync only between map and unmap; the unmap itself already does the final sync for the CPU, so no sync is needed after it:

      \`\`\`ts
      dma_sync_single_for_cpu(dev, dma, len, DMA_FROM_DEVICE);  // while mapped
      dma_unmap_single(dev, dma, len, DMA_FROM_DEVICE);         // includes the last sync
      \`\`\`
    `,
  },
  DMA010: {
    title: "sync outside the mapping",
    summary: "A sync covers bytes outside the mapped range.",
    static: true,
    dynamic: true,
    anchor: "\"device driver syncs DMA memory outside allocated range\"",
    message:
      "device driver syncs DMA memory outside allocated range [device address={dev_addr}] [allocation size={map_size} bytes] [sync offset+size={sync_end}]",
    docs: `
      The sync range is taken on trust: syncing past the end of the mapping invalidates or flushes cache lines of unrelated memory (invalidating loses the CPU's recent writes there) and, with swiotlb, copies bytes to or from the neighbouring bounce slot.

      dma-debug prints \`DMA-API: <driver> <device>: device driver syncs DMA memory outside allocated range [device address=0x…] [allocation size=… bytes] [sync offset+size=…]\`.

      Keep partial syncs inside the mapping; \`dma_sync_single_range_for_cpu()\` takes the mapping's handle plus an offset, which makes the bound explicit:

      \`\`\`ts
      dma_sync_single_range_for_cpu(dev, dma, offset, Math.min(n, len - offset), DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA011: {
    title: "sync with a different direction",
    summary: "A sync call passes a direction other than the one the buffer was mapped with.",
    static: true,
    dynamic: true,
    anchor: "\"…syncs DMA memory with different direction\"",
    message:
      "device driver syncs DMA memory with different direction [device address={dev_addr}] [size={size} bytes] [mapped with {map_dir}] [synced with {sync_dir}]",
    docs: `
      The direction argument of a sync is not "which way the ownership moves" but the direction of the mapping; the function name (\`_for_cpu\` / \`_for_device\`) says which way ownership moves. Passing \`DMA_TO_DEVICE\` to \`dma_sync_single_for_device()\` on a \`DMA_FROM_DEVICE\` mapping, for example, picks the wrong cache operation and can leave stale lines that later overwrite the device's data.

      dma-debug prints \`DMA-API: <driver> <device>: device driver syncs DMA memory with different direction [device address=0x…] [size=… bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]\` (mappings made with \`DMA_BIDIRECTIONAL\` may be synced with any direction).

      Always pass the mapping's direction:

      \`\`\`ts
      dma_sync_single_for_cpu(dev, rx_dma, len, DMA_FROM_DEVICE);
      // ... read the packet ...
      dma_sync_single_for_device(dev, rx_dma, len, DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA012: {
    title: "sync against the mapping's direction",
    summary:
      "A sync claims a data flow the mapping does not allow: sync_for_cpu of a DMA_TO_DEVICE mapping, or sync_for_device of a DMA_FROM_DEVICE one.",
    static: true,
    dynamic: true,
    anchor:
      "\"…syncs device read-only DMA memory for cpu\"; \"…syncs device write-only DMA memory to device\"",
    message: "{sync_fn} of a {map_dir} mapping with {sync_dir} [device address={dev_addr}] [size={size} bytes]",
    docs: `
      A \`DMA_TO_DEVICE\` mapping is read-only for the device: nothing the device does can give the CPU new data to read, so a \`_for_cpu\` sync that asks for device data to be made visible (direction \`DMA_FROM_DEVICE\` or \`DMA_BIDIRECTIONAL\`) reveals a driver that has the direction of its buffer wrong. Symmetrically, a \`DMA_FROM_DEVICE\` mapping is write-only for the device, and a \`_for_device\` sync that pushes CPU data to it (direction \`DMA_TO_DEVICE\` or \`DMA_BIDIRECTIONAL\`) means the CPU wrote into a receive buffer. Either way the cache maintenance done is the wrong one for the mapping.

      dma-debug prints \`DMA-API: <driver> <device>: device driver syncs device read-only DMA memory for cpu [device address=0x…] [size=… bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]\` or \`… syncs device write-only DMA memory to device …\`, together with the DMA011 report. Syncing with the mapping's own direction is always allowed: \`dma_sync_single_for_device(dev, rx_dma, len, DMA_FROM_DEVICE)\` to hand a receive buffer back is correct.

      If the CPU must both read and write the buffer between transfers, map it \`DMA_BIDIRECTIONAL\`:

      \`\`\`ts
      const dma = dma_map_single(dev, buf, len, DMA_BIDIRECTIONAL);
      dma_sync_single_for_cpu(dev, dma, len, DMA_BIDIRECTIONAL);
      patch_header(buf);
      dma_sync_single_for_device(dev, dma, len, DMA_BIDIRECTIONAL);
      \`\`\`
    `,
  },
  DMA013: {
    title: "sg sync with the wrong entry count",
    summary: "dma_sync_sg_for_cpu() or dma_sync_sg_for_device() is called with a count other than the nents passed to dma_map_sg().",
    static: true,
    dynamic: true,
    anchor: "\"…syncs DMA sg list with different entry count\"",
    message:
      "device driver syncs DMA sg list with different entry count [map count={map_nents}] [sync count={sync_nents}]",
    docs: `
      Like \`dma_unmap_sg()\`, the sg sync calls walk the original scatterlist and need the original \`nents\`, not the count \`dma_map_sg()\` returned; the howto notes that it "must be the same passed to dma_map_sg(). It is _NOT_ the count returned by dma_map_sg()". A smaller count leaves the tail of the list unsynced, so the CPU reads stale data there.

      dma-debug prints \`DMA-API: <driver> <device>: device driver syncs DMA sg list with different entry count [map count=…] [sync count=…]\`.

      \`\`\`ts
      const count = dma_map_sg(dev, sgl, nents, DMA_FROM_DEVICE);
      // ... the device fills the buffers of the first count segments ...
      dma_sync_sg_for_cpu(dev, sgl, nents, DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA014: {
    title: "mapping memory that can't be DMA'd",
    summary:
      "Memory that cannot be DMA'd is mapped: the stack, the vmalloc area, a kmap address or kernel text.",
    static: true,
    dynamic: true,
    anchor:
      "\"device driver maps memory from stack/vmalloc area/invalid area\"; smatch \"doing dma on the stack\"",
    message: "device driver maps memory from {area} [addr={addr}] [len={size}]",
    docs: `
      \`dma_map_single()\` finds the memory behind a kernel virtual address with \`virt_to_page()\`, which is only valid for the linear mapping. Stack addresses (the stack is vmalloc'ed with \`CONFIG_VMAP_STACK\`), vmalloc addresses and \`kmap()\` addresses are not in the linear map, so the device gets the physical address of some unrelated page. The howto: "you may _not_ use the memory/addresses returned from vmalloc() for DMA", nor "kernel image addresses … nor stack addresses", and "you cannot take the return of a kmap() call and DMA to/from that". Even when it would translate, a small stack or static buffer shares cache lines with other data.

      dma-debug prints \`DMA-API: <driver> <device>: device driver maps memory from stack [probable addr=…]\`, \`… maps memory from vmalloc area [addr=…] [len=…]\`, \`… maps memory from invalid area …\` or \`… maps memory from kernel text or rodata …\`; smatch warns "doing dma on the stack".

      DMA from memory that came from \`kmalloc()\` or the page allocator; for a highmem page use \`dma_map_page()\` with the page itself:

      \`\`\`ts
      const buf = kmalloc(len, GFP_KERNEL);   // not a local array, not vmalloc()
      if (!buf)
        return -ENOMEM;
      const dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
      \`\`\`
    `,
  },
  DMA015: {
    title: "overlapping mappings share a cache line",
    summary: "Two live mappings that are not DMA_TO_DEVICE share a cache line.",
    static: false,
    dynamic: true,
    anchor: "\"cacheline tracking EEXIST, overlapping mappings aren't supported\"",
    message:
      "cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline={cacheline}] [device address={dev_addr}] [overlaps device address={other_dev_addr}]",
    docs: `
      When the device may write a buffer, the CPU cache lines covering it are invalidated at map and unmap time. If two such mappings share a line (two small buffers packed into one struct, or the same buffer mapped twice), the maintenance for one discards or writes back bytes of the other, and on a non-coherent machine one transfer's data is lost.

      dma-debug tracks the first cache line of every mapping that is not \`DMA_TO_DEVICE\` and prints \`DMA-API: <driver> <device>: cacheline tracking EEXIST, overlapping mappings aren't supported\` when a second one lands on it.

      Give each device-writable buffer its own cache lines: allocate it separately, or align and pad it (\`____cacheline_aligned\`, the \`__dma_from_device_group_begin()/end()\` markers), and map it once:

      \`\`\`ts
      priv.rx_hdr = kmalloc(HDR_LEN, GFP_KERNEL);   // separate allocations, not two fields of one struct
      priv.rx_buf = kmalloc(BUF_LEN, GFP_KERNEL);
      \`\`\`
    `,
  },
  DMA016: {
    title: "sg segment exceeds device limits",
    summary:
      "A scatterlist segment is longer than the device's maximum segment size, or crosses its segment boundary.",
    static: false,
    dynamic: true,
    anchor: "\"mapping sg segment longer than device claims to support\"",
    message:
      "mapping sg segment {index} {problem} [start={start}] [len={len}] [max={max_seg}] [boundary={boundary}]",
    docs: `
      Devices describe their scatter/gather limits with \`dma_set_max_seg_size()\` and \`dma_set_seg_boundary()\`; the block layer and the IOMMU code build and merge segments to respect them. A driver that builds its own scatterlist without checking, or forgets to declare its limits, hands the device a segment its descriptor format cannot express: the length is truncated or the address wraps at the boundary, and the transfer goes to the wrong place.

      With \`CONFIG_DMA_API_DEBUG_SG\`, dma-debug prints \`DMA-API: <driver> <device>: mapping sg segment longer than device claims to support [len=…] [max=…]\` or \`… mapping sg segment across boundary [start=0x…] [end=0x…] [boundary=0x…]\`.

      Declare the limits at probe time and split buffers accordingly:

      \`\`\`ts
      dma_set_max_seg_size(dev, 64 * 1024);
      dma_set_seg_boundary(dev, 0xffff);       // no segment may cross a 64 KiB line
      sg_set_page(sg, page, Math.min(len, 64 * 1024), 0);
      \`\`\`
    `,
  },
  DMA017: {
    title: "invalid DMA direction",
    summary: "A DMA call is given an invalid direction: DMA_NONE or a value out of range.",
    static: true,
    dynamic: true,
    anchor: "BUG_ON(!valid_dma_direction(dir))",
    message: "invalid DMA direction {dir} passed to {fn}",
    docs: `
      \`DMA_NONE\` exists only as a placeholder "to be used for debugging", to catch direction-tracking logic that never set a real value. A map, unmap or sync with it (or with a number outside the enum) cannot choose any cache maintenance.

      The DMA API treats it as a kernel bug: \`BUG_ON(!valid_dma_direction(dir))\` in the map and sync paths oopses with \`kernel BUG at …\`.

      Pass one of \`DMA_TO_DEVICE\`, \`DMA_FROM_DEVICE\` or \`DMA_BIDIRECTIONAL\`, and make sure every path sets the stored direction before mapping:

      \`\`\`ts
      const dir = is_write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
      const dma = dma_map_single(dev, buf, len, dir);
      \`\`\`
    `,
  },
  DMA018: {
    title: "DMA mask missing or not honoured",
    summary:
      "DMA is done without a DMA mask set, or the result of dma_set_mask() is ignored, or a buffer lies beyond the mask with no bounce buffering possible.",
    static: true,
    dynamic: true,
    anchor: "WARN_ON_ONCE(!dev->dma_mask); \"DMA addr … overflow (mask …, bus limit …)\"",
    message: "{fn}: {problem} [dma mask={mask}] [bus limit={bus_limit}]",
    docs: `
      The DMA mask tells the kernel which bus addresses the device can generate. Without one the kernel cannot tell whether a buffer is reachable; with one that \`dma_set_mask()\` refused, the driver goes on to DMA to addresses the device truncates. The howto: "You must not use DMA on this device unless the dma_set_mask family of functions has returned success." When a buffer lies above the mask and swiotlb is not available to bounce it, the mapping fails.

      Linux warns with \`WARN_ON_ONCE(!dev->dma_mask)\` in \`dma_map_page_attrs()\` and, for an unreachable buffer, prints \`DMA addr 0x…+… overflow (mask …, bus limit …).\` and returns \`DMA_MAPPING_ERROR\`.

      Set the mask at probe time and act on the result:

      \`\`\`ts
      if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32))) {
        dev_warn(dev, "no suitable DMA available\\n");
        return -EIO;
      }
      \`\`\`
    `,
  },
  DMA019: {
    title: "bounce buffer pool exhausted",
    summary: "The swiotlb bounce pool is exhausted.",
    static: false,
    dynamic: true,
    anchor: "\"swiotlb buffer is full (sz: … bytes)\"",
    message: "swiotlb buffer is full (sz: {size} bytes), total {total_slots} (slots), used {used_slots} (slots)",
    docs: `
      When a device cannot reach a buffer (DMA mask, confidential-computing guests, \`swiotlb=force\`), each streaming mapping borrows a slot of the bounce pool until it is unmapped. Drivers that leak mappings, map far more than they have in flight, or map very large buffers exhaust it; every further map then fails.

      Linux prints \`swiotlb buffer is full (sz: … bytes), total … (slots), used … (slots)\` and the map returns \`DMA_MAPPING_ERROR\`, which an unchecked driver (DMA002) then hands to the device.

      Unmap as soon as each transfer completes, bound the number of buffers in flight, and handle the mapping failure:

      \`\`\`ts
      const dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
      if (dma_mapping_error(dev, dma))
        return -EBUSY;                        // retry after completions have unmapped
      \`\`\`
    `,
  },
  DMA020: {
    title: "DMA still live at driver unload",
    summary:
      "Streaming mappings or coherent buffers are still live when the driver unloads (statically: on error paths that return without releasing them).",
    static: true,
    dynamic: true,
    anchor: "\"device driver has pending DMA allocations while released from device [count=…]\"",
    message:
      "device driver has pending DMA allocations while released from device [count={count}]; one of them: [device address={dev_addr}] [size={size} bytes] [mapped with {map_dir}] [mapped as {map_fn}]",
    docs: `
      Mappings and coherent buffers left behind at unbind leak IOMMU space and memory, and if the device is still running it keeps DMA'ing into memory the kernel will hand to someone else. Most leaks are on error paths: a probe that fails half-way returns without undoing what it set up.

      dma-debug checks at driver unbind and prints \`DMA-API: <driver> <device>: device driver has pending DMA allocations while released from device [count=…]\` followed by \`One of leaked entries details: [device address=0x…] [size=… bytes] [mapped with …] [mapped as …]\`.

      Stop the device, then release everything in \`remove()\` and unwind in reverse order on error paths (or use the managed \`dmam_alloc_coherent()\`):

      \`\`\`ts
      priv.ring = dma_alloc_coherent(dev, RING_BYTES, priv.ring_dma, GFP_KERNEL);
      if (!priv.ring)
        return -ENOMEM;
      const err = request_irq(irq, my_irq, 0, "mydev", priv);
      if (err) {
        dma_free_coherent(dev, RING_BYTES, priv.ring, priv.ring_dma.value);
        return err;
      }
      \`\`\`
    `,
  },
  DMA021: {
    title: "DMA pool misuse",
    summary:
      "A DMA pool is misused: free of a block from another pool or of an already free block, a write after free, or destroying the pool while blocks are still allocated.",
    static: false,
    dynamic: true,
    anchor: "mm/dmapool.c \"bad dma\", \"already free\", \"corrupted\", \"busy\"",
    message: "{fn} {pool}, {addr}/{dev_addr} ({problem})",
    docs: `
      A \`dma_pool\` carves small coherent blocks out of pages from \`dma_alloc_coherent()\` and keeps its free list inside the free blocks themselves. Freeing a block to the wrong pool, freeing it twice, or writing to it after the free corrupts that list, so a later \`dma_pool_alloc()\` hands out a block that is still in use; destroying a pool with blocks outstanding leaves the device DMA'ing into freed pages.

      \`mm/dmapool.c\` prints \`dma_pool_free <pool>, <vaddr>/<dma> (bad dma)\` for a block that is not from the pool and \`dma_pool_destroy <pool>, <vaddr> busy\`; with pool debugging (on when slab debugging is) it also prints \`dma_pool_free <pool>, dma <dma> already free\` and, when a freed block was written to, \`dma_pool_alloc <pool>, <vaddr> (corrupted)\` on its next allocation.

      Free each block once, to its own pool, with the values \`dma_pool_alloc()\` returned, and free them all before destroying the pool:

      \`\`\`ts
      const desc = dma_pool_alloc(priv.pool, GFP_KERNEL, desc_dma);
      // ...
      dma_pool_free(priv.pool, desc, desc_dma.value);
      dma_pool_destroy(priv.pool);              // only when no block is outstanding
      \`\`\`
    `,
  },
  DMA022: {
    title: "uninitialised bytes sent to the device",
    summary: "Uninitialised bytes are sent to the device in a DMA_TO_DEVICE (or bidirectional) buffer.",
    static: false,
    dynamic: true,
    anchor: "KMSAN uninit-value on TO_DEVICE buffers",
    message:
      "uninitialised bytes sent to the device: {uninit} of {size} bytes at {addr} [device address={dev_addr}] were never written",
    docs: `
      Bytes the driver never wrote still hold whatever the allocator's previous user left there. Sending them to a device leaks kernel memory to hardware, to the network or to another VM, and when they are padding or reserved descriptor fields the device may act on garbage.

      KMSAN checks buffers as they are mapped for the device and reports \`BUG: KMSAN: uninit-value in …\` with the range of uninitialised bytes and where the memory was allocated.

      Initialise the whole buffer, padding included, before handing it over; \`kzalloc()\` is the simple way:

      \`\`\`ts
      const cmd = kzalloc(CMD_LEN, GFP_KERNEL);
      fill_command(cmd);
      const dma = dma_map_single(dev, cmd, CMD_LEN, DMA_TO_DEVICE);
      \`\`\`
    `,
  },
  DMA023: {
    title: "coherent free in interrupt context",
    summary: "dma_free_coherent() or dma_pool_destroy() is called in interrupt context or with interrupts disabled.",
    static: true,
    dynamic: true,
    anchor: "WARN_ON(irqs_disabled())",
    message: "{fn} called in {context}",
    docs: `
      Freeing coherent memory can unmap a non-cacheable remap (\`vunmap()\`) and flush TLBs, which must not happen with interrupts off; \`dma_pool_destroy()\` takes a mutex. The howto says both "may not be called in interrupt context". \`dma_alloc_coherent(…, GFP_ATOMIC)\` and \`dma_pool_free()\` are fine in interrupt context; the frees of whole buffers and pools are not.

      \`dma_free_attrs()\` has \`WARN_ON(irqs_disabled())\`, so Linux prints a \`WARNING: … at kernel/dma/mapping.c\` splat; \`dma_pool_destroy()\` in atomic context ends in \`BUG: sleeping function called from invalid context\`.

      Defer the free to process context, e.g. to a work item:

      \`\`\`ts
      function my_irq(irq: number, priv: MyPriv): irqreturn_t {
        schedule_work(priv.free_work);        // free_work calls dma_free_coherent()
        return IRQ_HANDLED;
      }
      \`\`\`
    `,
  },
  DMA024: {
    title: "device access outside any mapping",
    summary: "The device accesses a bus address that no live mapping covers (an IOMMU fault).",
    static: false,
    dynamic: true,
    anchor: "IOMMU/DMAR fault report",
    message: "IOMMU fault: device {device} {access} at bus address {dev_addr} that no live mapping covers",
    docs: `
      A device that DMAs to an address that is not (or no longer) mapped is either using a stale handle (a descriptor still pointing at a buffer the driver unmapped), an unchecked failed mapping, or a miscomputed address. Without an IOMMU the access lands in whatever memory is there; with one it is blocked and reported.

      Intel's IOMMU prints \`DMAR: [DMA Read] Request device [bus:dev.fn] fault addr 0x… [fault reason …] …\` and AMD's \`AMD-Vi: Event logged [IO_PAGE_FAULT device=… domain=… address=0x… flags=…]\`.

      Only program the device with handles that are mapped, and stop it (or take the descriptor back) before unmapping:

      \`\`\`ts
      writel(0, priv.regs + RX_ENABLE);        // the device stops using the ring
      dma_unmap_single(dev, priv.rx_dma, len, DMA_FROM_DEVICE);
      \`\`\`
    `,
  },
  DMA025: {
    title: "stale data from a missing sync",
    summary:
      "On a non-coherent device, the device or the CPU reads stale data because a sync was missing.",
    static: true,
    dynamic: true,
    beyond: true,
    anchor: "beyond: shown by the cache model, explained by pointing at the missing sync",
    message:
      "{reader} read stale data at {addr} [device address={dev_addr}]: {missing_sync}() was not called after the {writer} wrote it",
    docs: `
      Without hardware coherency, CPU writes can stay in the cache where the device cannot see them, and the device's writes go to memory behind cache lines the CPU still holds. The syncs are what move data across: \`dma_sync_*_for_device()\` writes CPU data back before the device reads, \`dma_sync_*_for_cpu()\` discards stale lines before the CPU reads. A missing sync is invisible on x86, which is coherent, and corrupts data on many ARM and RISC-V systems.

      No Linux checker finds this; the symptom is wrong data, on some machines only. Faultline's cache model keeps CPU-cache and memory contents apart, so it can show which bytes were stale and name the sync that would have moved them.

      Sync in both directions around each CPU access to a mapped buffer:

      \`\`\`ts
      dma_sync_single_for_cpu(dev, dma, len, DMA_BIDIRECTIONAL);     // see the device's data
      update_descriptor(buf);
      dma_sync_single_for_device(dev, dma, len, DMA_BIDIRECTIONAL);  // let the device see ours
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- MEM
  MEM001: {
    title: "out-of-bounds access",
    summary: "Out-of-bounds access of a slab, page, vmalloc or global object.",
    static: true,
    dynamic: true,
    anchor: "BUG: KASAN: slab-out-of-bounds / vmalloc-out-of-bounds; KFENCE out-of-bounds",
    message: "{kind}-out-of-bounds {access} of size {size} at {addr}, {rel_bytes} bytes {rel_type} of {object}",
    docs: `
      Reading or writing past the end (or before the start) of an allocation touches a neighbouring object: a slab neighbour, the next page, a guard page of vmalloc space. Writes corrupt someone else's data or allocator metadata and crash far from the bug; reads leak data.

      KASAN reports \`BUG: KASAN: slab-out-of-bounds in <function>\`, then \`Read of size 4 at addr … by task …\`, the allocation stack, and \`The buggy address is located 0 bytes to the right of allocated 64-byte region […, …)\`. KFENCE prints \`BUG: KFENCE: out-of-bounds read in <function>\`.

      Check indices and lengths against the size you allocated, and remember that the last valid index is \`size - 1\`:

      \`\`\`ts
      if (off >= priv.size || n > priv.size - off)
        return -EINVAL;
      memcpy(dst, priv.buf + off, n);
      \`\`\`
    `,
  },
  MEM002: {
    title: "use after free",
    summary: "Memory is read or written after it was freed.",
    static: true,
    dynamic: true,
    anchor: "BUG: KASAN: use-after-free; coccinelle kfree.cocci \"reference preceded by free\"",
    message: "use after free of {object} at {addr}: {access} of size {size}",
    docs: `
      After \`kfree()\`, \`vfree()\` or \`free_pages()\` the memory belongs to the allocator and is soon reused. A read returns another object's data; a write corrupts it, or the allocator's free list. Typical causes are a pointer kept in a private structure past the free, a timer or work item that runs after teardown, and freeing before the last use on an error path.

      KASAN reports \`BUG: KASAN: slab-use-after-free in <function>\` (older kernels: \`use-after-free\`), the access, then both \`Allocated by task …\` and \`Freed by task …\` stacks; Coccinelle's \`kfree.cocci\` flags a "reference preceded by free" statically.

      Free last, after every user is gone, and clear the pointer:

      \`\`\`ts
      del_timer_sync(priv.timer);               // no callback can still use priv.buf
      kfree(priv.buf);
      priv.buf = NULL;
      \`\`\`
    `,
  },
  MEM003: {
    title: "double or invalid free",
    summary: "An object is freed twice, or a pointer that is not the start of a live allocation is freed.",
    static: true,
    dynamic: true,
    anchor: "KASAN double-free, invalid-free",
    message: "{kind} of {addr} in {fn}: {object}",
    docs: `
      Freeing the same object twice puts it on the free list twice, so two later allocations get the same memory; freeing a pointer into the middle of an object, or one that never came from the allocator, corrupts allocator state. Both usually come from an error path that frees what the caller frees again.

      KASAN reports \`BUG: KASAN: double-free in <function>\` or \`BUG: KASAN: invalid-free in <function>\` with the allocation and free stacks; SLUB's own debugging says \`Object already free\`.

      Give every allocation a single owner that frees it once, and clear the pointer when you do (\`kfree(NULL)\` is a no-op):

      \`\`\`ts
      kfree(priv.cmd);
      priv.cmd = NULL;
      \`\`\`
    `,
  },
  MEM004: {
    title: "allocator mismatch",
    summary:
      "Memory is freed with the wrong allocator: kfree() of vmalloc memory, vfree() of kmalloc memory, free_pages() with the wrong order.",
    static: true,
    dynamic: true,
    anchor: "coccinelle kfree_mismatch.cocci",
    message: "allocator mismatch: {fn} of {addr}, which was allocated by {alloc_fn}",
    docs: `
      Each allocator keeps its own metadata: \`kfree()\` looks up the slab page behind the address, \`vfree()\` a vmalloc area, \`free_pages()\` trusts the order it is given. Handing memory to the wrong one makes it interpret unrelated memory as its metadata, and a wrong order frees pages that are still in use, or leaks some.

      Linux usually notices only indirectly (an oops, \`BUG: Bad page state\`, or corruption later); Coccinelle's \`kfree_mismatch.cocci\` finds \`kfree()\` of \`vmalloc()\`ed memory and the reverse statically.

      Free with the matching call: \`kmalloc\`/\`kfree\`, \`vmalloc\`/\`vfree\`, \`kvmalloc\`/\`kvfree\`, \`alloc_pages(order)\`/\`__free_pages(page, order)\`:

      \`\`\`ts
      const table = kvmalloc(n * 8, GFP_KERNEL);    // may come from either allocator
      // ...
      kvfree(table);
      \`\`\`
    `,
  },
  MEM005: {
    title: "NULL or wild pointer access",
    summary: "A NULL or wild pointer is dereferenced.",
    static: false,
    dynamic: true,
    anchor: "BUG: kernel NULL pointer dereference; unable to handle page fault for address",
    message: "{reason}, address: {addr} ({access} of size {size})",
    docs: `
      A NULL pointer (often an allocation that failed, see MEM007, or a field that was never set) or a wild one (uninitialised, freed, or computed wrongly) makes the CPU fault in kernel mode. The kernel cannot recover the current operation: the task is killed with an oops, and with locks held the system often hangs afterwards.

      x86 prints \`BUG: kernel NULL pointer dereference, address: 0000000000000010\` for addresses in the first page, \`BUG: unable to handle page fault for address: …\` otherwise, followed by \`Oops:\` and the registers.

      Check pointers that can legitimately be NULL, and initialise every field before the first use:

      \`\`\`ts
      const priv = dev_get_drvdata(dev);
      if (!priv)
        return -ENODEV;
      \`\`\`
    `,
  },
  MEM006: {
    title: "I/O and RAM address spaces mixed",
    summary:
      "I/O memory is accessed with plain loads and stores, or RAM is accessed with readl()/writel().",
    static: true,
    dynamic: true,
    anchor: "sparse __iomem \"different address spaces\"",
    message: "address space mismatch at {addr}: {problem}",
    docs: `
      The pointer \`ioremap()\` returns is a cookie for device registers, not ordinary memory: accesses must go through \`readl()\`/\`writel()\` and friends, which use the right instruction width, ordering and (on some architectures) special instructions. Plain dereferences can be merged, reordered, split or cached by the compiler and CPU. Conversely, \`readl()\` on RAM adds barriers where none are wanted and hides a confusion of address spaces.

      sparse marks I/O pointers \`__iomem\` and warns \`incorrect type in argument 1 (different address spaces)\` (expected \`void const volatile [noderef] __iomem *addr\`) or \`dereference of noderef expression\`.

      \`\`\`ts
      const regs = ioremap(res.start, resource_size(res));
      const status = readl(regs + STATUS);     // not regs[STATUS]
      writel(CTRL_GO, regs + CTRL);
      \`\`\`
    `,
  },
  MEM007: {
    title: "allocation not checked for NULL",
    summary: "The result of an allocation is used without checking it for NULL.",
    static: true,
    dynamic: false,
    anchor: "smatch-style",
    message: "result of {fn} assigned to {var} is used without a NULL check",
    docs: `
      \`kmalloc()\`, \`vmalloc()\`, \`alloc_pages()\`, \`dma_alloc_coherent()\` and their relatives return NULL when memory is short; \`GFP_ATOMIC\` allocations fail quite readily. Using the result unchecked turns an out-of-memory condition into a NULL pointer dereference (MEM005).

      Nothing is printed until the crash: \`BUG: kernel NULL pointer dereference, address: …\`. Static checkers such as smatch flag the missing check.

      Check and unwind:

      \`\`\`ts
      const buf = kmalloc(len, GFP_KERNEL);
      if (!buf)
        return -ENOMEM;
      \`\`\`
    `,
  },
  MEM008: {
    title: "memory leaked at unload",
    summary: "An allocation is still live, and unreferenced, when the module unloads.",
    static: false,
    dynamic: true,
    anchor: "kmemleak",
    message: "unreferenced object {addr} (size {size}) allocated by {alloc_fn} still allocated at module unload",
    docs: `
      Memory the driver allocated and never freed stays allocated after the module is gone; nobody can free it any more. Repeated load/unload cycles, or a leak on a per-open or per-request path, eventually exhaust memory.

      kmemleak scans for allocations no pointer refers to and prints \`unreferenced object 0x… (size 64):\` with the allocating task and a \`backtrace:\`, summarised as \`kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\`.

      Free everything in the release and exit paths that the open and init paths allocated, in reverse order, or use managed \`devm_kzalloc()\` tied to the device:

      \`\`\`ts
      function mydev_exit(): void {
        cdev_del(priv.cdev);
        kfree(priv.buf);
        kfree(priv);
      }
      \`\`\`
    `,
  },

  MEM009: {
    title: "timer still pending at unload",
    summary: "A timer_list is still armed when the module that set it up unloads: its callback and the data it uses are freed with the module, and the timer would fire into them.",
    static: true,
    dynamic: true,
    anchor: "debugobjects \"ODEBUG: free active (active state 0) object: … object type: timer_list hint: …\"",
    message: "ODEBUG: free active object type: {kind} hint: {hint}: still pending when its module unloads",
    docs: `
      A timer armed with \`mod_timer()\` or \`add_timer()\` stays queued until it fires or is deleted. Unloading the module frees the timer's callback and, usually, the structure the timer is part of; a timer still queued then runs freed code or corrupts the timer wheel. A periodic timer that re-arms itself from its callback is pending at every moment, so an exit function that only unregisters the device always leaves it behind.

      With \`CONFIG_DEBUG_OBJECTS_TIMERS\`, freeing memory that holds an active timer prints \`ODEBUG: free active (active state 0) object: … object type: timer_list hint: mydev_tick+0x0/0x40 [mydev]\` with a \`WARNING\` in \`debug_print_object()\`, and the fixup deletes the timer. The hint is the callback; the line to change is in the exit (or remove) function.

      Delete the timer, and wait for a callback already running, before anything it uses goes. \`timer_shutdown_sync()\` also makes a callback's later \`mod_timer()\` a no-op, which a self re-arming timer needs:

      \`\`\`ts
      function mydev_tick(t: timer_list): void {
        mod_timer(t, get_jiffies() + 10);
      }

      const tick = new timer_list();

      function mydev_init(): number {
        timer_setup(tick, mydev_tick, 0);
        mod_timer(tick, get_jiffies() + 10);
        return 0;
      }

      function mydev_exit(): void {
        timer_shutdown_sync(tick);                // not only del_timer(): a running callback could re-arm it
      }
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- PG
  PG001: {
    title: "page refcount underflow or busy free",
    summary: "put_page() drops a page's count below zero, or a page is freed while still referenced or mapped.",
    static: false,
    dynamic: true,
    anchor:
      "VM_BUG_ON_PAGE(page_ref_count(page) == 0); BUG: Bad page state … nonzero _refcount / mapcount",
    message: "Bad page state: {reason} [pfn={pfn}] [refcount={refcount}] [mapcount={mapcount}]",
    docs: `
      A \`struct page\` is freed when its reference count reaches zero. An extra \`put_page()\` frees it while someone still uses it (and a later put underflows the count); freeing a page that is still mapped into a process or referenced elsewhere lets the allocator hand out memory that a user page table still points at.

      With \`CONFIG_DEBUG_VM\`, putting a page whose count is already zero hits \`VM_BUG_ON_PAGE(page_ref_count(page) == 0, page)\`; the page allocator checks pages as they are freed and prints \`BUG: Bad page state in process <comm>  pfn:…\`, the page dump, and \`page dumped because: nonzero _refcount\` or \`nonzero mapcount\`.

      Pair every \`get_page()\` with one \`put_page()\`, and let the last reference free the page rather than calling \`__free_page()\` on a page others may hold:

      \`\`\`ts
      get_page(page);          // the mapping holds a reference
      // ...
      put_page(page);          // drop exactly the reference we took
      \`\`\`
    `,
  },
  PG002: {
    title: "reserved page freed",
    summary: "A page is freed while PG_reserved is still set on it.",
    static: true,
    dynamic: true,
    anchor: "BUG: Bad page state (flags: reserved)",
    message: "Bad page state: page freed with PG_reserved set [pfn={pfn}] [by {fn}]",
    docs: `
      The old LDD3 idiom for mapping kernel pages to user space with \`remap_pfn_range()\` marks each page \`SetPageReserved()\` so the memory manager leaves it alone. The flag must be cleared before the page goes back to the allocator; a reserved page on the free lists confuses every later user.

      The page allocator rejects it: \`BUG: Bad page state in process <comm>  pfn:…\` with \`page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set\` and \`reserved\` among the page flags; the page is then taken out of service.

      Clear the flag on every page you reserved before freeing:

      \`\`\`ts
      for (let i = 0; i < (1 << order); i++)
        ClearPageReserved(nth_page(page, i));
      __free_pages(page, order);
      \`\`\`
    `,
  },
  PG003: {
    title: "unbalanced kmap",
    summary: "kmap() without kunmap(), an unbalanced kunmap(), or the pkmap slots are exhausted.",
    static: true,
    dynamic: true,
    anchor: "kunmap_high BUG; smatch check_kunmap",
    message: "unbalanced kmap: {problem} [pfn={pfn}]",
    docs: `
      On 32-bit highmem systems \`kmap()\` takes one of a few hundred slots of the persistent kmap area (\`LAST_PKMAP\`) and counts its users. A missing \`kunmap()\` leaks the slot; when all are taken, the next \`kmap()\` sleeps until one is freed, which never happens, and the task hangs. An extra \`kunmap()\` drops the count of a mapping someone else still uses.

      \`kunmap_high()\` hits \`BUG_ON(!vaddr)\` for a page that is not kmapped, and \`BUG()\` when the count would drop to zero (\`kernel BUG at mm/highmem.c\`); exhausted slots show up as a hung task (\`INFO: task … blocked for more than 120 seconds\`). smatch's \`check_kunmap\` checks kmap/kunmap pairs statically.

      Pair each \`kmap()\` with one \`kunmap()\` on every path, or better use \`kmap_local_page()\` for short-lived mappings:

      \`\`\`ts
      const vaddr = kmap_local_page(page);
      memcpy(vaddr + off, src, n);
      kunmap_local(vaddr);
      \`\`\`
    `,
  },
  PG004: {
    title: "wrong argument to kunmap",
    summary:
      "kunmap() is given the address instead of the page, or kunmap_atomic() the page instead of the address.",
    static: true,
    dynamic: true,
    anchor: "smatch \"passing the wrong variable to kunmap()\"",
    message: "passing the wrong variable to {fn}: got {got}, expected {expected}",
    docs: `
      The two unmap calls take different arguments: \`kunmap(page)\` takes the \`struct page\`, while \`kunmap_atomic(addr)\` and \`kunmap_local(addr)\` take the address the map call returned. Passing the other one unmaps the wrong slot or none, leaving the real mapping behind (PG003).

      smatch warns \`passing the wrong variable to kunmap()\`; at run time the result is a \`kunmap_high()\` BUG or a warning from the kmap_local code.

      \`\`\`ts
      const a = kmap(page);
      kunmap(page);            // the page, not a
      const b = kmap_atomic(page);
      kunmap_atomic(b);        // the address, not page
      \`\`\`
    `,
  },
  PG005: {
    title: "atomic/local kmap misuse",
    summary:
      "kmap_atomic()/kmap_local_page() mappings are not released in LIFO order, or the task sleeps while holding a kmap_atomic() mapping.",
    static: true,
    dynamic: true,
    anchor: "Documentation/mm/highmem.rst",
    message: "kmap_atomic/kmap_local misuse: {problem} [address={addr}]",
    docs: `
      Atomic and local kmaps use a small per-CPU (per-task for \`kmap_local\`) stack of fixmap slots. \`Documentation/mm/highmem.rst\`: nesting is allowed "but their invocations have to be strictly ordered because the map implementation is stack based". Unmapping out of order releases the wrong slot. \`kmap_atomic()\` also disables preemption and page faults until \`kunmap_atomic()\`, so sleeping inside it is a bug; \`kmap_local_page()\` does not disable preemption, but its address is valid only in the thread that mapped it.

      Out-of-order unmaps trip a \`WARN_ON_ONCE\` in \`kunmap_local_indexed()\`; sleeping under \`kmap_atomic()\` gives \`BUG: sleeping function called from invalid context\` or \`BUG: scheduling while atomic\`.

      Unmap in reverse order of mapping, and do nothing that sleeps in between:

      \`\`\`ts
      const src = kmap_local_page(src_page);
      const dst = kmap_local_page(dst_page);
      memcpy(dst, src, PAGE_SIZE);
      kunmap_local(dst);       // last mapped, first unmapped
      kunmap_local(src);
      \`\`\`
    `,
  },
  PG006: {
    title: "logical address of a highmem page",
    summary: "page_address() or __va() is used on a high-memory page that has no kmap.",
    static: true,
    dynamic: true,
    anchor: "LDD3 rule: high memory has no logical address",
    message: "{fn} of high-memory page [pfn={pfn}], which has no kernel logical address",
    docs: `
      Only low memory is permanently mapped in the kernel's linear map (LDD3: "high memory … does not have logical addresses"). For a highmem page that is not currently kmapped, \`page_address()\` returns NULL, and \`__va(page_to_phys(page))\` computes an address beyond the linear map that points at unrelated kernel memory or nowhere.

      Linux prints nothing at the call; the later access oopses with \`BUG: kernel NULL pointer dereference\` or \`unable to handle page fault\`, or silently corrupts memory.

      Map the page for the duration of the access; \`kmap_local_page()\` also works for low-memory pages:

      \`\`\`ts
      const vaddr = kmap_local_page(page);      // not page_address(page)
      memset(vaddr, 0, PAGE_SIZE);
      kunmap_local(vaddr);
      \`\`\`
    `,
  },
  PG007: {
    title: "get_user_pages misuse",
    summary:
      "get_user_pages() is called without mmap_read_lock(), the pages are never released, or pages the device wrote are released without set_page_dirty().",
    static: true,
    dynamic: true,
    anchor: "LDD3; pin_user_pages.rst (get/put vs pin/unpin pairing)",
    message: "get_user_pages misuse: {problem} [user address={addr}] [pages={count}]",
    docs: `
      \`get_user_pages()\` walks the caller's VMAs and must run under \`mmap_read_lock(current->mm)\`; each returned page carries a reference that must be dropped with \`put_page()\`, or it is leaked forever. Pages obtained with \`pin_user_pages()\` must be released with \`unpin_user_page()\`, never \`put_page()\` (\`Documentation/core-api/pin_user_pages.rst\`). Pages that were written by DMA or the kernel must be marked dirty before release, or the VM may discard the new data as clean.

      Linux has no single message: lockdep or \`mmap_assert_locked()\` complains about the missing lock, leaked pages show up as memory that never comes back, and the missing dirty bit as data loss in page-cache-backed memory.

      \`\`\`ts
      mmap_read_lock(current.mm!);
      const n = get_user_pages(uaddr, npages, FOLL_WRITE, pages);
      mmap_read_unlock(current.mm!);
      // ... device writes into the pages ...
      for (let i = 0; i < n; i++) {
        set_page_dirty_lock(pages[i]);
        put_page(pages[i]);
      }
      \`\`\`
    `,
  },
  PG008: {
    title: "virt_to_bus/bus_to_virt used",
    summary: "virt_to_bus() or bus_to_virt() is used.",
    static: true,
    dynamic: false,
    anchor: "LDD3: discouraged, breaks with IOMMUs and bounce buffers",
    message: "{fn} used: it bypasses the DMA API and breaks with IOMMUs and bounce buffers",
    docs: `
      \`virt_to_bus()\` assumes the bus address of memory is a fixed offset from its physical address. That is false behind an IOMMU, when a buffer must be bounced, and on systems with DMA offsets; the interfaces were deprecated for decades (LDD3 already discouraged them) and have since been removed from most architectures.

      There is nothing to print: the device simply DMAs to the wrong address (see DMA024).

      Use the DMA API, which returns the right bus address and sets up whatever translation is needed:

      \`\`\`ts
      const dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);   // not virt_to_bus(buf)
      if (dma_mapping_error(dev, dma))
        return -ENOMEM;
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- MM
  MM001: {
    title: "remap_pfn_range of unreserved RAM",
    summary: "remap_pfn_range() maps ordinary RAM that is not reserved.",
    static: true,
    dynamic: true,
    anchor: "LDD3: only reserved pages and addresses above the top of RAM",
    message: "remap_pfn_range of ordinary RAM that is not reserved [pfn={pfn}] [user address={addr}]",
    docs: `
      \`remap_pfn_range()\` builds raw page-table entries (\`VM_PFNMAP\`) and takes no page references. That is right for device memory and for reserved pages, which the memory manager never reuses, but for ordinary RAM nothing keeps the page alive: when the driver frees it, the process still maps it and reads or writes whatever the page is used for next. LDD3: it gives access only to "reserved pages and physical addresses above the top of physical memory".

      Linux does not check this; the result is memory corruption after the buffer is freed (see MM008).

      Insert RAM pages with \`vm_insert_page()\` (or \`vm_map_pages()\`), which takes a reference per page, or serve them from a \`fault\` handler; the older alternative is to \`SetPageReserved()\` them for the lifetime of the mapping (and clear it before freeing, PG002):

      \`\`\`ts
      for (let i = 0; i < npages; i++) {
        const err = vm_insert_page(vma, vma.vm_start + i * PAGE_SIZE, priv.pages[i]);
        if (err)
          return err;
      }
      \`\`\`
    `,
  },
  MM002: {
    title: "mmap request not bounds-checked",
    summary:
      "The mmap handler does not check the requested size and offset against the object (the offset + size overflow and missing-bound pattern of CVE-2018-8781, CVE-2013-2596, CVE-2013-6763).",
    static: true,
    dynamic: true,
    beyond: true,
    anchor: "beyond: no Linux checker finds it statically",
    message: "mmap not bounds-checked: offset {offset} + size {size} exceeds the {limit}-byte {object}",
    docs: `
      The mmap handler gets an offset (\`vma->vm_pgoff\`) and a length (\`vma->vm_end - vma->vm_start\`) chosen by user space. If it maps them without checking them against the buffer, or checks \`offset + size > len\` where the sum can overflow, a process maps memory beyond the object: other kernel memory, page tables, or all of physical RAM. This is the bug behind CVE-2018-8781 (udl framebuffer), CVE-2013-2596 (\`fb_mmap\` overflow) and CVE-2013-6763 (uio).

      No Linux checker finds it; the kernel maps what it is asked to. Faultline checks the handler statically and watches each mapping against the object it came from.

      Check with arithmetic that cannot overflow:

      \`\`\`ts
      const off = vma.vm_pgoff << PAGE_SHIFT;
      const size = vma.vm_end - vma.vm_start;
      if (off >= priv.len || size > priv.len - off)
        return -EINVAL;
      \`\`\`
    `,
  },
  MM003: {
    title: "user-controlled physical address",
    summary: "A user-controlled physical address reaches remap_pfn_range() (CVE-2013-2595).",
    static: true,
    dynamic: false,
    beyond: true,
    anchor: "beyond",
    message: "user-controlled value {source} reaches the pfn argument of {fn}",
    docs: `
      If the pfn given to \`remap_pfn_range()\` comes from user space (\`vma->vm_pgoff\` used as a physical page number, or an address passed in by ioctl) without being confined to the device's own region, any process that can open the device can map any physical memory, including the kernel. This is the pattern of CVE-2013-2595.

      No Linux checker finds it. Faultline's language server follows user-controlled values (\`vm_pgoff\`, ioctl arguments, data from \`copy_from_user()\`) into the pfn argument.

      Use the offset only as an offset into a region the driver owns, after bounds-checking it (MM002):

      \`\`\`ts
      const pfn = (priv.phys_base >> PAGE_SHIFT) + vma.vm_pgoff;    // relative to our region
      return remap_pfn_range(vma, vma.vm_start, pfn, size, vma.vm_page_prot);
      \`\`\`
    `,
  },
  MM004: {
    title: "fault page returned without a reference",
    summary: "A fault handler returns a page without taking a reference to it.",
    static: true,
    dynamic: true,
    anchor: "LDD3: get_page in fault",
    message: "fault handler returned page [pfn={pfn}] for user address {addr} without taking a reference",
    docs: `
      When a \`fault\` handler returns a page in \`vmf->page\`, the core maps it and, when the mapping goes away, drops a reference to it. The handler must therefore take that reference with \`get_page()\` (LDD3's \`nopage\` example does the same). Without it the count underflows at unmap and the page is freed while the driver still owns it (PG001).

      Linux reports it late, when the driver frees the page it believes it still owns: a refcount underflow (\`VM_BUG_ON_PAGE(page_ref_count(page) == 0)\` with \`CONFIG_DEBUG_VM\`) or \`BUG: Bad page state\`; without debugging the page is silently reused while still in use.

      \`\`\`ts
      function mydev_vma_fault(vmf: vm_fault): vm_fault_t {
        const page = vmalloc_to_page(priv.buf + vmf.pgoff * PAGE_SIZE);
        if (!page)
          return VM_FAULT_SIGBUS;
        get_page(page);
        vmf.page = page;
        return 0;
      }
      \`\`\`
    `,
  },
  MM005: {
    title: "unaligned or partial remap",
    summary:
      "remap_pfn_range() is given an unaligned address or size, or a copy-on-write mapping is remapped only in part.",
    static: true,
    dynamic: true,
    anchor: "WARN_ON_ONCE(!PAGE_ALIGNED(addr)), -EINVAL",
    message: "{fn}: {problem} [addr={addr}] [size={size}] [vma={vm_start}-{vm_end}]",
    docs: `
      \`remap_pfn_range()\` works in whole pages: the user address must be page-aligned, and the size is rounded up to a page multiple, so an unaligned size exposes the rest of the last page. For a private, writable (copy-on-write) mapping it records the pfn in \`vm_pgoff\`, which only works if the whole VMA is remapped in one call.

      \`remap_pfn_range()\` warns with \`WARN_ON_ONCE(!PAGE_ALIGNED(addr))\` and returns \`-EINVAL\`; a partial remap of a COW mapping also returns \`-EINVAL\`.

      Remap whole pages covering the whole VMA, and refuse private writable mappings of device memory:

      \`\`\`ts
      if (!(vma.vm_flags & VM_SHARED))
        return -EINVAL;
      return remap_pfn_range(vma, vma.vm_start, pfn, vma.vm_end - vma.vm_start, vma.vm_page_prot);
      \`\`\`
    `,
  },
  MM006: {
    title: "page insert into an unsuitable VMA",
    summary:
      "vm_insert_page() or vmf_insert_pfn() is used on a VMA with the wrong VM_PFNMAP/VM_MIXEDMAP flags, or outside the VMA.",
    static: false,
    dynamic: true,
    anchor: "BUG_ON in mm/memory.c",
    message: "{fn}: {problem} [addr={addr}] [vm_flags={vm_flags}] [vma={vm_start}-{vm_end}]",
    docs: `
      The insert helpers maintain different kinds of VMA: \`vmf_insert_pfn()\` needs a \`VM_PFNMAP\` (or \`VM_MIXEDMAP\`) VMA, never both, and not a COW \`VM_PFNMAP\` one; \`vm_insert_page()\` must not be used on a \`VM_PFNMAP\` VMA and converts others to \`VM_MIXEDMAP\`. Mixing them makes the VM treat raw pfns as refcounted pages or the reverse. An address outside \`[vm_start, vm_end)\` is refused.

      \`mm/memory.c\` enforces the flag rules with \`BUG_ON()\`, e.g. \`BUG_ON(!(vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP)))\` in \`vmf_insert_pfn_prot()\`, giving \`kernel BUG at mm/memory.c\`; an out-of-range address returns \`-EFAULT\` or \`VM_FAULT_SIGBUS\`.

      Decide in \`mmap\` which kind of VMA it is and use the matching helper in \`fault\`:

      \`\`\`ts
      // in mmap:
      vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
      // in fault:
      return vmf_insert_pfn(vmf.vma, vmf.address, priv.base_pfn + vmf.pgoff);
      \`\`\`
    `,
  },
  MM007: {
    title: "device memory mapped cacheable",
    summary: "Device memory is mapped to user space without pgprot_noncached() or VM_IO (CVE-2004-1057).",
    static: true,
    dynamic: true,
    anchor: "LDD3; the CVE",
    message: "device memory [pfn={pfn}] mapped to user space without {missing}",
    docs: `
      Device registers and device memory must not be cached: a cached mapping lets the CPU serve reads from stale lines and hold writes back, so the device never sees them or sees them late and merged. The VMA must also be marked \`VM_IO\` so that core dumps, \`get_user_pages()\` and friends leave it alone; CVE-2004-1057 was drivers that did not, leading to bad reference counts on pages that were not normal RAM.

      Linux does not warn: the result is a device that misbehaves depending on the CPU's cache mode.

      Use \`pgprot_noncached()\` (or \`pgprot_writecombine()\` for framebuffers); \`remap_pfn_range()\` and \`io_remap_pfn_range()\` set \`VM_IO | VM_PFNMAP\` themselves, and \`vm_iomap_memory()\` adds the bounds checks of MM002:

      \`\`\`ts
      vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot);
      return io_remap_pfn_range(vma, vma.vm_start, priv.bar_pfn, size, vma.vm_page_prot);
      \`\`\`
    `,
  },
  MM008: {
    title: "backing memory freed under a live mapping",
    summary: "The memory backing a user mapping is freed while the mapping is still live (CVE-2020-12888).",
    static: false,
    dynamic: true,
    anchor: "dma_mmap_attrs docs",
    message: "{object} freed while still mapped into user space [user address={addr}] [process={process}]",
    docs: `
      A user mapping outlives \`close()\`: the process keeps it until \`munmap()\` or exit, and \`fork()\` copies it. If the driver frees the buffer in \`release()\` or on device removal while a mapping is still live, the process reads and writes memory that has been given to someone else. Mappings of coherent DMA memory made with \`dma_mmap_coherent()\` have the same constraint: the buffer must stay allocated for as long as any mapping exists. CVE-2020-12888 (vfio-pci) belongs to this family of mappings outliving what backs them.

      Linux does not detect it; the result is a use after free from user space.

      Tie the buffer's lifetime to the mappings: take a reference in \`vm_ops->open\` (and in \`mmap\`, see MM009), drop it in \`vm_ops->close\`, and free only when the last one goes:

      \`\`\`ts
      function mydev_vma_open(vma: vm_area_struct): void { kref_get(priv.ref); }
      function mydev_vma_close(vma: vm_area_struct): void { kref_put(priv.ref, mydev_free_buffer); }
      \`\`\`
    `,
  },
  MM009: {
    title: "relying on vm_ops->open for the first mapping",
    summary: "The driver relies on vm_ops->open being called for the first mapping; it is not called on the initial mmap.",
    static: true,
    dynamic: false,
    anchor: "LDD3",
    message: "{handler} relies on vm_ops->open, which mmap does not call for the first mapping",
    docs: `
      \`vm_ops->open\` is called when a VMA is duplicated (\`fork()\`) or split, not when the driver's \`mmap\` creates it. Work done only in \`open\` (taking a reference, counting users) is therefore missing for the first mapping, while \`close\` is called for every VMA, so the counts go negative and the buffer is released too early (MM008).

      Linux prints nothing. LDD3 makes the point with its \`simple\` driver, whose \`mmap\` calls its own \`open\` method explicitly because the kernel does not invoke it for the initial mapping.

      \`\`\`ts
      function simple_remap_mmap(filp: file, vma: vm_area_struct): number {
        if (remap_pfn_range(vma, vma.vm_start, vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot))
          return -EAGAIN;
        vma.vm_ops = simple_remap_vm_ops;
        simple_vma_open(vma);                   // open() is not called for this first mapping
        return 0;
      }
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- CTX
  CTX001: {
    title: "sleeping in atomic context",
    summary:
      "A call that may sleep (a GFP_KERNEL allocation, kmap(), a mutex, copy_to_user()) is made in interrupt or atomic context.",
    static: true,
    dynamic: true,
    anchor: "might_sleep() \"BUG: sleeping function called from invalid context\"",
    message: "sleeping function {fn} called from invalid context ({context})",
    docs: `
      Interrupt handlers, softirqs, and code holding a spinlock or a \`kmap_atomic()\` mapping, or running with preemption or interrupts disabled, must not sleep: there is no task to put to sleep, or sleeping with the lock held deadlocks. \`GFP_KERNEL\` allocations may sleep to reclaim memory, \`kmap()\` may wait for a slot, \`mutex_lock()\` waits for the owner, and \`copy_to_user()\` may fault in a user page.

      Functions that may sleep call \`might_sleep()\`, which with \`CONFIG_DEBUG_ATOMIC_SLEEP\` prints \`BUG: sleeping function called from invalid context at <file>:<line>\` and \`in_atomic(): 1, irqs_disabled(): …, non_block: 0, pid: …, name: …\`.

      In atomic context use the non-sleeping variants (\`GFP_ATOMIC\`, \`kmap_local_page()\`, spinlocks), or move the work to process context:

      \`\`\`ts
      function my_irq(irq: number, priv: MyPriv): irqreturn_t {
        const ev = kmalloc(EV_LEN, GFP_ATOMIC);    // not GFP_KERNEL
        if (ev)
          queue_event(priv, ev);
        schedule_work(priv.work);                 // copy_to_user() happens there
        return IRQ_HANDLED;
      }
      \`\`\`
    `,
  },
  CTX002: {
    title: "user copy with a bad address",
    summary:
      "copy_to_user() or copy_from_user() is called with an address that was not checked as a user address, or with a kernel address.",
    static: true,
    dynamic: true,
    anchor: "sparse __user",
    message: "{fn} with a {problem} user pointer {addr}",
    docs: `
      A pointer from user space must only be touched through the user-access functions, which check with \`access_ok()\` that it lies in user space and handle faults. The unchecked variants (\`__copy_to_user()\`, \`__get_user()\`) skip the range check, so a malicious address makes the kernel read or write its own memory; passing a kernel pointer as the user pointer is the same bug from the other side. The copies can also fail part-way and return the number of bytes not copied, which must be checked.

      sparse marks user pointers \`__user\` and warns \`incorrect type in argument 1 (different address spaces)\` (expected \`void [noderef] __user *to\`) when kernel and user pointers are mixed.

      Use the checking functions on the \`__user\` pointer you were given, and turn a short copy into \`-EFAULT\`:

      \`\`\`ts
      function mydev_read(filp: file, ubuf: __user_ptr, count: number, ppos: loff_t): number {
        const n = Math.min(count, priv.len);
        if (copy_to_user(ubuf, priv.buf, n))
          return -EFAULT;
        return n;
      }
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- LOCK
  LOCK001: {
    title: "recursive locking",
    summary: "A task takes a spinlock or mutex it already holds (or an interrupt handler takes one the code it interrupted holds): it deadlocks.",
    static: false,
    dynamic: true,
    anchor: "lockdep \"WARNING: possible recursive locking detected\"",
    message: "possible recursive locking detected: {task} is trying to acquire lock {lock} in {fn}, but already holds it",
    docs: `
      Neither a spinlock nor a mutex can be taken twice by the same holder: a spinlock spins forever on the CPU that holds it, a mutex puts its own owner to sleep with nobody left to wake it. The usual causes are a helper that takes the lock called from a path that already has it, and an interrupt handler taking a lock that process context holds with interrupts enabled.

      lockdep (\`CONFIG_PROVE_LOCKING\`) prints \`WARNING: possible recursive locking detected\`, the lock being acquired and the one already held (with where each was taken), the \`lock(A); lock(A);\` scenario and \`*** DEADLOCK ***\`. Faultline then ends the call, since the task can never go on.

      Take the lock in one place only, and give helpers that run under it a \`_locked\` variant that does not take it:

      \`\`\`ts
      function scull_trim_locked(dev: scull_dev): void {
        // called with dev.lock held
        dev.size = 0;
      }
      function scull_trim(dev: scull_dev): void {
        mutex_lock(dev.lock);
        scull_trim_locked(dev);
        mutex_unlock(dev.lock);
      }
      \`\`\`
    `,
  },
  LOCK002: {
    title: "unlock of a lock not held",
    summary: "A spinlock or mutex is released that the task does not hold: unlocked twice, or on an error path that never took it.",
    static: false,
    dynamic: true,
    anchor: "lockdep \"WARNING: bad unlock balance detected!\"",
    message: "bad unlock balance detected: {task} is trying to release lock ({lock}) in {fn}, but there are no more locks to release",
    docs: `
      Releasing a lock that is not held corrupts it: a spinlock becomes free while its real holder is still inside, a mutex's owner and wait list no longer agree. It usually comes from an error path that jumps to a label doing the unlock before the lock was taken, or from unlocking in both a helper and its caller.

      lockdep prints \`WARNING: bad unlock balance detected!\` with \`… is trying to release lock (…) at: …\` and \`but there are no more locks to release!\`.

      Unwind in the reverse order of taking, with one label per step:

      \`\`\`ts
      function mydev_write(filp: file, ubuf: number, count: number, ppos: Ref<number>): number {
        const dev: mydev = filp.private_data;
        if (mutex_lock_interruptible(dev.lock))
          return -ERESTARTSYS;          // not holding it: do not unlock
        const ret = copy_from_user(dev.buf, ubuf, count) ? -EFAULT : count;
        mutex_unlock(dev.lock);
        return ret;
      }
      \`\`\`
    `,
  },
  LOCK003: {
    title: "lock held on return",
    summary: "A system call, fault, module init or work item returns with a spinlock or mutex still held (or with interrupts or softirqs still disabled).",
    static: false,
    dynamic: true,
    anchor: "lockdep \"WARNING: lock held when returning to user space!\"",
    message: "{task} is leaving {fn} with locks still held: {lock}",
    docs: `
      A lock must be released on every path out of the function that took it. Left held on the way back to user space, the next caller deadlocks (a mutex: the next \`read()\` hangs in \`mutex_lock()\`; a spinlock: the CPU also runs with preemption off from then on). The usual cause is an early \`return -EFAULT\` or \`return -ENOMEM\` between the lock and the unlock.

      lockdep prints \`WARNING: lock held when returning to user space!\` and \`… is leaving the kernel with locks still held!\` with the held locks; a work item that leaks one gives \`BUG: workqueue leaked atomic, lock or RCU\`, a timer \`timer: … preempt leak\`. The report names where the lock was taken: the fix is on a return path after it.

      Route every exit after the lock through the unlock:

      \`\`\`ts
      function mydev_read(filp: file, ubuf: number, count: number, ppos: Ref<number>): number {
        const dev: mydev = filp.private_data;
        let ret: number;
        spin_lock(dev.lock);
        ret = Math.min(count, dev.len);
        dev.len -= ret;
        spin_unlock(dev.lock);          // before copy_to_user(), which may sleep
        if (copy_to_user(ubuf, dev.buf, ret))
          return -EFAULT;
        return ret;
      }
      \`\`\`
    `,
  },
  LOCK004: {
    title: "inconsistent lock order (ABBA)",
    summary: "Two locks are taken in one order on one path and in the other order on another: two tasks (or a task and an interrupt) can each hold one and wait for the other.",
    static: false,
    dynamic: true,
    anchor: "lockdep \"WARNING: possible circular locking dependency detected\"",
    message: "possible circular locking dependency detected: {task} is trying to acquire lock {lock} in {fn} while holding {held_lock}, which already depends on the new lock",
    docs: `
      If one path takes A then B and another takes B then A, two CPUs (or a task preempted between the two) can each hold one lock and wait forever for the other. The deadlock needs unlucky timing, so testing rarely hits it; lockdep finds it from the order alone, the first time both orders have been seen, whether or not the deadlock happened.

      lockdep prints \`WARNING: possible circular locking dependency detected\`, \`which lock already depends on the new lock\`, the existing dependency chain with the stack where each order was first taken, and the two-CPU \`lock(A); lock(B);\` scenario.

      Pick one order for every pair of locks, document it, and keep to it on every path:

      \`\`\`ts
      // Lock order: dev.cfg_lock, then dev.ring_lock.
      function mydev_reconfigure(dev: mydev): void {
        mutex_lock(dev.cfg_lock);
        spin_lock_irq(dev.ring_lock);
        dev.ring_size = dev.new_size;
        spin_unlock_irq(dev.ring_lock);
        mutex_unlock(dev.cfg_lock);
      }
      \`\`\`
    `,
  },
  LOCK005: {
    title: "lock taken in interrupt context and with interrupts enabled",
    summary: "A spinlock is taken in an interrupt handler (or a timer or tasklet) and elsewhere with plain spin_lock(), interrupts (or softirqs) still enabled: the interrupt can arrive while it is held and spin on it forever.",
    static: false,
    dynamic: true,
    anchor: "lockdep \"WARNING: inconsistent lock state\"",
    message: "inconsistent {problem} usage: {task} takes {lock} in {fn}",
    docs: `
      A lock shared with an interrupt handler must be taken with interrupts off everywhere else (\`spin_lock_irqsave()\`), and one shared with a timer or tasklet with softirqs off (\`spin_lock_bh()\`). Otherwise the interrupt can arrive on the CPU that holds the lock, and its handler spins on a lock that will never be released.

      lockdep notices the first time a class has been used both ways, deadlock or not: \`WARNING: inconsistent lock state\`, \`inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.\` (or the SOFTIRQ pair), where the other state was registered, and the \`lock(A); <Interrupt> lock(A);\` scenario.

      In process context, take the lock with the variant that holds off the other context; the handler itself can use plain \`spin_lock()\`:

      \`\`\`ts
      function mydev_irq(irq: number, dev: mydev): irqreturn_t {
        spin_lock(dev.lock);                 // interrupts are already off here
        dev.events++;
        spin_unlock(dev.lock);
        return IRQ_HANDLED;
      }
      function mydev_read_events(dev: mydev): number {
        const flags = spin_lock_irqsave(dev.lock);
        const n = dev.events;
        spin_unlock_irqrestore(dev.lock, flags);
        return n;
      }
      \`\`\`
    `,
  },

  // ---------------------------------------------------------------- IRQ
  IRQ001: {
    title: "interrupt storm",
    summary: "An interrupt line keeps firing: its handlers do not handle it (IRQ_NONE) or acknowledge it, or a handler raises the line again on every interrupt. The kernel disables the line.",
    static: false,
    dynamic: true,
    anchor: "note_interrupt() \"irq N: nobody cared\", \"Disabling IRQ #N\"",
    message: "irq {irq} disabled: {why}",
    docs: `
      A level-triggered line stays asserted until the device is told the interrupt was seen. A handler that returns \`IRQ_NONE\` for interrupts its device did raise, or that never writes the device's acknowledge register, leaves the line high, and the CPU is interrupted again as soon as it returns; a handler that raises its own line again (writing the device's "raise" register) does the same on purpose.

      Linux counts in \`note_interrupt()\`: when more than 99,900 of 100,000 interrupts on a line were unhandled it prints \`irq N: nobody cared (try booting with the "irqpoll" option)\`, the stack, the \`handlers:\` of the line and \`Disabling IRQ #N\`, and the device falls silent. Faultline reports the same, and also a line raised again by its own handler 100,000 times in a row (which a real CPU would never leave).

      Acknowledge in the device what raised the interrupt, and return \`IRQ_NONE\` only when it was not your device's:

      \`\`\`ts
      const MYDEV_IRQ_STATUS = 0x24, MYDEV_IRQ_ACK = 0x64;
      function mydev_irq(irq: number, dev: mydev): irqreturn_t {
        const status = ioread32(dev.regs + MYDEV_IRQ_STATUS);
        if (!status)
          return IRQ_NONE;                   // a shared line: another device's interrupt
        iowrite32(status, dev.regs + MYDEV_IRQ_ACK);
        return IRQ_HANDLED;
      }
      \`\`\`
    `,
  },
};

function categoryOf(id: RuleId): RuleCategory {
  const prefix = id.replace(/\d+$/, "");
  switch (prefix) {
    case "DMA":
    case "MEM":
    case "PG":
    case "MM":
    case "CTX":
    case "LOCK":
    case "IRQ":
      return prefix;
    default:
      throw new Error(`rule id ${id} has no known category`);
  }
}

function buildRule(id: RuleId): Rule {
  const def = DEFS[id];
  // The docs are dedented when first read: only the docs page, hovers and explanations read them, and every
  // process that loads the catalogue (the driver host among them, on the way to a driver's first line) would
  // otherwise dedent every rule's page at start-up.
  let docs: string | undefined;
  return Object.freeze({
    id,
    category: categoryOf(id),
    title: def.title,
    summary: def.summary,
    static: def.static,
    dynamic: def.dynamic,
    beyond: def.beyond ?? false,
    anchor: def.anchor,
    message: def.message,
    get docs(): string {
      return (docs ??= dedent(def.docs));
    },
  });
}

/** Every rule, in catalogue order. Frozen: the array and each rule. */
export const RULES: readonly Rule[] = Object.freeze(RULE_IDS.map(buildRule));

const BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));

export function isRuleId(s: string): s is RuleId {
  return BY_ID.has(s);
}

export function getRule(id: RuleId): Rule {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown rule id ${JSON.stringify(id)}`);
  return rule;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Placeholder names used by a message template, in order of first use. */
export function placeholdersOf(template: string): readonly string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Placeholder names of a rule's message. */
export function ruleMessageParams(id: RuleId): readonly string[] {
  return placeholdersOf(getRule(id).message);
}

/**
 * Fills `{name}` placeholders of a template from params. A placeholder with no
 * param stays visible as "{name}" rather than throwing.
 */
export function fillTemplate(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** The rule's message with its placeholders filled from params. */
export function formatRuleMessage(id: RuleId, params: Readonly<Record<string, string | number>>): string {
  return fillTemplate(getRule(id).message, params);
}
