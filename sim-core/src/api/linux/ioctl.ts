// <linux/ioctl.h> (uapi/asm-generic/ioctl.h): ioctl command numbers, with
// the direction, the argument's size, the driver's magic "type" and the
// command's number packed as x86 packs them. C passes sizeof(struct …) as
// the third argument of _IOR/_IOW/_IOWR; pass the size in bytes.

const _IOC_NRBITS = 8, _IOC_TYPEBITS = 8, _IOC_SIZEBITS = 14;
/** Bit position of the command number in an ioctl command (0). */
export const _IOC_NRSHIFT = 0;
/** Bit position of the type (magic) byte in an ioctl command (8). */
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS;
/** Bit position of the argument size in an ioctl command (16). */
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS;
/** Bit position of the direction bits in an ioctl command (30). */
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;
/** ioctl direction: no data transfer (_IO()). */
export const _IOC_NONE = 0, /** ioctl direction: user space writes data to the driver (_IOW(); copy_from_user() in the handler). */ _IOC_WRITE = 1, /** ioctl direction: user space reads data from the driver (_IOR(); copy_to_user() in the handler). */ _IOC_READ = 2;

/** A magic type given as a character ('k') or its code. */
function typeCode(fn: string, type: number | string): number {
  const t = typeof type === "string" ? type.charCodeAt(0) : type;
  if (!Number.isInteger(t) || t < 0 || t > 0xff) throw new RangeError(`${fn}(): the type must be one byte (a character such as 'k'), got ${String(type)}`);
  return t;
}

/** _IOC(dir, type, nr, size): the packed command, as an unsigned 32-bit number. */
export function _IOC(dir: number, type: number | string, nr: number, size: number): number {
  if (!Number.isInteger(nr) || nr < 0 || nr > 0xff) throw new RangeError(`_IOC(): nr must be 0..255, got ${nr}`);
  if (!Number.isInteger(size) || size < 0 || size >= 1 << _IOC_SIZEBITS) throw new RangeError(`_IOC(): size must be below ${1 << _IOC_SIZEBITS} (the argument's sizeof), got ${size}`);
  return ((dir << _IOC_DIRSHIFT) | (typeCode("_IOC", type) << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT)) >>> 0;
}

/** _IO(type, nr): a command with no argument. */
export function _IO(type: number | string, nr: number): number { return _IOC(_IOC_NONE, type, nr, 0); }
/** _IOR(type, nr, sizeof(arg)): the driver writes the argument back to user space (the user reads). */
export function _IOR(type: number | string, nr: number, size: number): number { return _IOC(_IOC_READ, type, nr, size); }
/** _IOW(type, nr, sizeof(arg)): the user passes the argument in. */
export function _IOW(type: number | string, nr: number, size: number): number { return _IOC(_IOC_WRITE, type, nr, size); }
/** _IOWR(type, nr, sizeof(arg)): both. */
export function _IOWR(type: number | string, nr: number, size: number): number { return _IOC(_IOC_READ | _IOC_WRITE, type, nr, size); }

/**
 * ```c
 * #define _IOC_DIR(nr) (((nr) >> _IOC_DIRSHIFT) & _IOC_DIRMASK)
 * ```
 * The direction bits of an ioctl command (_IOC_NONE, _IOC_READ, _IOC_WRITE).
 */
export function _IOC_DIR(cmd: number): number { return (cmd >>> _IOC_DIRSHIFT) & 0x3; }
/**
 * ```c
 * #define _IOC_TYPE(nr) (((nr) >> _IOC_TYPESHIFT) & _IOC_TYPEMASK)
 * ```
 * The type (magic) byte of an ioctl command: check it in the handler and return -ENOTTY for others.
 */
export function _IOC_TYPE(cmd: number): number { return (cmd >>> _IOC_TYPESHIFT) & 0xff; }
/**
 * ```c
 * #define _IOC_NR(nr) (((nr) >> _IOC_NRSHIFT) & _IOC_NRMASK)
 * ```
 * The sequence number of an ioctl command.
 */
export function _IOC_NR(cmd: number): number { return (cmd >>> _IOC_NRSHIFT) & 0xff; }
/**
 * ```c
 * #define _IOC_SIZE(nr) (((nr) >> _IOC_SIZESHIFT) & _IOC_SIZEMASK)
 * ```
 * The argument size encoded in an ioctl command: bound copy_to_user()/copy_from_user() by it.
 *
 * Rules: CTX002 (user copy with a bad address).
 */
export function _IOC_SIZE(cmd: number): number { return (cmd >>> _IOC_SIZESHIFT) & ((1 << _IOC_SIZEBITS) - 1); }
