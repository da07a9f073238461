/**
 * MEM009: a timer armed while the module (or device) is set up, which the
 * teardown never deletes. A module-lifetime timer lives in a global or a
 * struct field; a timer armed in init or probe (or a helper only they call)
 * is pending from then on unless it has fired, and a periodic one is always
 * pending, so the exit or remove function must delete it (del_timer_sync(),
 * timer_shutdown_sync() or their timer_delete* names) before the module's
 * code and data go. Timers in locals (one per request, deleted before the
 * request returns) are not this rule's.
 */
import ts from "typescript";
import type { FnInfo, Role, Unit } from "./program";
import { importEdit, type Reporter } from "./report";
import type { FileFacts } from "./filewide";
import { keyOf } from "./values";

const ARM = new Set(["mod_timer", "add_timer", "timer_reduce", "mod_timer_pending"]);
const DELETE = new Set(["del_timer_sync", "del_timer", "timer_delete_sync", "timer_delete", "timer_shutdown_sync", "timer_shutdown", "del_singleshot_timer_sync"]);

/** Functions reachable by calls from the functions with one of `roles` (themselves included). */
function reachableFrom(unit: Unit, roles: readonly Role[]): Set<string> {
  const callees = new Map<string, string[]>();
  for (const f of unit.functions.values()) for (const c of f.callers) callees.set(c, [...(callees.get(c) ?? []), f.name]);
  const out = new Set<string>();
  const todo = [...unit.functions.values()].filter((f) => roles.some((r) => f.roles.has(r))).map((f) => f.name);
  while (todo.length) {
    const n = todo.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    todo.push(...(callees.get(n) ?? []));
  }
  return out;
}

/** A timer key that outlives one call: a global or a struct field. */
const lasting = (key: string | undefined): key is string => !!key && (key.startsWith("g:") || key.startsWith("."));

export function timerRules(unit: Unit, facts: FileFacts, rep: Reporter): void {
  const teardownFns = [...unit.functions.values()].filter((f) => f.roles.has("exit") || f.roles.has("remove"));
  // No exit function: the module cannot be unloaded at all.
  if (!teardownFns.length) return;
  const setup = reachableFrom(unit, ["init", "probe"]);
  const teardown = reachableFrom(unit, ["exit", "remove"]);
  const deleted = new Set<string>();
  for (const c of facts.calls) {
    if (!c.api || !DELETE.has(c.api) || !c.call.arguments[0] || !teardown.has(c.frame.fn.name)) continue;
    const key = keyOf(c.call.arguments[0], c.frame);
    if (key) deleted.add(key);
  }
  const reported = new Set<string>();
  for (const c of facts.calls) {
    if (!c.api || !ARM.has(c.api) || !c.call.arguments[0] || !setup.has(c.frame.fn.name)) continue;
    const key = keyOf(c.call.arguments[0], c.frame);
    if (!lasting(key) || deleted.has(key) || reported.has(key)) continue;
    reported.add(key);
    const pairRole: Role = reachesOnlyFrom(unit, c.frame.fn, "probe") ? "remove" : "exit";
    const exit = teardownFns.find((f) => f.roles.has(pairRole)) ?? teardownFns[0]!;
    const arg = c.call.arguments[0].getText();
    // Reported where the deletion is missing: the teardown's last statement (its name when it is empty).
    const body = exit.node.body;
    const at = body && ts.isBlock(body) && body.statements.length ? body.statements[body.statements.length - 1]! : exit.node.name ?? exit.node;
    rep.report("MEM009", at, `${exit.name}() returns with timer ${arg} still pending: it was armed in ${c.frame.fn.name}() and nothing deletes it, so it fires into the unloaded module (debugobjects: "ODEBUG: free active … object type: timer_list"); del_timer_sync() or timer_shutdown_sync() it here`, "error",
      [{ node: c.call, message: "armed here" }], deleteFix(unit, rep, exit, arg, key));
  }
}

/** True when every path of callers from `fn` up leads to a function with `role`. */
function reachesOnlyFrom(unit: Unit, fn: FnInfo, role: Role, seen = new Set<string>()): boolean {
  if (fn.roles.has(role)) return true;
  if (seen.has(fn.name) || !fn.callers.size) return false;
  seen.add(fn.name);
  return [...fn.callers].every((c) => { const cf = unit.functions.get(c); return !!cf && reachesOnlyFrom(unit, cf, role, seen); });
}

/** timer_shutdown_sync() first in the teardown, when the timer's name means the same there (a global). */
function deleteFix(unit: Unit, rep: Reporter, exit: FnInfo, arg: string, key: string) {
  const body = exit.node.body;
  if (!key.startsWith("g:") || !body || !ts.isBlock(body)) return [];
  const first = body.statements[0];
  if (!first) return [];
  return [{ title: `Shut the timer down in ${exit.name}()`, file: rep.fileName, preferred: true, edits: [rep.insertBefore(first, [`timer_shutdown_sync(${arg});`]), importEdit(unit.sf, "linux/timer", "timer_shutdown_sync")].filter((e): e is NonNullable<typeof e> => !!e) }];
}
