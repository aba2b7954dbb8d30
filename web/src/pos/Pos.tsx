// The counter: a scanner-first till that keeps selling with no connection. The cart,
// totals and tenders are worked out on the device (till.ts); each sale is queued in
// IndexedDB and sent whole to the server (sync.ts), at once when online, later when not.

import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { api, idempotencyKey } from "../api/client";
import { ApiError, call } from "../api/problem";
import type { components } from "../api/schema";
import { formatDate, formatMoney } from "../lib/format";
import { gstinProblem } from "../lib/gstin";
import { Button } from "../ui/Button";
import { cx } from "../ui/cx";
import {
  DENOMINATIONS,
  addItem,
  applyTenders,
  countTotal,
  findByCode,
  priceCart,
  searchItems,
  setQuantity,
  type CounterCatalog,
  type CounterItem,
  type Tender,
  type TillLine,
  type Totals,
} from "./till";
import { deviceId, dequeue, enqueue, getKv, queued, setKv, type QueuedSale, type TicketInput, type TicketView } from "./store";
import { describe, onSent, syncQueue } from "./sync";
import { Receipt, ZReport, type ReceiptData } from "./Receipt";

type Register = components["schemas"]["RegisterView"];
type Session = components["schemas"]["SessionView"];
type Customer = { customer_id?: string; name?: string; phone?: string; buyer_gstin?: string };

const SHORTCUTS: [string, string][] = [
  ["Enter", "add the scanned code"],
  ["F2", "search by name"],
  ["F4", "customer"],
  ["F6", "discount code"],
  ["F8", "pay"],
  ["F9", "new sale"],
  ["+ / −", "one more / less of the last item"],
  ["Esc", "back to scanning"],
];

/** A short low tone: the code was not found (the cashier may not be looking). */
function beep() {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = 440;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.18);
    osc.onended = () => void ctx.close();
  } catch {
    // No audio device: the message on screen still says it.
  }
}

function rupeesToMinor(text: string): number {
  const n = Number(text.replace(/[,₹\s]/g, ""));
  return Number.isFinite(n) && n > 0 ? Math.round(n * 100) : 0;
}

function useOnline() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  return online;
}

/** Installs the offline shell (service worker) and the app manifest for the till. */
function useInstallable() {
  useEffect(() => {
    if (!document.querySelector('link[rel="manifest"]')) {
      const link = document.createElement("link");
      link.rel = "manifest";
      link.href = "/pos.webmanifest";
      document.head.appendChild(link);
    }
    if ("serviceWorker" in navigator && import.meta.env.PROD) {
      navigator.serviceWorker.register("/sw.js").catch(() => undefined);
    }
  }, []);
}

