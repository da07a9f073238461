// printk/vsnprintf formatting, ported from Linux lib/vsprintf.c so that a
// driver's log lines read exactly as they would on a real kernel, quirks
// included (see the notes on number(), the '*' precision and invalid
// specifiers below). Arguments are JS values: numbers (addresses kept as their
// signed 64-bit value, see util/addr.ts), bigints, strings, byte arrays.

export interface FormatContext {
  pointerBits: 32 | 64;                 // width of %p / %px output (8 or 16 hex digits)
  physBits: 32 | 64;                    // width of %pa (phys_addr_t) and %pad (dma_addr_t) output
  hashPointer(p: number): number;       // what %p prints instead of the raw value (already hashed, caller supplies)
  symbolize?(addr: number): string | undefined; // for %pS/%ps/%pB; undefined -> print raw 0x... like Linux does for unknown
}

/** Unsigned 64-bit value of a JS address (negative numbers are two's complement). */
export function toUnsigned64(n: number | bigint): bigint {
  return BigInt.asUintN(64, toBig(n));
}

/** Zero-padded lowercase hex of the unsigned 64-bit value, no 0x. */
export function hex(n: number | bigint, digits: number): string {
  return toUnsigned64(n).toString(16).padStart(digits, "0");
}

// printf_spec flags, same values as the kernel's.
const SIGN = 1, LEFT = 2, PLUS = 4, SPACE = 8, ZEROPAD = 16, SMALL = 32, SPECIAL = 64;
// The kernel stores width in 24 bits and precision in 16; clamping also keeps
// a hostile "%99999999d" from allocating a gigabyte.
const FIELD_WIDTH_MAX = (1 << 23) - 1;
const PRECISION_MAX = (1 << 15) - 1;
const PAGE_SIZE = 4096n;
const MAX_ERRNO = 4095n;

interface Spec { flags: number; width: number; precision: number; base: 8 | 10 | 16 }

function toBig(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  return 0n; // missing or mismatched argument: C would read garbage, we read 0
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/** Port of number(): the order of sign, prefix and padding matters for fidelity. */
function number(num: bigint, spec: Spec): string {
  let { flags, width, precision } = spec;
  const base = spec.base;
  const needPfx = (flags & SPECIAL) !== 0 && base !== 10;
  const isZero = num === 0n;
  if (flags & LEFT) flags &= ~ZEROPAD;
  let sign = "";
  if (flags & SIGN) {
    const s = BigInt.asIntN(64, num);
    if (s < 0n) { sign = "-"; num = -s; width--; }
    else if (flags & PLUS) { sign = "+"; width--; }
    else if (flags & SPACE) { sign = " "; width--; }
  }
  if (needPfx) {
    if (base === 16) width -= 2;
    else if (!isZero) width--;
  }
  let digits = num.toString(base);
  if (!(flags & SMALL)) digits = digits.toUpperCase();
  // Unlike C, precision does not disable the 0 flag and "%.0d" of 0 still prints "0".
  if (digits.length > precision) precision = digits.length;
  width -= precision;
  let out = "";
  if (!(flags & (ZEROPAD | LEFT))) { out += pad(" ", width); width = 0; }
  out += sign;
  // Unlike C, "%#x" of 0 prints "0x0"; "%#o" of 0 prints just "0".
  if (needPfx) {
    if (base === 16 || !isZero) out += "0";
    if (base === 16) out += flags & SMALL ? "x" : "X";
  }
  if (!(flags & LEFT)) { out += pad(flags & ZEROPAD ? "0" : " ", width); width = 0; }
  out += pad("0", precision - digits.length) + digits;
  return out + pad(" ", width);
}

function pad(c: string, n: number): string {
  return n > 0 ? c.repeat(n) : "";
}

/** string_nocheck() + widen_string(): precision cuts, width pads with spaces (never zeros). */
function str(s: string, spec: Spec): string {
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  if (spec.precision >= 0) s = s.slice(0, spec.precision);
  const spaces = spec.width - s.length;
  return spec.flags & LEFT ? s + pad(" ", spaces) : pad(" ", spaces) + s;
}

function errorString(msg: string, spec: Spec, ctx: FormatContext): string {
  return str(msg, spec.precision === -1 ? { ...spec, precision: ctx.pointerBits / 4 } : spec);
}

function isErrValue(v: bigint, bits: number): boolean {
  return v >= (1n << BigInt(bits)) - MAX_ERRNO;
}

/** check_pointer_msg(): what Linux prints instead of dereferencing a bad pointer. */
function badPointerMsg(arg: unknown, ctx: FormatContext): string | undefined {
  if (arg === null || arg === undefined) return "(null)";
  if (typeof arg !== "number" && typeof arg !== "bigint") return undefined;
  const v = BigInt.asUintN(ctx.pointerBits, toBig(arg));
  if (v === 0n) return "(null)";
  if (v < PAGE_SIZE || isErrValue(v, ctx.pointerBits)) return "(efault)";
  return undefined;
}

function bytesOf(arg: unknown): Uint8Array | undefined {
  if (arg instanceof Uint8Array) return arg;
  if (ArrayBuffer.isView(arg)) return new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength);
  if (Array.isArray(arg)) return Uint8Array.from(arg, (b) => Number(toBig(b) & 0xffn));
  return undefined;
}

