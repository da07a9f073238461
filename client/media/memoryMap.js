// The memory map's page script (no framework, no inline code: the CSP allows
// this file by nonce only). It draws what the extension posts: frames by
// state on a canvas, and the process's VMAs on a log scale.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const STATES = [
    ["free", /free|buddy|untouched/i],
    ["slab", /slab|kmalloc|kmem/i],
    ["vmalloc", /vmalloc/i],
    ["dma", /dma|device|coherent|swiotlb/i],
    ["user", /user|anon|file|page ?cache|mapped/i],
    ["highmem", /high/i],
    ["reserved", /reserv|hole|bios|kernel image/i],
    ["kernel", /kernel|alloc|page|table|memmap|mem_map/i],
  ];
  const LABELS = { free: "free", kernel: "kernel (page allocator)", slab: "kernel: slab", vmalloc: "vmalloc", user: "user", reserved: "reserved", dma: "device-owned DMA", highmem: "high memory", other: "other" };
  const stateOf = (owner) => { for (const [s, re] of STATES) if (re.test(owner)) return s; return "other"; };
  const colour = (s) => getComputedStyle(document.documentElement).getPropertyValue(`--fl-${s}`).trim() || "#888";
  const hex = (n) => "0x" + n.toString(16);
  const tooltip = $("tooltip");
  let cells = /** @type {{start:number,count:number,counts:Record<string,number>,state:string}[]} */ ([]);
  let grid = { cols: 1, px: 6 };
  let map = null;

  function showTip(ev, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = Math.min(ev.clientX + 12, window.innerWidth - tooltip.offsetWidth - 4) + "px";
    tooltip.style.top = ev.clientY + 14 + "px";
  }
  const hideTip = () => { tooltip.hidden = true; };

  function zoneOf(pfn) {
    return map.zones.find((z) => pfn >= z.startPfn && pfn < z.endPfn);
  }

  function drawPhysical() {
    const end = Math.max(1, ...map.zones.map((z) => z.endPfn));
    const canvas = /** @type {HTMLCanvasElement} */ ($("frames"));
    const width = Math.max(200, canvas.clientWidth || document.body.clientWidth - 24);
    const maxCells = 16384;
    const per = Math.max(1, Math.ceil(end / maxCells));
    const n = Math.ceil(end / per);
    const px = Math.max(3, Math.min(12, Math.floor(Math.sqrt((width * 360) / n))));
    const cols = Math.max(1, Math.floor(width / px));
    grid = { cols, px };
    cells = [];
    for (let i = 0; i < n; i++) cells.push({ start: i * per, count: Math.min(per, end - i * per), counts: {}, state: "free" });
    // Frames no run covers are the untouched part of mem_map: free at boot.
    const covered = new Float64Array(n);
    for (const r of map.runs) {
      const s = stateOf(r.owner);
      let pfn = r.startPfn;
      const stop = r.startPfn + r.count;
      while (pfn < stop) {
        const ci = Math.floor(pfn / per);
        if (ci >= n) break;
        const cellEnd = (ci + 1) * per;
        const k = Math.min(stop, cellEnd) - pfn;
        const key = r.owner;
        cells[ci].counts[key] = (cells[ci].counts[key] || 0) + k;
        covered[ci] += k;
        pfn += k;
      }
      void s;
    }
    for (let i = 0; i < n; i++) {
      const c = cells[i];
      const rest = c.count - covered[i];
      if (rest > 0) c.counts["free (untouched)"] = (c.counts["free (untouched)"] || 0) + rest;
      // The state that owns most of the cell's frames; any DMA-owned frame shows, it is what people look for.
      let best = "free", bestN = -1;
      for (const [owner, k] of Object.entries(c.counts)) {
        const s = stateOf(owner);
        const weight = s === "dma" ? k * c.count : k;
        if (weight > bestN) { best = s; bestN = weight; }
      }
      c.state = best;
    }
    const rows = Math.ceil(n / cols);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = cols * px * dpr;
    canvas.height = rows * px * dpr;
    canvas.style.height = rows * px + "px";
    canvas.style.width = cols * px + "px";
    const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    g.scale(dpr, dpr);
    const palette = {};
    for (const s of Object.keys(LABELS)) palette[s] = colour(s);
    for (let i = 0; i < n; i++) {
      g.fillStyle = palette[cells[i].state];
      g.fillRect((i % cols) * px, Math.floor(i / cols) * px, px - (px > 4 ? 1 : 0), px - (px > 4 ? 1 : 0));
    }
    // Legend: every state present, with its frame count.
    const totals = {};
    for (const c of cells) for (const [o, k] of Object.entries(c.counts)) totals[stateOf(o)] = (totals[stateOf(o)] || 0) + k;
    const legend = $("legend");
    legend.textContent = "";
    for (const s of Object.keys(LABELS)) {
      if (!totals[s]) continue;
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = palette[s];
      li.append(sw, `${LABELS[s]}: ${totals[s]} frames`);
      legend.append(li);
    }
    const zones = $("zones");
    zones.textContent = "";
    for (const z of map.zones) {
      const d = document.createElement("div");
      d.className = "zone";
      const b = document.createElement("b");
      b.textContent = z.name;
      d.append(b, ` pfn ${hex(z.startPfn)}–${hex(z.endPfn - 1)} · ${z.free} free of ${z.endPfn - z.startPfn}`);
      zones.append(d);
    }
    $("summary").textContent = `${map.arch} · ${(map.memBytes / 1048576).toFixed(0)} MiB · ${per} frame${per === 1 ? "" : "s"} per cell`;
    canvas.dataset.cells = String(n);
    $("physical").hidden = false;
  }

  function cellAt(ev) {
    const canvas = /** @type {HTMLCanvasElement} */ ($("frames"));
    const r = canvas.getBoundingClientRect();
    const i = Math.floor((ev.clientY - r.top) / grid.px) * grid.cols + Math.floor((ev.clientX - r.left) / grid.px);
    return cells[i];
  }

  function describeCell(c) {
    const z = zoneOf(c.start);
    const lines = [`PFN ${hex(c.start)}${c.count > 1 ? `–${hex(c.start + c.count - 1)} (${c.count} frames)` : ""}${z ? ` · zone ${z.name}` : ""}`, `phys ${hex(c.start * 4096)}`];
    for (const [o, k] of Object.entries(c.counts).sort((a, b) => b[1] - a[1])) lines.push(`  ${o}: ${k}`);
    lines.push("click: open in the memory inspector");
    return lines.join("\n");
  }

  const log2 = (x) => Math.log(Math.max(1, x)) / Math.LN2;

  function drawProcess() {
    const p = map.process;
    const sec = $("process");
    if (!p || !p.vmas.length) { sec.hidden = true; return; }
    $("process-title").textContent = `Address space of ${p.comm} (pid ${p.pid})`;
    const box = $("vmas");
    box.textContent = "";
    const vmas = p.vmas.map((v) => ({ ...v, s: BigInt("0x" + v.start.replace(/^0x/, "")), e: BigInt("0x" + v.end.replace(/^0x/, "")) }));
    vmas.sort((a, b) => (a.s < b.s ? -1 : 1));
    // Heights on a log scale of the size: a 4 KiB page and a 128 TiB gap both fit on one screen.
    const h = (bytes) => Math.round(14 + 3 * log2(Number(bytes) / 4096));
    let prev = null;
    for (const v of vmas) {
      if (prev !== null && v.s > prev) {
        const gap = v.s - prev;
        const a = document.createElement("div"); a.className = "addr"; a.textContent = "";
        const g = document.createElement("div"); g.className = "seg gap"; g.style.height = h(gap) + "px"; g.textContent = `unmapped · ${size(gap)}`;
        box.append(a, g);
      }
      const a = document.createElement("div"); a.className = "addr"; a.textContent = v.start;
      const d = document.createElement("div");
      d.className = "seg vma" + (v.file && v.file.startsWith("/") ? " file" : v.file ? " special" : "");
      d.style.height = h(v.e - v.s) + "px";
      d.tabIndex = 0;
      d.textContent = `${v.perms} ${size(v.e - v.s)} ${v.file || "[anon]"} · ${v.present} present`;
      d.dataset.ref = v.memoryReference;
      d.addEventListener("mousemove", (ev) => showTip(ev, `${v.maps}\n${v.present} pages present\nclick: open in the memory inspector`));
      d.addEventListener("mouseleave", hideTip);
      d.addEventListener("click", () => vscode.postMessage({ type: "open", memoryReference: v.memoryReference }));
      box.append(a, d);
      prev = v.e;
    }
    sec.hidden = false;
  }

  function size(b) {
    const n = Number(b);
    const u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let i = 0, v = n;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return `${v % 1 ? v.toFixed(1) : v} ${u[i]}`;
  }

  const canvas = $("frames");
  canvas.addEventListener("mousemove", (ev) => { const c = cellAt(ev); if (c) showTip(ev, describeCell(c)); else hideTip(); });
  canvas.addEventListener("mouseleave", hideTip);
  canvas.addEventListener("click", (ev) => { const c = cellAt(ev); if (c) vscode.postMessage({ type: "open", memoryReference: `phys:${hex(c.start * 4096)}` }); });
  window.addEventListener("resize", () => { if (map) drawPhysical(); });

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (m.type === "map") {
      map = m.map;
      $("status").textContent = m.stop || "";
      drawPhysical();
      drawProcess();
      document.body.dataset.drawn = "true";
    } else if (m.type === "empty") {
      map = null;
      $("status").textContent = m.message;
      $("physical").hidden = true;
      $("process").hidden = true;
      document.body.dataset.drawn = "false";
    }
  });
  vscode.postMessage({ type: "ready" });
})();
