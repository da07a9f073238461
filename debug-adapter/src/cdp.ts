// A typed CDP client over a debug run's inspector relay (host.ts's
// InspectorChannel: lines of JSON on the host's fds 4 and 5). Commands are
// answered by id; events go to listeners. A host that dies leaves callers
// with a rejection, never a hang.

import type { CdpMessage, InspectorChannel } from "../../host/src/host";

export class CdpError extends Error {
  override readonly name = "CdpError";
}

export interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

export interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
  url: string;
  scopeChain: Array<{ type: string; object: RemoteObject; name?: string }>;
  this: RemoteObject;
}

export interface PausedEvent {
  callFrames: CallFrame[];
  reason: string;
  data?: unknown;
  hitBreakpoints?: string[];
}

export interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
  get?: RemoteObject;
  enumerable?: boolean;
  isOwn?: boolean;
}

export interface EvaluateResult { result: RemoteObject; exceptionDetails?: { text: string; exception?: RemoteObject } }

export class Cdp {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Array<(params: never) => void>>();
  private closed: Error | undefined;

  constructor(private readonly channel: InspectorChannel) {
    channel.onMessage((m: CdpMessage) => {
      if (m.id !== undefined) {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (m.error) w.reject(new CdpError(`${w.method}: ${m.error.message}`));
        else w.resolve(m.result);
        return;
      }
      if (m.method) for (const l of this.listeners.get(m.method) ?? []) l(m.params as never);
    });
  }

  send<T = unknown>(method: string, params?: unknown): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject, method });
      this.channel.send({ id, method, params });
    });
  }

  on<T>(method: string, listener: (params: T) => void): void {
    const l = this.listeners.get(method) ?? [];
    l.push(listener as (params: never) => void);
    this.listeners.set(method, l);
  }

  /** The host is gone: every pending and later command fails with this. */
  close(why: string): void {
    this.closed = new CdpError(why);
    for (const w of this.waiting.values()) w.reject(this.closed);
    this.waiting.clear();
  }

  /** Calls a function with JSON arguments on an object of the host and returns its JSON result. */
  async callByValue<T>(objectId: string, fn: string, args: unknown[] = []): Promise<T> {
    const r = await this.send<EvaluateResult>("Runtime.callFunctionOn", {
      objectId, functionDeclaration: fn, arguments: args.map((value) => ({ value })), returnByValue: true, silent: true,
    });
    if (r.exceptionDetails) throw new CdpError(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value as T;
  }
}
