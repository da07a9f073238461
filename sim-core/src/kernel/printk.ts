// The kernel log: printk level prefixes, the record ring behind dmesg and
// /dev/kmsg, and the two text formats userspace reads it in. Semantics follow
// kernel/printk/printk.c (vprintk_store) and util-linux dmesg.

/** KERN_SOH ("\001"): the start-of-header byte that begins every log-level prefix. */
export const KERN_SOH = "\x01";
export const /** KERN_EMERG ("\0010"): level 0, the system is unusable. */ KERN_EMERG = "\x010", /** KERN_ALERT ("\0011"): level 1, action must be taken immediately. */ KERN_ALERT = "\x011", /** KERN_CRIT ("\0012"): level 2, critical conditions. */ KERN_CRIT = "\x012", /** KERN_ERR ("\0013"): level 3, error conditions (pr_err(), dev_err()). */ KERN_ERR = "\x013",
  /** KERN_WARNING ("\0014"): level 4, warning conditions (pr_warn()). */ KERN_WARNING = "\x014", /** KERN_NOTICE ("\0015"): level 5, normal but significant (pr_notice()). */ KERN_NOTICE = "\x015", /** KERN_INFO ("\0016"): level 6, informational (pr_info()). */ KERN_INFO = "\x016", /** KERN_DEBUG ("\0017"): level 7, debug messages (pr_debug()). */ KERN_DEBUG = "\x017",
  /** KERN_DEFAULT ("\001d"): use the default log level (CONFIG_MESSAGE_LOGLEVEL_DEFAULT, 4); newer kernels define it as "". */ KERN_DEFAULT = "\x01d", /** KERN_CONT ("\001c"): continues the previous line instead of starting a record. */ KERN_CONT = "\x01c";
export const DEFAULT_MESSAGE_LOGLEVEL = 4;

export type LogLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export interface LogRecord { seq: number; tsNs: number; level: LogLevel; facility: number; text: string } // one line, no trailing newline
export interface PrintkParse { level: LogLevel | undefined; cont: boolean; body: string }

/**
 * printk_parse_prefix(): strip every leading KERN_SOH pair. The first level
 * wins; KERN_CONT may be combined with a level (used only if the line cannot
 * be continued). KERN_DEFAULT is stripped without setting a level.
 */
export function parsePrintkPrefix(s: string): PrintkParse {
  let level: LogLevel | undefined;
  let cont = false;
  let i = 0;
  while (s[i] === KERN_SOH) {
    const c = s[i + 1];
    if (c !== undefined && c >= "0" && c <= "7") level ??= Number(c) as LogLevel;
    else if (c === "c") cont = true;
    else if (c !== "d") break; // not a level: SOH stays in the text, as in Linux
    i += 2;
  }
  return { level, cont, body: s.slice(i) };
}

// Per-record cost beyond the text, standing in for printk's descriptor + info.
const RECORD_OVERHEAD = 16;
/** PRINTKRB_RECORD_MAX: vprintk_store() cuts a record's text at this many bytes. */
export const PRINTK_RECORD_MAX = 1024;

export class LogBuffer {
  private ring: LogRecord[] = [];
  private head = 0; // ring[head] is the oldest record still present
  private used = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  // The newest record while it has no terminating newline: only a KERN_CONT
  // printk may extend it. Since Linux 4.9 a plain printk always starts a new line.
  private open: LogRecord | undefined;
  private readonly capacity: number;
  private readonly onRecord: ((r: LogRecord) => void) | undefined;

  constructor(opts: { capacityBytes: number; onRecord?: (r: LogRecord) => void }) {
    this.capacity = Math.max(RECORD_OVERHEAD, Math.floor(opts.capacityBytes));
    this.onRecord = opts.onRecord;
  }

  /**
   * Store one printk's formatted text. Each "\n" ends a line; every line
   * becomes its own record with the same timestamp and level. Prefixes are
   * parsed only for facility 0, as the kernel does (userspace writes to
   * /dev/kmsg keep their text verbatim).
   */
  write(text: string, tsNs: number, facility = 0): void {
    const { level, cont, body } = facility === 0 ? parsePrintkPrefix(text) : { level: undefined, cont: false, body: text };
    const lines = body.split("\n");
    if (cont && this.open && this.open.facility === facility) {
      this.append(this.open, lines[0]!);
    } else {
      this.flush();
      this.open = this.push(lines[0]!, tsNs, level ?? (DEFAULT_MESSAGE_LOGLEVEL as LogLevel), facility);
    }
    const lineLevel = this.open!.level;
    for (let k = 1; k < lines.length; k++) {
      this.flush();
      if (k === lines.length - 1 && lines[k] === "") break; // trailing newline
      this.open = this.push(lines[k]!, tsNs, lineLevel, facility);
    }
  }

