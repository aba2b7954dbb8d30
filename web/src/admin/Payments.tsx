// Payments: the ones waiting for staff first (a provider reported an amount the order did
// not ask for), then every payment newest first with what was refunded of it, and the
// check of Razorpay's records against the store's for a span of days.
import { useState, type FormEvent } from "react";
import { Link } from "@tanstack/react-router";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { AlertTriangle, CheckCircle2 } from "lucide-react";
import { api } from "../api/client";
import { ApiError, call } from "../api/problem";
import { useMe, useStoreInfo, type Schemas } from "../api/hooks";
import { formatMoney } from "../lib/format";
import { Button } from "../ui/Button";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { dayStart, storeDay } from "./dates";
import { RequirePermission, can } from "./Layout";
import { METHODS, at, methodLabel, type AdminKey } from "./strings";

type Listed = Schemas["ListedPayment"];

const STATUSES = ["captured", "flagged", "authorized", "created", "failed"] as const;

function statusLabel(status: string): string {
  return (STATUSES as readonly string[]).includes(status) ? at(`pay.status.${status}` as AdminKey) : status;
}

function OrderLink({ p }: { p: Listed }) {
  return (
    <Link to="/admin/orders/$id" params={{ id: p.order_id }} className="font-medium text-brand-800 underline">
      {p.order_number ?? at("pay.order")}
    </Link>
  );
}

export function Payments() {
  return (
    <RequirePermission permission="orders.read_all">
      <PaymentsScreen />
    </RequirePermission>
  );
}

function PaymentsScreen() {
  const me = useMe();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{at("pay.title")}</h1>
      <Flagged />
      <AllPayments />
      {can(me.data, "payments.refund") ? <Reconcile /> : null}
    </div>
  );
}