/** A pointer value as the rest of the simulator spells addresses. */
function jsAddr(v: bigint, ctx: FormatContext): number {
  return Number(ctx.pointerBits === 64 ? BigInt.asIntN(64, v) : v);
}

function pointerString(v: bigint, spec: Spec, ctx: FormatContext): string {
  const s: Spec = { ...spec, base: 16, flags: spec.flags | SMALL };
  if (s.width === -1) { s.width = ctx.pointerBits / 4; s.flags |= ZEROPAD; }
  return number(v, s);
}

/** ptr_to_id(): NULL and ERR_PTR values are not addresses, so they print unhashed. */
function ptrToId(v: bigint, spec: Spec, ctx: FormatContext): string {
  if (v === 0n || isErrValue(v, ctx.pointerBits)) return pointerString(v, spec, ctx);
  const h = BigInt.asUintN(ctx.pointerBits, toBig(ctx.hashPointer(jsAddr(v, ctx))));
  return pointerString(h, spec, ctx);
}

function symbolString(kind: string, v: bigint, spec: Spec, ctx: FormatContext): string {
  // Without kallsyms Linux prints a fixed-width 0x address and ignores the spec.
  if (!ctx.symbolize) return specialHex(v, ctx.pointerBits);
  // %pB symbolizes the address before a return address (the call may have been
  // the last instruction of a noreturn function) and reports the offset of v.
  const at = kind === "B" ? BigInt.asUintN(ctx.pointerBits, v - 1n) : v;
  let sym = ctx.symbolize(jsAddr(at, ctx));
  if (sym === undefined) sym = "0x" + v.toString(16); // kallsyms' "0x%lx": no padding
  else if (kind === "B") sym = sym.replace(/\+0x([0-9a-f]+)\//, (_, off: string) => `+0x${(BigInt("0x" + off) + 1n).toString(16)}/`);
  else if (kind === "s") sym = sym.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, "");
  return str(sym, spec);
}

/** special_hex_number(): "0x" + 2*size zero-padded digits, whatever the caller's spec. */
function specialHex(v: bigint, bits: number): string {
  return number(BigInt.asUintN(bits, v), { flags: SPECIAL | SMALL | ZEROPAD, width: 2 + bits / 4, precision: -1, base: 16 });
}