export function PosScreen() {
  useInstallable();
  const online = useOnline();
  const [catalog, setCatalog] = useState<CounterCatalog>();
  const [session, setSession] = useState<Session>();
  const [register, setRegister] = useState<Register>();
  const [loaded, setLoaded] = useState(false);
  const [queue, setQueue] = useState<QueuedSale[]>([]);
  const [zReport, setZReport] = useState<Session>();
  const [closing, setClosing] = useState(false);

  const refreshQueue = useCallback(async () => setQueue(await queued()), []);

  // What the device kept, then what the server has now.
  useEffect(() => {
    void (async () => {
      setCatalog(await getKv<CounterCatalog>("catalog"));
      setSession(await getKv<Session>("session"));
      setRegister(await getKv<Register>("register"));
      await refreshQueue();
      setLoaded(true);
    })();
  }, [refreshQueue]);

  const refreshCatalog = useCallback(async () => {
    try {
      const fresh = await call(api.GET("/api/v1/pos/catalog", { cache: "no-store" }));
      setCatalog(fresh);
      await setKv("catalog", fresh);
    } catch {
      // Offline or refused: the kept copy goes on selling.
    }
  }, []);

  const refreshSession = useCallback(async (id: string) => {
    try {
      const s = await call(api.GET("/api/v1/pos/sessions/{id}", { params: { path: { id } }, cache: "no-store" }));
      setSession(s);
      await setKv("session", s);
    } catch {
      // Kept copy.
    }
  }, []);

  const sync = useCallback(async () => {
    await syncQueue();
    await refreshQueue();
    if (session) await refreshSession(session.id);
  }, [refreshQueue, refreshSession, session]);

  useEffect(() => {
    if (!online) return;
    // Back online (or opened online): fresh prices, and the queued sales sent at once.
    const first = window.setTimeout(() => {
      void refreshCatalog();
      void sync();
    }, 0);
    const every = window.setInterval(() => void sync(), 10_000);
    const catalogEvery = window.setInterval(() => void refreshCatalog(), 300_000);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(every);
      window.clearInterval(catalogEvery);
    };
  }, [online, refreshCatalog, sync]);

  const started = async (r: Register, s: Session) => {
    setRegister(r);
    setSession(s);
    setZReport(undefined);
    await setKv("register", r);
    await setKv("session", s);
  };

  const pending = queue.filter((q) => !q.refused).length;
  const refused = queue.filter((q) => q.refused);

  return (
    <div className="flex h-dvh flex-col bg-slate-100 text-slate-900">
      <header className="flex flex-wrap items-center gap-3 bg-slate-900 px-4 py-2 text-white">
        <h1 className="text-lg font-semibold">Kirana counter</h1>
        {register && <span className="text-slate-300">{register.name}</span>}
        {session && (
          <span className="rounded bg-slate-700 px-2 py-0.5 text-sm">
            Session {session.status === "open" ? "open" : "closed"} · {session.report.sales_count}{" "}
            {session.report.sales_count === 1 ? "sale" : "sales"} ·{" "}
            {formatMoney(session.report.gross_sales_minor)}
          </span>
        )}
        <span
          role="status"
          className={cx("ml-auto rounded px-2 py-0.5 text-sm font-medium", online ? "bg-green-700" : "bg-amber-500 text-slate-900")}
        >
          {online ? "Online" : "Offline: selling on this device"}
        </span>
        <span data-testid="queued" className="rounded bg-slate-700 px-2 py-0.5 text-sm" aria-live="polite">
          {pending} {pending === 1 ? "sale" : "sales"} waiting to send
        </span>
        {session?.status === "open" && (
          <Button size="sm" variant="secondary" onClick={() => setClosing(true)} disabled={!online || queue.length > 0}>
            Close session
          </Button>
        )}
      </header>
      {refused.length > 0 && (
        <div role="alert" className="bg-red-50 px-4 py-2 text-sm text-red-800">
          {refused.map((r) => (
            <p key={r.seq}>
              A sale of {formatDate(r.ticket.sold_at, "en", true, catalog?.utc_offset_mins)} was refused by the server: {r.refused}{" "}
              <button
                type="button"
                className="underline"
                onClick={() => void dequeue(r.seq).then(refreshQueue)}
              >
                dismiss (it will not be sent)
              </button>
            </p>
          ))}
        </div>
      )}
      <main className="flex min-h-0 flex-1 flex-col overflow-auto">
        {!loaded ? (
          <p className="p-6">Loading the till…</p>
        ) : zReport ? (
          <ZReportPanel session={zReport} register={register} utcOffsetMins={catalog?.utc_offset_mins} onNew={() => setZReport(undefined)} />
        ) : closing && session ? (
          <CloseSession
            session={session}
            onCancel={() => setClosing(false)}
            onClosed={async (s) => {
              setClosing(false);
              setZReport(s);
              setSession(undefined);
              await setKv("session", undefined);
            }}
          />
        ) : !session || session.status !== "open" || !catalog ? (
          <OpenSession online={online} catalogReady={!!catalog} onStarted={started} />
        ) : (
          <Till
            catalog={catalog}
            session={session}
            register={register}
            online={online}
            onSold={async () => {
              await refreshQueue();
              if (online) await refreshSession(session.id);
            }}
          />
        )}
      </main>
      <footer className="border-t border-slate-300 bg-white px-4 py-1 text-xs text-slate-600">
        <ul className="flex flex-wrap gap-x-4" aria-label="Keyboard shortcuts">
          {SHORTCUTS.map(([k, what]) => (
            <li key={k}>
              <kbd className="rounded border border-slate-300 px-1 font-mono">{k}</kbd> {what}
            </li>
          ))}
        </ul>
      </footer>
    </div>
  );
}

