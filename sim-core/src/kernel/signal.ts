// Signals a user access or an oops delivers, with the si_code a program sees.

export const /** SIGKILL (9): kill; cannot be caught or ignored. */ SIGKILL = 9, /** SIGBUS (7): bus error: access to an object's missing part, e.g. VM_FAULT_SIGBUS from a fault handler. */ SIGBUS = 7, /** SIGSEGV (11): invalid memory reference. */ SIGSEGV = 11;
export const /** SEGV_MAPERR (1): si_code of SIGSEGV: no mapping at the address. */ SEGV_MAPERR = 1, /** SEGV_ACCERR (2): si_code of SIGSEGV: the mapping's permissions forbid the access. */ SEGV_ACCERR = 2;
export const /** BUS_ADRALN (1): si_code of SIGBUS: invalid address alignment. */ BUS_ADRALN = 1, /** BUS_ADRERR (2): si_code of SIGBUS: nonexistent physical address. */ BUS_ADRERR = 2, /** BUS_OBJERR (3): si_code of SIGBUS: object-specific hardware error, or the offset is past the object. */ BUS_OBJERR = 3;

export const SIGNAL_NAMES: Record<number, string> = { 7: "SIGBUS", 9: "SIGKILL", 11: "SIGSEGV" };
export const SI_CODE_NAMES: Record<number, Record<number, string>> = {
  11: { 1: "SEGV_MAPERR", 2: "SEGV_ACCERR" },
  7: { 1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR" },
};

export interface SigInfo {
  /** si_signo: the signal number (SIGSEGV, SIGBUS…). */
  readonly signo: number;
  /** si_code: why it was sent (SEGV_MAPERR, BUS_ADRERR…). */
  readonly code: number;
  /** si_addr: the faulting address. */
  readonly addr: number;
  /** The x86 page-fault error code (bit 0 protection, bit 1 write, bit 2 user), when a fault raised it. */
  readonly error?: number;
}

/** The #PF error code of a user-mode fault: present-but-denied sets bit 0, a write bit 1, user mode bit 2. */
export function pfError(present: boolean, write: boolean): number {
  return (present ? 1 : 0) | (write ? 2 : 0) | 4;
}

export function describeSignal(s: SigInfo): string {
  return `${SIGNAL_NAMES[s.signo] ?? `signal ${s.signo}`} (${SI_CODE_NAMES[s.signo]?.[s.code] ?? s.code}) at 0x${s.addr.toString(16)}`;
}

/** Thrown through a scenario's memory access when the process gets a fatal signal. */
export class UserSignal extends Error {
  override readonly name = "UserSignal";
  constructor(readonly pid: number, readonly info: SigInfo) {
    super(`process ${pid} got ${describeSignal(info)}`);
  }
}
