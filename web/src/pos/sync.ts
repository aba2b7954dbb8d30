// Sends the till's queued sales to the server, oldest first, each under its own
// Idempotency-Key and (device, ticket) id, so a resend after a dropped connection or a
// crashed browser is stored once. A sale the server refuses (a problem, not a lost
// connection) is kept and shown, and the rest go on.

import { api } from "../api/client";
import { ApiError, NetworkError, call } from "../api/problem";
import { dequeue, markRefused, queued, type QueuedSale, type TicketView } from "./store";

export type SendOutcome = { ok: TicketView } | { network: true } | { refused: ApiError };

export async function send(sale: QueuedSale): Promise<SendOutcome> {
  try {
    const view = await call(
      api.POST("/api/v1/pos/sessions/{id}/tickets", {
        params: { path: { id: sale.session_id }, header: { "Idempotency-Key": sale.idempotency_key } },
        body: sale.ticket,
      }),
    );
    await dequeue(sale.seq);
    return { ok: view };
  } catch (e) {
    // A problem naming fields (no stock online, a bad line) refuses the sale; the rest
    // (no connection, a timeout, the same key still being worked on) is tried again.
    const refused =
      e instanceof ApiError &&
      e.status >= 400 &&
      e.status < 500 &&
      // Signed out (the session ended while offline): kept until someone signs in again.
      ![401, 403, 408, 429].includes(e.status) &&
      (e.status !== 409 || (e.problem.errors ?? []).length > 0);
    if (refused) return { refused: e };
    if (e instanceof NetworkError || e instanceof ApiError) return { network: true };
    throw e;
  }
}

/** A problem's words for the cashier: the field messages, or its title. */
export function describe(e: ApiError): string {
  const fields = (e.problem.errors ?? []).map((f) => `${f.field} ${f.message}`);
  return fields.length ? fields.join("; ") : e.message;
}

const listeners = new Set<(view: TicketView) => void>();

/** Calls `f` with each sale the server answers for; returns the unsubscribe. */
export function onSent(f: (view: TicketView) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

async function runOnce(): Promise<number> {
  const work = async () => {
    for (const sale of await queued()) {
      if (sale.refused) continue;
      const out = await send(sale);
      if ("network" in out) break;
      if ("refused" in out) await markRefused(sale, describe(out.refused));
      else for (const f of listeners) f(out.ok);
    }
  };
  if (typeof navigator !== "undefined" && navigator.locks) await navigator.locks.request("kirana-pos-sync", work);
  else await work();
  return (await queued()).length;
}

let tail: Promise<unknown> = Promise.resolve();
let waiting: Promise<number> | undefined;

/**
 * Sends what is queued, in order; stops at the first lost connection. Resolves to the
 * number of sales still queued (refused ones included). Runs never overlap (and across
 * tabs, Web Locks keep two from sending one sale at once); a call while one runs waits
 * for a run after it, which sees everything queued by then.
 */
export function syncQueue(): Promise<number> {
  if (waiting) return waiting;
  const run = tail.then(() => {
    waiting = undefined;
    return runOnce();
  });
  waiting = run;
  tail = run.catch(() => undefined);
  return run;
}