function DenominationCount({
  counts,
  onChange,
  label,
}: {
  counts: Record<number, number>;
  onChange: (c: Record<number, number>) => void;
  label: string;
}) {
  return (
    <fieldset className="grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-4">
      <legend className="mb-2 font-medium">{label}</legend>
      {DENOMINATIONS.map((d) => (
        <label key={d} className="flex items-center gap-2 text-sm">
          <span className="w-14 text-right">{formatMoney(d).replace(".00", "")}</span>
          <span aria-hidden>×</span>
          <input
            type="number"
            min={0}
            inputMode="numeric"
            aria-label={`${formatMoney(d).replace(".00", "")} count`}
            className="h-11 w-20 rounded border border-slate-300 px-2 text-lg"
            value={counts[d] ?? ""}
            onChange={(e) => onChange({ ...counts, [d]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          />
        </label>
      ))}
    </fieldset>
  );
}

function OpenSession({
  online,
  catalogReady,
  onStarted,
}: {
  online: boolean;
  catalogReady: boolean;
  onStarted: (r: Register, s: Session) => Promise<void>;
}) {
  const [registers, setRegisters] = useState<Register[]>();
  const [chosen, setChosen] = useState<string>();
  const [counts, setCounts] = useState<Record<number, number>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!online) return;
    call(api.GET("/api/v1/pos/registers", { cache: "no-store" }))
      .then((r) => {
        setRegisters(r.filter((x) => x.active));
        if (r.length === 1 && r[0]) setChosen(r[0].id);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : "Could not load the registers"));
  }, [online]);

  const register = registers?.find((r) => r.id === chosen);
  const float = countTotal(counts);

  const start = async () => {
    if (!register) return;
    setBusy(true);
    setError(undefined);
    try {
      const s = register.open_session_id
        ? await call(api.GET("/api/v1/pos/sessions/{id}", { params: { path: { id: register.open_session_id } }, cache: "no-store" }))
        : await call(
            api.POST("/api/v1/pos/registers/{id}/sessions", {
              params: { path: { id: register.id } },
              body: { opening_float_minor: float },
            }),
          );
      await onStarted(register, s);
    } catch (e) {
      setError(e instanceof ApiError ? describe(e) : "No connection: try again");
    } finally {
      setBusy(false);
    }
  };

  if (!online) {
    return (
      <p className="m-6 rounded bg-white p-6 text-lg">
        {catalogReady
          ? "No connection. A session is opened with the server; connect to open one."
          : "No connection, and this device has no copy of the catalog yet. Connect once to set it up."}
      </p>
    );
  }
  return (
    <section className="m-auto w-full max-w-3xl space-y-5 rounded-xl bg-white p-6 shadow" aria-labelledby="open-h">
      <h2 id="open-h" className="text-xl font-semibold">
        Open the till
      </h2>
      <fieldset className="flex flex-wrap gap-2">
        <legend className="mb-2 font-medium">Register</legend>
        {registers === undefined ? (
          <p>Loading registers…</p>
        ) : registers.length === 0 ? (
          <p>No register yet: add one under Counter in the back office.</p>
        ) : (
          registers.map((r) => (
            <label
              key={r.id}
              className={cx(
                "flex h-14 cursor-pointer items-center gap-2 rounded-lg border px-4 text-lg",
                chosen === r.id ? "border-brand-700 bg-brand-50" : "border-slate-300",
              )}
            >
              <input type="radio" name="register" checked={chosen === r.id} onChange={() => setChosen(r.id)} />
              {r.name}
              {r.open_session_id && <span className="text-sm text-slate-600">(session open)</span>}
            </label>
          ))
        )}
      </fieldset>
      {register && !register.open_session_id && (
        <>
          <DenominationCount label="Count the float in the drawer" counts={counts} onChange={setCounts} />
          <p className="text-lg">
            Opening float: <strong data-testid="float">{formatMoney(float)}</strong>
          </p>
        </>
      )}
      {error && (
        <p role="alert" className="text-red-700">
          {error}
        </p>
      )}
      <Button size="lg" onClick={() => void start()} busy={busy} disabled={!register}>
        {register?.open_session_id ? "Resume the open session" : "Open session"}
      </Button>
    </section>
  );
}

interface Pay {
  upi: string;
  upiRef: string;
  card: string;
  cardRef: string;
  cash: string;
}

const NO_PAY: Pay = { upi: "", upiRef: "", card: "", cardRef: "", cash: "" };

