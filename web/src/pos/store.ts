// What the till keeps in the browser's IndexedDB, so it opens and sells with no
// connection: a key-value store (the catalog copy, the register and session, the device
// id, the sale counter) and the queue of sales not yet on the server, in the order they
// were made. A sale leaves the queue only after the server answered that it holds it, so
// a browser that dies mid-sync sends it again, and the server stores it once.

import type { components } from "../api/schema";

export type TicketInput = components["schemas"]["TicketInput"];
export type TicketView = components["schemas"]["TicketView"];

export interface QueuedSale {
  /** Order of making: the queue is sent in this order. */
  seq: number;
  session_id: string;
  idempotency_key: string;
  ticket: TicketInput;
  /** The server refused it (not a connection problem): shown to the cashier, kept. */
  refused?: string;
}

const DB_NAME = "kirana-pos";
const VERSION = 1;

let opening: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "seq" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB would not open"));
  });
  return opening;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

async function tx<T>(store: "kv" | "queue", mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  const t = db.transaction(store, mode);
  const result = done(f(t.objectStore(store)));
  await new Promise<void>((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error ?? new Error("IndexedDB transaction failed"));
    t.onabort = () => reject(t.error ?? new Error("IndexedDB transaction aborted"));
  });
  return result;
}

export async function getKv<T>(key: string): Promise<T | undefined> {
  return (await tx("kv", "readonly", (s) => s.get(key))) as T | undefined;
}

export async function setKv(key: string, value: unknown): Promise<void> {
  await tx("kv", "readwrite", (s) => s.put(value, key));
}

export async function deleteKv(key: string): Promise<void> {
  await tx("kv", "readwrite", (s) => s.delete(key));
}

/** This browser's device id, made once. */
export async function deviceId(): Promise<string> {
  const known = await getKv<string>("device_id");
  if (known) return known;
  const made = `till-${crypto.randomUUID()}`;
  await setKv("device_id", made);
  return made;
}

export async function enqueue(sale: Omit<QueuedSale, "seq">): Promise<QueuedSale> {
  const all = await queued();
  const seq = (all.at(-1)?.seq ?? Date.now()) + 1;
  const row = { ...sale, seq: Math.max(seq, Date.now()) };
  await tx("queue", "readwrite", (s) => s.add(row));
  return row;
}

/** Queued sales, oldest first. */
export async function queued(): Promise<QueuedSale[]> {
  return (await tx("queue", "readonly", (s) => s.getAll())) as QueuedSale[];
}

export async function dequeue(seq: number): Promise<void> {
  await tx("queue", "readwrite", (s) => s.delete(seq));
}

export async function markRefused(sale: QueuedSale, why: string): Promise<void> {
  await tx("queue", "readwrite", (s) => s.put({ ...sale, refused: why }));
}
