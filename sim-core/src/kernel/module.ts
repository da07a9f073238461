// Loadable modules: module_init/module_exit, module parameters, the
// reference count that keeps a module with open files loaded, and the leak
// report at unload — every allocation, page reference, kmap and mapping the
// module still holds, with where it was taken.

export type ModuleState = "coming" | "live" | "going" | "unloaded";
export type ModuleParamType = "int" | "uint" | "long" | "ulong" | "short" | "ushort" | "bool" | "charp";
export type ModuleParamValue = number | boolean | string;

export interface ModuleParam {
  readonly name: string;
  readonly type: ModuleParamType;
  readonly perm: number;
  value: ModuleParamValue;
}

export class Module {
  /** mod->state: MODULE_STATE_COMING, LIVE or GOING, as a string. */
  state: ModuleState = "coming";
  /** The module_init() function: 0 or a negative errno. */
  init: (() => number) | null = null;
  /** The module_exit() function. */
  exit: (() => void) | null = null;
  /** MODULE_LICENSE(): a non-GPL-compatible license taints the kernel. */
  license = "";
  /** MODULE_AUTHOR(). */
  author = "";
  /** MODULE_DESCRIPTION(). */
  description = "";
  /** Open files and other users that keep the module loaded. */
  refcnt = 0;
  /** module_param()s by name. */
  readonly params = new Map<string, ModuleParam>();
  /** An insmod argument did not parse. */
  paramError = false;
  constructor(
    /** mod->name: the module's name (KBUILD_MODNAME). */
    readonly name: string,
    /** The insmod parameters, name=value. */
    readonly args: ReadonlyMap<string, string>) {}
  /** A printable form, the module's name. */
  toString(): string { return this.name; }
}

export class ModuleError extends Error {}

/** The range of each integer parameter type (kstrtoint() and friends refuse what does not fit). */
function range(type: ModuleParamType, bits: 32 | 64): [number, number] {
  switch (type) {
    case "short": return [-(2 ** 15), 2 ** 15 - 1];
    case "ushort": return [0, 2 ** 16 - 1];
    case "int": return [-(2 ** 31), 2 ** 31 - 1];
    case "uint": return [0, 2 ** 32 - 1];
    case "long": return bits === 64 ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : [-(2 ** 31), 2 ** 31 - 1];
    default: return bits === 64 ? [0, Number.MAX_SAFE_INTEGER] : [0, 2 ** 32 - 1];
  }
}

/** Parses an insmod argument for a parameter, as kernel/params.c does; undefined when malformed or out of range. */
export function parseParam(type: ModuleParamType, text: string, bits: 32 | 64 = 64): ModuleParamValue | undefined {
  switch (type) {
    case "bool":
      if (/^(1|y|Y|true)$/.test(text) || text === "") return true;
      if (/^(0|n|N|false)$/.test(text)) return false;
      return undefined;
    case "charp":
      return text;
    default: {
      if (!/^-?(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(text)) return undefined;
      const neg = text.startsWith("-");
      const body = neg ? text.slice(1) : text;
      const v = /^0x/i.test(body) ? parseInt(body, 16) : body.length > 1 && body.startsWith("0") ? parseInt(body, 8) : parseInt(body, 10);
      const n = neg ? -v : v;
      const [lo, hi] = range(type, bits);
      return n < lo || n > hi ? undefined : n;
    }
  }
}