function Till({
  catalog,
  session,
  register,
  online,
  onSold,
}: {
  catalog: CounterCatalog;
  session: Session;
  register?: Register;
  online: boolean;
  onSold: () => Promise<void>;
}) {
  const [lines, setLines] = useState<TillLine[]>([]);
  const [code, setCode] = useState("");
  const [notice, setNotice] = useState<{ error: boolean; text: string }>();
  const [beeps, setBeeps] = useState(0);
  const [search, setSearch] = useState("");
  const [discountCode, setDiscountCode] = useState("");
  const [customer, setCustomer] = useState<Customer>({});
  const [paying, setPaying] = useState(false);
  const [pay, setPay] = useState<Pay>(NO_PAY);
  const [payError, setPayError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<ReceiptData>();
  const codeRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const phoneRef = useRef<HTMLInputElement>(null);
  const discountRef = useRef<HTMLInputElement>(null);
  const upiRef = useRef<HTMLInputElement>(null);

  const focusScan = useCallback(() => window.setTimeout(() => codeRef.current?.focus(), 0), []);

  const discount = useMemo(
    () => catalog.discounts.find((d) => d.code === discountCode.trim().toUpperCase()),
    [catalog.discounts, discountCode],
  );
  const totals: Totals = useMemo(
    () =>
      priceCart(lines, {
        supply: catalog.supply === "intra_territory" ? "intra_territory" : "intra_state",
        pricesIncludeTax: catalog.prices_include_tax,
        discount,
        code: discountCode.trim() ? discountCode.trim().toUpperCase() : undefined,
      }),
    [lines, catalog, discount, discountCode],
  );
  const tenders: Tender[] = [
    { kind: "upi", amount_minor: rupeesToMinor(pay.upi), reference: pay.upiRef.trim() || undefined },
    { kind: "card", amount_minor: rupeesToMinor(pay.card), reference: pay.cardRef.trim() || undefined },
    { kind: "cash", amount_minor: rupeesToMinor(pay.cash) },
  ].filter((t): t is Tender => t.amount_minor > 0) as Tender[];
  const applied = applyTenders(totals.grand_total_minor, tenders);

  const add = (item: CounterItem) => {
    setLines((ls) => addItem(ls, item));
    setNotice({ error: false, text: `Added ${item.name}` });
    focusScan();
  };

  const scan = () => {
    const c = code.trim();
    if (!c) return;
    const item = findByCode(catalog.items, c);
    setCode("");
    if (!item) {
      beep();
      setBeeps((b) => b + 1);
      setNotice({ error: true, text: `No item has the code ${c}. Search by name (F2) instead.` });
      focusScan();
      return;
    }
    add(item);
  };

  const newSale = () => {
    setReceipt(undefined);
    setLines([]);
    setDiscountCode("");
    setCustomer({});
    setPay(NO_PAY);
    setPaying(false);
    setPayError(undefined);
    setNotice(undefined);
    focusScan();
  };

  const complete = async () => {
    if (lines.length === 0 || applied.owed_minor > 0 || applied.over_minor > 0 || busy) return;
    if (tenders.some((t) => t.kind !== "cash" && !t.reference)) {
      setPayError("UPI and card need their reference number");
      return;
    }
    setBusy(true);
    setPayError(undefined);
    try {
      const ticket: TicketInput = {
        device_id: await deviceId(),
        ticket_id: crypto.randomUUID(),
        sold_at: new Date().toISOString(),
        offline: !navigator.onLine,
        lines: lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
        discount_code: totals.discount_minor > 0 ? discountCode.trim().toUpperCase() : null,
        discount_minor: totals.discount_minor,
        customer:
          customer.customer_id || customer.name || customer.buyer_gstin
            ? { customer_id: customer.customer_id ?? null, name: customer.name ?? null, buyer_gstin: customer.buyer_gstin ?? null }
            : null,
        tenders: tenders.map((t) => ({ kind: t.kind, amount_minor: t.amount_minor, reference: t.reference ?? null })),
      };
      const queuedSale = await enqueue({ session_id: session.id, idempotency_key: idempotencyKey(), ticket });
      let view: TicketView | undefined;
      if (navigator.onLine) {
        // Sent with the queue (never beside it): the server's answer makes the receipt.
        const stop = onSent((v) => {
          if (v.ticket_id === ticket.ticket_id) view = v;
        });
        try {
          await syncQueue();
        } finally {
          stop();
        }
        const refused = (await queued()).find((q) => q.seq === queuedSale.seq && q.refused);
        if (!view && refused) {
          // Refused while online: the sale did not happen; the cashier puts it right.
          await dequeue(refused.seq);
          setPayError(refused.refused);
          return;
        }
      }
      setReceipt({
        storeName: catalog.store_name,
        utcOffsetMins: catalog.utc_offset_mins,
        registerName: register?.name ?? "",
        soldAt: ticket.sold_at,
        totals,
        customer: customer.name,
        buyerGstin: customer.buyer_gstin,
        applied: applied.applied,
        change_minor: applied.change_minor,
        pricesIncludeTax: catalog.prices_include_tax,
        view,
        ticketId: ticket.ticket_id,
      });
      await onSold();
    } finally {
      setBusy(false);
    }
  };

  const keys = (e: KeyboardEvent) => {
    if (e.key === "F2") {
      e.preventDefault();
      searchRef.current?.focus();
    } else if (e.key === "F4") {
      e.preventDefault();
      phoneRef.current?.focus();
    } else if (e.key === "F6") {
      e.preventDefault();
      discountRef.current?.focus();
    } else if (e.key === "F8") {
      e.preventDefault();
      if (lines.length > 0 && !receipt) {
        setPaying(true);
        window.setTimeout(() => upiRef.current?.focus(), 0);
      }
    } else if (e.key === "F9") {
      e.preventDefault();
      if (receipt || lines.length === 0) newSale();
    } else if (e.key === "Escape") {
      if (receipt) newSale();
      else {
        setPaying(false);
        focusScan();
      }
    }
  };

  if (receipt) {
    return (
      <div className="flex flex-1 flex-col items-center gap-4 p-4" onKeyDown={keys}>
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-3xl font-bold" data-testid="change-due">
            Change due: {formatMoney(receipt.change_minor)}
          </p>
          <Button size="lg" variant="secondary" onClick={() => window.print()}>
            Print receipt
          </Button>
          <Button size="lg" autoFocus onClick={newSale}>
            New sale (F9)
          </Button>
        </div>
        <Receipt data={receipt} />
      </div>
    );
  }

  const results = searchItems(catalog.items, search);
  const favourites = catalog.items.filter((i) => i.favourite).slice(0, 24);

  return (
    <div className="grid min-h-0 flex-1 gap-3 p-3 lg:grid-cols-[1fr_24rem]" onKeyDown={keys} data-beeps={beeps}>
      <section aria-label="Sale" className="flex min-h-0 min-w-0 flex-col gap-3 lg:overflow-hidden">
        <div className="rounded-xl bg-white p-3 shadow-sm">
          <label htmlFor="pos-code" className="text-sm font-medium">
            Scan or type a barcode / SKU, then Enter
          </label>
          <input
            id="pos-code"
            ref={codeRef}
            autoFocus
            autoComplete="off"
            value={code}
            aria-invalid={notice?.error || undefined}
            aria-describedby="pos-notice"
            onChange={(e) => {
              setCode(e.target.value);
              if (notice?.error) setNotice(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                scan();
              } else if ((e.key === "+" || e.key === "-") && code === "" && lines.length > 0) {
                e.preventDefault();
                const last = lines[lines.length - 1]!;
                setLines((ls) => setQuantity(ls, last.variant_id, last.quantity + (e.key === "+" ? 1 : -1)));
              }
            }}
            className="mt-1 h-14 w-full rounded-lg border-2 border-brand-700 px-3 text-2xl"
          />
          <p id="pos-notice" role="status" aria-live="assertive" className={cx("mt-1 min-h-6 text-sm", notice?.error ? "font-semibold text-red-700" : "text-slate-600")}>
            {notice?.text}
          </p>
        </div>
        <div className="min-h-40 flex-1 overflow-auto rounded-xl bg-white shadow-sm">
          <table className="w-full text-left">
            <caption className="sr-only">Items in this sale</caption>
            <thead className="bg-slate-50 text-sm text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">Item</th>
                <th scope="col" className="px-3 py-2">Qty</th>
                <th scope="col" className="px-3 py-2 text-right">Price</th>
                <th scope="col" className="px-3 py-2 text-right">Total</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Remove</span></th>
              </tr>
            </thead>
            <tbody>
              {totals.lines.length === 0 && (
                <tr>
                  <td colSpan={5} className="px-3 py-8 text-center text-slate-500">
                    Scan an item to start a sale.
                  </td>
                </tr>
              )}
              {totals.lines.map((l) => (
                <tr key={l.variant_id} className="border-t border-slate-100" data-testid="pos-line">
                  <td className="px-3 py-2">
                    <div className="font-medium">{l.name}</div>
                    <div className="text-xs text-slate-500">{l.sku} · GST {l.rate_bp / 100}%</div>
                  </td>
                  <td className="px-3 py-2">
                    <div className="flex items-center gap-1">
                      <button
                        type="button"
                        className="size-11 rounded-lg border border-slate-300 text-xl"
                        aria-label={`One less ${l.name}`}
                        onClick={() => {
                          setLines((ls) => setQuantity(ls, l.variant_id, l.quantity - 1));
                          focusScan();
                        }}
                      >
                        −
                      </button>
                      <input
                        type="number"
                        min={0}
                        inputMode="numeric"
                        aria-label={`Quantity of ${l.name}`}
                        className="h-11 w-16 rounded-lg border border-slate-300 text-center text-lg"
                        value={l.quantity}
                        onChange={(e) => setLines((ls) => setQuantity(ls, l.variant_id, Number(e.target.value)))}
                        onKeyDown={(e) => {
                          if (e.key === "Enter") {
                            e.preventDefault();
                            focusScan();
                          }
                        }}
                      />
                      <button
                        type="button"
                        className="size-11 rounded-lg border border-slate-300 text-xl"
                        aria-label={`One more ${l.name}`}
                        onClick={() => {
                          setLines((ls) => setQuantity(ls, l.variant_id, l.quantity + 1));
                          focusScan();
                        }}
                      >
                        +
                      </button>
                    </div>
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{formatMoney(l.unit_price_minor)}</td>
                  <td className="px-3 py-2 text-right font-medium tabular-nums">{formatMoney(l.tax.total_minor)}</td>
                  <td className="px-3 py-2">
                    <button
                      type="button"
                      className="rounded-lg px-3 py-2 text-red-700 hover:bg-red-50"
                      onClick={() => {
                        setLines((ls) => setQuantity(ls, l.variant_id, 0));
                        focusScan();
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="grid shrink-0 gap-3 md:grid-cols-2 lg:max-h-[45%] lg:min-h-0">
          <div className="overflow-auto rounded-xl bg-white p-3 shadow-sm">
            <label htmlFor="pos-search" className="text-sm font-medium">
              Search by name (F2)
            </label>
            <input
              id="pos-search"
              ref={searchRef}
              type="search"
              autoComplete="off"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && results[0]) {
                  e.preventDefault();
                  add(results[0]);
                  setSearch("");
                }
              }}
              className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3"
            />
            <ul className="mt-2 space-y-1" aria-label="Search results">
              {results.map((i) => (
                <li key={i.variant_id}>
                  <button
                    type="button"
                    className="flex w-full justify-between rounded-lg border border-slate-200 px-3 py-2 text-left hover:bg-slate-50"
                    onClick={() => {
                      add(i);
                      setSearch("");
                    }}
                  >
                    <span>{i.name}</span>
                    <span className="tabular-nums">{formatMoney(i.unit_price_minor)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <div className="overflow-auto rounded-xl bg-white p-3 shadow-sm">
            <h2 className="text-sm font-medium">Favourites</h2>
            {favourites.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">Put products in the collection “counter” to see them here.</p>
            ) : (
              <div className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-3">
                {favourites.map((i) => (
                  <button
                    key={i.variant_id}
                    type="button"
                    className="min-h-16 rounded-lg border border-slate-300 bg-slate-50 p-2 text-left text-sm hover:bg-brand-50"
                    onClick={() => add(i)}
                  >
                    <span className="block font-medium">{i.name}</span>
                    <span className="tabular-nums">{formatMoney(i.unit_price_minor)}</span>
                  </button>
                ))}
              </div>
            )}
          </div>
        </div>
      </section>
      <aside aria-label="Customer and payment" className="flex min-h-0 flex-col gap-3 lg:overflow-auto">
        {paying ? (
          <p className="rounded-xl bg-white px-3 py-2 text-sm shadow-sm">
            Customer: <strong>{customer.name ?? "walk-in"}</strong>
            {customer.buyer_gstin ? ` · GSTIN ${customer.buyer_gstin}` : ""}
          </p>
        ) : (
          <CustomerPanel customer={customer} onChange={setCustomer} online={online} phoneRef={phoneRef} onDone={focusScan} />
        )}
        <div className={cx("rounded-xl bg-white p-3 shadow-sm", paying && !totals.discount_problem && "hidden")}>
          <label htmlFor="pos-discount" className="text-sm font-medium">
            Discount code (F6)
          </label>
          <input
            id="pos-discount"
            ref={discountRef}
            value={discountCode}
            autoComplete="off"
            aria-invalid={totals.discount_problem ? true : undefined}
            aria-describedby="pos-discount-error"
            onChange={(e) => setDiscountCode(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                focusScan();
              }
            }}
            className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3 uppercase"
          />
          {totals.discount_problem && (
            <p id="pos-discount-error" className="mt-1 text-sm text-red-700">
              {discountCode.toUpperCase()} {totals.discount_problem}
            </p>
          )}
        </div>
        <TotalsPanel totals={totals} />
        {!paying ? (
          <Button
            size="lg"
            className="h-16 text-xl"
            disabled={lines.length === 0}
            onClick={() => {
              setPaying(true);
              window.setTimeout(() => upiRef.current?.focus(), 0);
            }}
          >
            Pay {formatMoney(totals.grand_total_minor)} (F8)
          </Button>
        ) : (
          <section className="space-y-2 rounded-xl bg-white p-3 shadow-sm" aria-labelledby="pay-h">
            <h2 id="pay-h" className="font-semibold">
              Payment
            </h2>
            <PayRow label="UPI" amount={pay.upi} reference={pay.upiRef} inputRef={upiRef}
              onAmount={(v) => setPay({ ...pay, upi: v })} onReference={(v) => setPay({ ...pay, upiRef: v })} />
            <PayRow label="Card" amount={pay.card} reference={pay.cardRef}
              onAmount={(v) => setPay({ ...pay, card: v })} onReference={(v) => setPay({ ...pay, cardRef: v })} />
            <label className="block text-sm font-medium">
              Cash handed over (₹)
              <input
                inputMode="decimal"
                value={pay.cash}
                onChange={(e) => setPay({ ...pay, cash: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    void complete();
                  }
                }}
                className="mt-1 h-12 w-full rounded-lg border border-slate-300 px-3 text-xl"
              />
            </label>
            <div className="flex flex-wrap gap-2">
              <Button
                size="sm"
                variant="secondary"
                onClick={() => {
                  const rest = totals.grand_total_minor - applyTenders(totals.grand_total_minor, tenders.filter((t) => t.kind !== "cash")).applied.reduce((a, t) => a + t.applied_minor, 0);
                  setPay({ ...pay, cash: (rest / 100).toFixed(2) });
                }}
              >
                Exact cash
              </Button>
              {[10_000, 50_000, 200_000].map((n) => (
                <Button key={n} size="sm" variant="secondary" onClick={() => setPay({ ...pay, cash: String((rupeesToMinor(pay.cash) + n) / 100) })}>
                  +{formatMoney(n).replace(".00", "")}
                </Button>
              ))}
            </div>
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <p className={cx(applied.owed_minor > 0 && "text-red-700")}>
                To pay: <strong>{formatMoney(applied.owed_minor)}</strong>
              </p>
              <p className="text-2xl font-bold text-brand-800" data-testid="pay-change">
                Change: {formatMoney(applied.change_minor)}
              </p>
            </div>
            {applied.over_minor > 0 && <p className="text-red-700">UPI and card may not pay more than the total.</p>}
            {payError && (
              <p role="alert" className="text-red-700">
                {payError}
              </p>
            )}
            <Button
              size="lg"
              className="h-14 w-full text-lg"
              busy={busy}
              disabled={applied.owed_minor > 0 || applied.over_minor > 0}
              onClick={() => void complete()}
            >
              Complete sale
            </Button>
          </section>
        )}
      </aside>
    </div>
  );
}

function PayRow({
  label,
  amount,
  reference,
  onAmount,
  onReference,
  inputRef,
}: {
  label: string;
  amount: string;
  reference: string;
  onAmount: (v: string) => void;
  onReference: (v: string) => void;
  inputRef?: React.Ref<HTMLInputElement>;
}) {
  return (
    <div className="grid grid-cols-2 gap-2">
      <label className="text-sm font-medium">
        {label} amount (₹)
        <input ref={inputRef} inputMode="decimal" value={amount} onChange={(e) => onAmount(e.target.value)}
          className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3" />
      </label>
      <label className="text-sm font-medium">
        {label} reference
        <input value={reference} onChange={(e) => onReference(e.target.value)} autoComplete="off"
          className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3" />
      </label>
    </div>
  );
}

function TotalsPanel({ totals }: { totals: Totals }) {
  const row = (label: ReactNode, minor: number, strong = false) => (
    <div className={cx("flex justify-between", strong && "text-2xl font-bold")}>
      <dt>{label}</dt>
      <dd className="tabular-nums" data-testid={strong ? "grand-total" : undefined}>
        {formatMoney(minor)}
      </dd>
    </div>
  );
  return (
    <dl className="space-y-1 rounded-xl bg-white p-3 shadow-sm" aria-label="Totals" data-testid="totals">
      {row("Items", totals.subtotal_minor)}
      {totals.discount_minor > 0 && row("Discount", -totals.discount_minor)}
      {totals.tax_rows.map((r) =>
        r.cgst_minor + r.sgst_minor > 0 ? (
          <div key={r.rate_bp} className="flex justify-between text-sm text-slate-600">
            <dt>
              GST {r.rate_bp / 100}% (CGST {formatMoney(r.cgst_minor)} + SGST {formatMoney(r.sgst_minor)})
            </dt>
            <dd className="tabular-nums">{formatMoney(r.cgst_minor + r.sgst_minor)}</dd>
          </div>
        ) : null,
      )}
      {row("Total", totals.grand_total_minor, true)}
    </dl>
  );
}

function CustomerPanel({
  customer,
  onChange,
  online,
  phoneRef,
  onDone,
}: {
  customer: Customer;
  onChange: (c: Customer) => void;
  online: boolean;
  phoneRef: React.RefObject<HTMLInputElement | null>;
  onDone: () => void;
}) {
  const [phone, setPhone] = useState("");
  const [found, setFound] = useState<components["schemas"]["CounterCustomer"][]>();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [gstin, setGstin] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const find = async () => {
    setErrors({});
    try {
      const r = await call(api.GET("/api/v1/pos/customers", { params: { query: { phone } }, cache: "no-store" }));
      setFound(r);
      if (r.length === 0) setCreating(true);
    } catch (e) {
      setErrors(e instanceof ApiError ? { phone: e.fieldErrors().phone ?? describe(e) } : { phone: "No connection" });
    }
  };

  const create = async () => {
    setErrors({});
    const bad = gstin.trim() ? gstinProblem(gstin) : undefined;
    if (bad) {
      setErrors({ gstin: `GSTIN ${bad}` });
      return;
    }
    try {
      const made = await call(api.POST("/api/v1/pos/customers", { body: { name, phone } }));
      onChange({ customer_id: made.id, name: made.name, phone: made.phone ?? phone, buyer_gstin: gstin.trim() || undefined });
      setCreating(false);
      setFound(undefined);
      onDone();
    } catch (e) {
      setErrors(e instanceof ApiError ? e.fieldErrors() : { name: "No connection" });
    }
  };

  if (customer.name || customer.customer_id) {
    const addGstin = () => {
      const bad = gstinProblem(gstin);
      if (bad) return setErrors({ gstin: `GSTIN ${bad}` });
      setErrors({});
      onChange({ ...customer, buyer_gstin: gstin.trim().toUpperCase() });
      onDone();
    };
    return (
      <div className="space-y-2 rounded-xl bg-white p-3 shadow-sm">
        <div className="flex items-center justify-between">
          <p>
            <span className="text-sm text-slate-600">Customer</span>
            <br />
            <strong data-testid="customer-name">{customer.name}</strong> {customer.phone}
            {customer.buyer_gstin && <span className="block text-sm">GSTIN {customer.buyer_gstin}</span>}
          </p>
          <Button size="sm" variant="ghost" onClick={() => onChange({})}>
            Walk-in
          </Button>
        </div>
        {!customer.buyer_gstin && (
          <div className="flex items-end gap-2">
            <label className="min-w-0 flex-1 text-sm font-medium">
              GSTIN for a B2B invoice
              <input
                value={gstin}
                onChange={(e) => setGstin(e.target.value.toUpperCase())}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    addGstin();
                  }
                }}
                aria-invalid={errors.gstin ? true : undefined}
                aria-describedby={errors.gstin ? "pos-gstin-error" : undefined}
                className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3 uppercase"
              />
            </label>
            <Button variant="secondary" onClick={addGstin} disabled={!gstin.trim()}>
              Add
            </Button>
          </div>
        )}
        {errors.gstin && (
          <p id="pos-gstin-error" className="text-sm text-red-700">
            {errors.gstin}
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="space-y-2 rounded-xl bg-white p-3 shadow-sm">
      <label htmlFor="pos-phone" className="text-sm font-medium">
        Customer phone (F4) · walk-in if empty
      </label>
      <div className="flex gap-2">
        <input
          id="pos-phone"
          ref={phoneRef}
          inputMode="tel"
          value={phone}
          aria-invalid={errors.phone ? true : undefined}
          aria-describedby={errors.phone ? "pos-phone-error" : undefined}
          onChange={(e) => setPhone(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void find();
            }
          }}
          className="h-11 min-w-0 flex-1 rounded-lg border border-slate-300 px-3"
        />
        <Button variant="secondary" onClick={() => void find()} disabled={!online || !phone.trim()}>
          Find
        </Button>
      </div>
      {errors.phone && (
        <p id="pos-phone-error" className="text-sm text-red-700">
          {errors.phone}
        </p>
      )}
      {found?.map((c) => (
        <button
          key={c.id}
          type="button"
          className="block w-full rounded-lg border border-slate-200 px-3 py-2 text-left hover:bg-slate-50"
          onClick={() => {
            onChange({ customer_id: c.id, name: c.name, phone: c.phone ?? undefined });
            setFound(undefined);
            onDone();
          }}
        >
          Attach {c.name} ({c.phone})
        </button>
      ))}
      {creating && (
        <div className="space-y-2 border-t border-slate-200 pt-2">
          <p className="text-sm">No customer has this number. New customer:</p>
          <label className="block text-sm font-medium">
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} aria-invalid={errors.name ? true : undefined}
              className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3" />
          </label>
          {errors.name && <p className="text-sm text-red-700">{errors.name}</p>}
          <label className="block text-sm font-medium">
            GSTIN for a B2B invoice (optional)
            <input value={gstin} onChange={(e) => setGstin(e.target.value.toUpperCase())}
              aria-invalid={errors.gstin ? true : undefined}
              className="mt-1 h-11 w-full rounded-lg border border-slate-300 px-3 uppercase" />
          </label>
          {errors.gstin && <p className="text-sm text-red-700">{errors.gstin}</p>}
          <Button onClick={() => void create()}>Create and attach</Button>
        </div>
      )}
    </div>
  );
}

function CloseSession({
  session,
  onCancel,
  onClosed,
}: {
  session: Session;
  onCancel: () => void;
  onClosed: (s: Session) => Promise<void>;
}) {
  const [counts, setCounts] = useState<Record<number, number>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const counted = countTotal(counts);
  const close = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const s = await call(
        api.POST("/api/v1/pos/sessions/{id}/close", {
          params: { path: { id: session.id } },
          body: {
            counted: DENOMINATIONS.filter((d) => (counts[d] ?? 0) > 0).map((d) => ({ denomination_minor: d, count: counts[d] ?? 0 })),
          },
        }),
      );
      await onClosed(s);
    } catch (e) {
      setError(e instanceof ApiError ? describe(e) : "No connection: try again");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="m-auto w-full max-w-3xl space-y-4 rounded-xl bg-white p-6 shadow" aria-labelledby="close-h">
      <h2 id="close-h" className="text-xl font-semibold">
        Close the session
      </h2>
      <DenominationCount label="Count the cash in the drawer" counts={counts} onChange={setCounts} />
      <p className="text-lg">
        Counted: <strong data-testid="counted">{formatMoney(counted)}</strong>
      </p>
      {error && (
        <p role="alert" className="text-red-700">
          {error}
        </p>
      )}
      <div className="flex gap-2">
        <Button size="lg" onClick={() => void close()} busy={busy}>
          Close and show the Z-report
        </Button>
        <Button size="lg" variant="secondary" onClick={onCancel}>
          Back to selling
        </Button>
      </div>
    </section>
  );
}

function ZReportPanel({
  session,
  register,
  utcOffsetMins,
  onNew,
}: {
  session: Session;
  register?: Register;
  utcOffsetMins?: number;
  onNew: () => void;
}) {
  return (
    <div className="flex flex-1 flex-col items-center gap-4 p-4">
      <div className="flex gap-2">
        <Button size="lg" variant="secondary" onClick={() => window.print()}>
          Print Z-report
        </Button>
        <Button size="lg" onClick={onNew}>
          Open a new session
        </Button>
      </div>
      <ZReport session={session} registerName={register?.name ?? ""} utcOffsetMins={utcOffsetMins} />
    </div>
  );
}