function hexString(sep: string | undefined, arg: unknown, spec: Spec, ctx: FormatContext): string {
  if (spec.width === 0) return "";
  const bad = badPointerMsg(arg, ctx);
  if (bad) return errorString(bad, spec, ctx);
  const bytes = bytesOf(arg);
  if (!bytes) return errorString("(efault)", spec, ctx); // a bare address: nothing we can read
  const separator = sep === "C" ? ":" : sep === "D" ? "-" : sep === "N" ? "" : " ";
  // Without a width Linux dumps one byte; it never dumps more than 64.
  const len = Math.min(spec.width > 0 ? Math.min(spec.width, 64) : 1, bytes.length);
  return Array.from(bytes.subarray(0, len), (b) => b.toString(16).padStart(2, "0")).join(separator);
}

// errname() for the codes a driver is likely to return (CONFIG_SYMBOLIC_ERRNAME=y).
const ERRNAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC",
  9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK",
  16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
  23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE",
  30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 38: "ENOSYS", 61: "ENODATA",
  62: "ETIME", 71: "EPROTO", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT", 512: "ERESTARTSYS",
  517: "EPROBE_DEFER", 524: "ENOTSUPP",
};

function errPtr(v: bigint, spec: Spec, ctx: FormatContext): string {
  const err = Number(BigInt.asIntN(ctx.pointerBits, v));
  const name = ERRNAMES[-err];
  return name ? str("-" + name, spec) : number(BigInt.asUintN(64, BigInt(err)), { ...spec, flags: spec.flags | SIGN, base: 10 });
}

/** pointer(): fmt[at] is the character after 'p'. */
function pointer(fmt: string, at: number, arg: unknown, spec: Spec, ctx: FormatContext): string {
  const v = BigInt.asUintN(ctx.pointerBits, toBig(arg));
  switch (fmt[at]) {
    case "S": case "s": case "B":
      return symbolString(fmt[at]!, v, spec, ctx);
    case "h":
      return hexString(fmt[at + 1], arg, spec, ctx);
    case "a": {
      // C passes &addr; a missing argument is the NULL reference.
      if (arg === null || arg === undefined) return errorString("(null)", spec, ctx);
      return specialHex(toBig(arg), ctx.physBits);
    }
    case "x":
      return pointerString(v, spec, ctx);
    case "e":
      if (isErrValue(v, ctx.pointerBits)) return errPtr(v, spec, ctx);
      break; // Linux: %pe of a non-ERR_PTR is plain %p
    // 'K' with kptr_restrict=0 hashes like %p. Extensions that need to read a
    // kernel object (%pM, %pI4, %pV, ...) also fall through to the hash.
  }
  return ptrToId(v, spec, ctx);
}