  /** Terminate a pending partial line (the kernel does so when the next line starts). */
  flush(): void {
    const r = this.open;
    this.open = undefined;
    if (r && this.onRecord) this.onRecord({ ...r });
  }

  /** Snapshot of the ring, oldest first; includes a pending partial line. */
  records(): readonly LogRecord[] {
    return this.ring.slice(this.head).map((r) => ({ ...r }));
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Empty the ring (dmesg -C). Sequence numbers keep counting, as in the kernel. */
  clear(): void {
    this.ring = [];
    this.head = 0;
    this.used = 0;
    this.open = undefined;
    this.droppedCount = 0;
  }

  private push(text: string, tsNs: number, level: LogLevel, facility: number): LogRecord {
    if (text.length > PRINTK_RECORD_MAX) text = text.slice(0, PRINTK_RECORD_MAX);
    const r: LogRecord = { seq: this.nextSeq++, tsNs, level, facility, text };
    this.ring.push(r);
    this.used += text.length + RECORD_OVERHEAD;
    this.evict();
    return r;
  }

  private append(r: LogRecord, more: string): void {
    if (r.text.length + more.length > PRINTK_RECORD_MAX) more = more.slice(0, Math.max(0, PRINTK_RECORD_MAX - r.text.length));
    r.text += more;
    this.used += more.length;
    this.evict();
  }

  /** Overwrite the oldest records until the newest fits. */
  private evict(): void {
    while (this.used > this.capacity && this.ring.length - this.head > 1) {
      const old = this.ring[this.head++]!;
      this.used -= old.text.length + RECORD_OVERHEAD;
      this.droppedCount++;
    }
    if (this.used > this.capacity) {
      // A single line larger than the whole ring: keep what fits.
      const r = this.ring[this.head]!;
      const keep = this.capacity - RECORD_OVERHEAD;
      this.used -= r.text.length - keep;
      r.text = r.text.slice(0, keep);
    }
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }
}

// util-linux dmesg names (note "warn", not "warning").
const FACILITY_NAMES = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
  "authpriv", "ftp", "res0", "res1", "res2", "res3",
  "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];
const LEVEL_NAMES = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

function timestamp(tsNs: number): string {
  const sec = Math.floor(tsNs / 1e9);
  const usec = Math.floor(tsNs / 1000) % 1e6;
  return `[${String(sec).padStart(5)}.${String(usec).padStart(6, "0")}] `;
}

/** dmesg's safe_fwrite(): control characters (not whitespace) become \xNN. */
function dmesgEscape(text: string): string {
  return text.replace(/[\x00-\x08\x0e-\x1f\x7f-\x9f]/g, (c) =>
    Array.from(Buffer.from(c, "utf8"), (b) => "\\x" + b.toString(16).padStart(2, "0")).join(""));
}

/**
 * `dmesg` (util-linux) default output: "[%5ld.%06ld] text" per record, each
 * ending in "\n". An empty record prints as a bare "\n", with no timestamp.
 * decode adds dmesg -x's "%-6s:%-6s: " facility:level prefix.
 */
export function formatDmesg(records: readonly LogRecord[], opts?: { decode?: boolean }): string {
  let out = "";
  for (const r of records) {
    if (r.text === "") { out += "\n"; continue; }
    const fac = FACILITY_NAMES[r.facility];
    const lvl = LEVEL_NAMES[r.level];
    if (opts?.decode && fac !== undefined && lvl !== undefined) out += `${fac.padEnd(6)}:${lvl.padEnd(6)}: `;
    out += timestamp(r.tsNs) + dmesgEscape(r.text) + "\n";
  }
  return out;
}

/**
 * One record as read(2) from /dev/kmsg returns it: "prival,seq,ts_usec,-;text\n".
 * Like msg_add_ext_text(), every byte of the UTF-8 text below ' ', from 127 up,
 * or a backslash is written as \xNN.
 */
export function formatKmsg(r: LogRecord): string {
  let text = "";
  for (const b of Buffer.from(r.text, "utf8")) {
    text += b < 0x20 || b >= 0x7f || b === 0x5c ? "\\x" + b.toString(16).padStart(2, "0") : String.fromCharCode(b);
  }
  return `${(r.facility << 3) | r.level},${r.seq},${Math.floor(r.tsNs / 1000)},-;${text}\n`;
}