function Flagged() {
  const flagged = useQuery({
    queryKey: ["admin-payments", "flagged"],
    queryFn: () => call(api.GET("/api/v1/payments/recent", { params: { query: { status: "flagged", limit: 100 } } })),
  });
  if (flagged.isError) return <ErrorState error={flagged.error} onRetry={() => void flagged.refetch()} />;
  const items = flagged.data?.items ?? [];
  if (flagged.isPending) return null;
  return (
    <section aria-labelledby="pay-flagged" data-testid="pay-flagged" className={items.length ? "rounded-xl border border-amber-300 bg-amber-50 p-4" : "rounded-xl border border-slate-200 bg-white p-4"}>
      <h2 id="pay-flagged" className="flex items-center gap-2 font-semibold">
        {items.length ? <AlertTriangle aria-hidden className="size-5 text-amber-700" /> : <CheckCircle2 aria-hidden className="size-5 text-green-700" />}
        {items.length ? at("pay.flagged", { n: items.length }) : at("pay.noneFlagged")}
      </h2>
      {items.length ? (
        <>
          <p className="mt-1 text-sm text-slate-700">{at("pay.flaggedHint")}</p>
          <ul className="mt-3 space-y-2 text-sm">
            {items.map((p) => (
              <li key={p.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 rounded-lg bg-white p-3">
                <OrderLink p={p} />
                <span>{methodLabel(p.method)}</span>
                <Money minor={p.amount_minor} className="font-semibold" />
                <DateText iso={p.created_at} withTime />
                <span className="basis-full text-slate-700">{inRupees(p.flag_reason ?? "")}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function AllPayments() {
  const [status, setStatus] = useState("");
  const [method, setMethod] = useState("");
  const list = useInfiniteQuery({
    queryKey: ["admin-payments", "all", status, method],
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/api/v1/payments/recent", {
          params: { query: { limit: 50, cursor: pageParam, status: status || undefined, method: method || undefined } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return (
    <section aria-labelledby="pay-all" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="pay-all" className="text-lg font-semibold">
          {at("pay.all")}
        </h2>
        <div className="flex flex-wrap gap-3">
          <SelectField label={at("po.status")} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{at("common.any")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </SelectField>
          <SelectField label={at("order.method")} value={method} onChange={(e) => setMethod(e.target.value)}>
            <option value="">{at("common.any")}</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
          </SelectField>
        </div>
      </div>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <DataTable
          caption={at("pay.all")}
          loading={list.isPending}
          rows={list.data?.pages.flatMap((p) => p.items) ?? []}
          rowKey={(p) => p.id}
          empty={at("pay.none")}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          onLoadMore={() => void list.fetchNextPage()}
          columns={[
            { key: "when", header: at("pay.when"), cell: (p) => <DateText iso={p.created_at} withTime /> },
            { key: "order", header: at("pay.order"), cell: (p) => <OrderLink p={p} /> },
            {
              key: "method",
              header: at("order.method"),
              cell: (p) => (
                <>
                  {methodLabel(p.method)}
                  {p.reference || p.provider_payment_id ? <span className="block text-xs text-slate-600">{p.reference ?? p.provider_payment_id}</span> : null}
                </>
              ),
            },
            {
              key: "status",
              header: at("po.status"),
              cell: (p) => <span className={p.status === "flagged" ? "font-semibold text-amber-800" : p.status === "failed" ? "text-red-700" : ""}>{statusLabel(p.status)}</span>,
            },
            { key: "amount", header: at("pay.amount"), align: "right", cell: (p) => <Money minor={p.amount_minor} /> },
            {
              key: "refunded",
              header: at("pay.refunded"),
              align: "right",
              cell: (p) => (p.refunded_minor ? <Money minor={p.refunded_minor} className="text-red-700" /> : "—"),
            },
          ]}
        />
      )}
    </section>
  );
}

const DIFFERENCE: Record<string, AdminKey> = {
  not_recorded: "pay.diff.not_recorded",
  not_captured: "pay.diff.not_captured",
  amount: "pay.diff.amount",
  refunded: "pay.diff.refunded",
};

/** A provider's note with its amounts in paise ("21800 INR") written in rupees. */
function inRupees(text: string): string {
  return text.replace(/\b(\d+) INR\b/g, (_, paise: string) => formatMoney(Number(paise)));
}

/** A figure of the reconciliation (paise, or "captured 59900 INR") as a person reads it. */
function Figure({ text }: { text: string }) {
  if (/^\d+$/.test(text)) return <Money minor={Number(text)} />;
  const m = /^(\w+) (\d+) INR$/.exec(text);
  if (m) {
    return (
      <>
        {statusLabel(m[1] as string)} <Money minor={Number(m[2])} />
      </>
    );
  }
  return <>{statusLabel(text)}</>;
}

function Reconcile() {
  const store = useStoreInfo();
  const offset = store.data?.utc_offset_mins ?? 330;
  const [from, setFrom] = useState(() => storeDay(offset, -1));
  const [to, setTo] = useState(() => storeDay(offset));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const check = useMutation({
    mutationFn: () => call(api.GET("/api/v1/payments/reconciliation", { params: { query: { from: dayStart(from, offset), to: dayStart(to, offset, 1) } } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const bad: Record<string, string> = {};
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) bad.from = at("pay.badDay");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) bad.to = at("pay.badDay");
    if (!bad.from && !bad.to && from > to) bad.to = at("pay.toBeforeFrom");
    setErrors(bad);
    if (Object.keys(bad).length === 0) check.mutate();
  };
  const offline = check.error instanceof ApiError && check.error.status === 409;
  const result = check.data;
  return (
    <section aria-labelledby="pay-reconcile" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
      <h2 id="pay-reconcile" className="text-lg font-semibold">
        {at("pay.reconcile")}
      </h2>
      <p className="text-sm text-slate-700">{at("pay.reconcileHint")}</p>
      <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3">
        <TextField type="date" label={at("pay.from")} value={from} onChange={(e) => setFrom(e.target.value)} error={errors.from} />
        <TextField type="date" label={at("pay.to")} value={to} onChange={(e) => setTo(e.target.value)} error={errors.to} />
        <Button type="submit" busy={check.isPending}>
          {at("pay.check")}
        </Button>
      </form>
      {offline ? <p className="text-sm text-slate-700">{at("pay.noRazorpay")}</p> : check.isError ? <ErrorState error={check.error} onRetry={() => check.mutate()} /> : null}
      {result ? (
        <div data-testid="pay-reconciliation" className="space-y-2">
          <p className="text-sm" role="status">
            {result.differences.length ? at("pay.differences", { n: result.differences.length, checked: result.checked }) : at("pay.agree", { checked: result.checked })}
          </p>
          {result.differences.length ? (
            <DataTable
              caption={at("pay.reconcile")}
              rows={result.differences}
              rowKey={(d) => `${d.kind}-${d.provider_payment_id}`}
              columns={[
                { key: "kind", header: at("pay.difference"), cell: (d) => (DIFFERENCE[d.kind] ? at(DIFFERENCE[d.kind] as AdminKey) : d.kind) },
                {
                  key: "order",
                  header: at("pay.order"),
                  cell: (d) =>
                    d.order_id ? (
                      <Link to="/admin/orders/$id" params={{ id: d.order_id }} className="font-medium text-brand-800 underline">
                        {at("pay.openOrder")}
                      </Link>
                    ) : (
                      "—"
                    ),
                },
                { key: "payment", header: at("pay.razorpayId"), cell: (d) => <span className="font-mono text-xs">{d.provider_payment_id}</span> },
                { key: "kirana", header: at("pay.ours"), cell: (d) => <Figure text={d.kirana} /> },
                { key: "razorpay", header: at("pay.theirs"), cell: (d) => <Figure text={d.razorpay} /> },
              ]}
            />
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