function cString(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  const bytes = bytesOf(arg);
  if (!bytes) return undefined;
  const nul = bytes.indexOf(0);
  return Buffer.from(nul >= 0 ? bytes.subarray(0, nul) : bytes).toString("utf8");
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[0-9A-Za-z]/.test(c);

/** Integer width and signedness per qualifier, as vsnprintf() reads its va_arg. */
function fetchInt(arg: unknown, qual: string, signed: boolean, ctx: FormatContext): bigint {
  const v = toBig(arg);
  const long = ctx.pointerBits; // sizeof(long) == sizeof(void *) on every Linux ABI
  switch (qual) {
    case "L": return BigInt.asUintN(64, v);
    case "l": case "z": return BigInt.asUintN(64, signed ? BigInt.asIntN(long, v) : BigInt.asUintN(long, v));
    // ptrdiff_t is always read signed, so on 32-bit "%tx" of -1 prints 16 f's.
    case "t": return BigInt.asUintN(64, BigInt.asIntN(long, v));
    case "H": return BigInt.asUintN(64, signed ? BigInt.asIntN(8, v) : BigInt.asUintN(8, v));
    case "h": return BigInt.asUintN(64, signed ? BigInt.asIntN(16, v) : BigInt.asUintN(16, v));
    default: return BigInt.asUintN(64, signed ? BigInt.asIntN(32, v) : BigInt.asUintN(32, v));
  }
}

function intArg(arg: unknown): number {
  return Number(BigInt.asIntN(32, toBig(arg)));
}

/**
 * Format like the kernel's vsnprintf() (without the buffer size: the result is
 * never truncated). Never throws: a bad argument prints "(null)", "(efault)"
 * or 0, and an unsupported conversion ends the output there, as in Linux.
 */
export function vsnprintf(fmt: string, args: readonly unknown[], ctx: FormatContext): string {
  let out = "";
  let ai = 0;
  const next = (): unknown => args[ai++];
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf("%", i);
    if (pct < 0) { out += fmt.slice(i); break; }
    out += fmt.slice(i, pct);
    i = pct + 1;

    const spec: Spec = { flags: 0, width: -1, precision: -1, base: 10 };
    for (;; i++) {
      const f = fmt[i];
      if (f === "-") spec.flags |= LEFT;
      else if (f === "+") spec.flags |= PLUS;
      else if (f === " ") spec.flags |= SPACE;
      else if (f === "#") spec.flags |= SPECIAL;
      else if (f === "0") spec.flags |= ZEROPAD;
      else break;
    }
    if (isDigit(fmt[i])) {
      let w = 0;
      while (isDigit(fmt[i])) w = Math.min(w * 10 + (fmt.charCodeAt(i++) - 48), FIELD_WIDTH_MAX);
      spec.width = w;
    } else if (fmt[i] === "*") {
      i++;
      const w = clamp(intArg(next()), -FIELD_WIDTH_MAX, FIELD_WIDTH_MAX);
      if (w < 0) spec.flags |= LEFT;
      spec.width = Math.abs(w);
    }
    if (fmt[i] === ".") {
      i++;
      // A bare "." leaves precision unset (C would make it 0); a negative "*"
      // precision becomes 0 (C would ignore it), so "%.*s" with -1 prints "".
      if (isDigit(fmt[i])) {
        let p = 0;
        while (isDigit(fmt[i])) p = Math.min(p * 10 + (fmt.charCodeAt(i++) - 48), PRECISION_MAX);
        spec.precision = p;
      } else if (fmt[i] === "*") {
        i++;
        spec.precision = clamp(intArg(next()), 0, PRECISION_MAX);
      }
    }
    let qual = "";
    const q = fmt[i];
    if (q === "h" || q === "l" || q === "L" || q === "z" || q === "t" || q === "j" || q === "q") {
      i++;
      qual = q === "j" || q === "q" ? "L" : q; // not in Linux; accepted as 64-bit
      if (q === fmt[i] && (q === "l" || q === "h")) { qual = q === "l" ? "L" : "H"; i++; }
    }

    const conv = fmt[i];
    switch (conv) {
      case "c": {
        i++;
        const a = next();
        const code = typeof a === "string" ? a.charCodeAt(0) || 0 : Number(toBig(a) & 0xffn);
        const c = String.fromCharCode(code & 0xff);
        const spaces = spec.width - 1;
        out += spec.flags & LEFT ? c + pad(" ", spaces) : pad(" ", spaces) + c;
        continue;
      }
      case "s": {
        i++;
        const a = next();
        const s = cString(a);
        out += s !== undefined ? str(s, spec) : errorString(badPointerMsg(a, ctx) ?? "(efault)", spec, ctx);
        continue;
      }
      case "p": {
        i++;
        out += pointer(fmt, i, next(), spec, ctx);
        // Linux swallows every alphanumeric after %p, known extension or not.
        while (isAlnum(fmt[i])) i++;
        continue;
      }
      case "%":
        i++;
        out += "%";
        continue;
      case "o": spec.base = 8; break;
      case "x": spec.flags |= SMALL; spec.base = 16; break;
      case "X": spec.base = 16; break;
      case "d": case "i": spec.flags |= SIGN; break;
      case "u": break;
      default:
        // Linux WARNs and stops: the remaining specifiers and arguments would be
        // out of sync, so nothing after the bad one is printed.
        return out;
    }
    i++;
    out += number(fetchInt(next(), qual, (spec.flags & SIGN) !== 0, ctx), spec);
  }
  return out;
}
