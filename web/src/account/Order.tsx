import { useState } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FileDown, Undo2, XCircle } from "lucide-react";
import { api } from "../api/client";
import { ApiError, call, fieldErrorsOf } from "../api/problem";
import type { Schemas } from "../api/hooks";
import { useT, type MessageKey } from "../i18n";
import { useHead } from "../lib/head";
import { Button, buttonClass } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { TextArea } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { Totals } from "../store/Totals";
import { stateName } from "../lib/states";

const route = getRouteApi("/account/orders/$id");

const RETURNABLE = new Set(["delivered", "completed", "partially_returned", "partially_refunded"]);
const TONES: Record<string, string> = {
  pending_payment: "bg-amber-100 text-amber-900",
  cancelled: "bg-slate-200 text-slate-700",
  refunded: "bg-slate-200 text-slate-700",
  returned: "bg-slate-200 text-slate-700",
};

export function StatusBadge({ status }: { status: string }) {
  const t = useT();
  const key = `status.${status}` as MessageKey;
  const label = t(key);
  return (
    <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${TONES[status] ?? "bg-brand-100 text-brand-900"}`}>
      {!label || label === key ? status.replace(/_/g, " ") : label}
    </span>
  );
}

export function OrderPage() {
  const t = useT();
  const { id } = route.useParams();
  const order = useQuery({
    queryKey: ["order", id],
    queryFn: () => call(api.GET("/api/v1/orders/{id}", { params: { path: { id } } })),
  });
  const returns = useQuery({
    queryKey: ["order", id, "returns"],
    queryFn: () => call(api.GET("/api/v1/orders/{id}/returns", { params: { path: { id } } })),
  });
  useHead(order.data ? `${t("account.order")} ${order.data.number} | Kirana` : undefined);
  if (order.isPending) return <Skeleton className="h-96" />;
  if (order.isError) return <ErrorState error={order.error} onRetry={() => void order.refetch()} />;
  const o = order.data;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">
          {t("account.order")} {o.number}
        </h1>
        <span data-testid="order-status">
          <StatusBadge status={o.status} />
        </span>
        <span className="text-sm text-slate-600">
          <DateText iso={o.created_at} withTime />
        </span>
      </div>
      <Actions order={o} />

      <section aria-labelledby="lines" className="rounded-xl border border-slate-200 bg-white p-4">
        <h2 id="lines" className="mb-3 font-semibold">
          {t("order.items")}
        </h2>
        <ul className="divide-y divide-slate-100">
          {o.lines.map((l) => (
            <li key={l.line_no} className="flex justify-between gap-3 py-2 text-sm">
              <span>
                {l.name} × {l.quantity}
                <span className="block text-xs text-slate-500">
                  <Money minor={l.unit_price_minor} /> {t("cart.each")} · GST {l.rate_bp / 100}%
                </span>
              </span>
              <Money minor={l.total_minor} className="tabular-nums" />
            </li>
          ))}
        </ul>
        <div className="mt-3 border-t border-slate-200 pt-3">
          <Totals totals={o.totals} pricesIncludeTax={o.prices_include_tax} />
        </div>
      </section>

      <div className="grid gap-6 md:grid-cols-2">
        {o.shipping_address ? (
          <section aria-labelledby="ship" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
            <h2 id="ship" className="mb-2 font-semibold">
              {t("checkout.shippingAddress")}
            </h2>
            <address className="not-italic text-slate-700">
              {o.shipping_address.name}
              <br />
              {o.shipping_address.line1}
              {o.shipping_address.line2 ? (
                <>
                  <br />
                  {o.shipping_address.line2}
                </>
              ) : null}
              <br />
              {o.shipping_address.city} {o.shipping_address.pincode}
              <br />
              {stateName(o.shipping_address.state_code)}
            </address>
          </section>
        ) : null}
        <section aria-labelledby="timeline" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
          <h2 id="timeline" className="mb-2 font-semibold">
            {t("order.timeline")}
          </h2>
          <ol className="space-y-2 border-l-2 border-slate-200 pl-4">
            {o.timeline.map((e, i) => (
              <li key={i}>
                <StatusBadge status={e.to_status} />{" "}
                <span className="text-slate-600">
                  <DateText iso={e.at} withTime />
                </span>
                {e.note ? <p className="text-slate-700">{e.note}</p> : null}
              </li>
            ))}
          </ol>
          <Link to="/track" search={{ order: o.number, pincode: o.shipping_address?.pincode }} className="mt-3 inline-block text-brand-800 underline">
            {t("order.trackParcels")}
          </Link>
        </section>
      </div>

      {o.invoices.length ? (
        <section aria-labelledby="docs" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
          <h2 id="docs" className="mb-2 font-semibold">
            {t("order.documents")}
          </h2>
          <ul className="space-y-2">
            {o.invoices.map((d) => (
              <li key={d.id} className="flex flex-wrap items-center gap-3">
                <span>
                  {d.kind.replace(/_/g, " ")} {d.number} · <Money minor={d.grand_total_minor} />
                </span>
                <a href={`/api/v1/invoices/${d.id}.pdf`} download className={buttonClass("secondary", "sm")}>
                  <FileDown aria-hidden className="size-4" /> PDF
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {returns.data && returns.data.length ? (
        <section aria-labelledby="returns" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
          <h2 id="returns" className="mb-2 font-semibold">
            {t("order.returns")}
          </h2>
          <ul className="space-y-2" data-testid="returns">
            {returns.data.map((r) => (
              <li key={r.id} className="flex flex-wrap items-center gap-2">
                <StatusBadge status={`return_${r.status}`} />
                <span>
                  {r.lines.map((l) => `${o.lines.find((x) => x.line_no === l.line_no)?.name ?? l.line_no} × ${l.quantity}`).join(", ")}
                </span>
                <span className="text-slate-600">“{r.reason}”</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function Actions({ order }: { order: Schemas["OrderView"] }) {
  const t = useT();
  const toast = useToast();
  const qc = useQueryClient();
  const [returning, setReturning] = useState(false);
  const cancel = useMutation({
    mutationFn: () => call(api.POST("/api/v1/orders/{id}/cancel", { params: { path: { id: order.id } }, body: { reason: null } })),
    onSuccess: (o) => {
      qc.setQueryData(["order", order.id], o);
      toast(t("order.cancelled"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  const canCancel = order.status === "pending_payment";
  const canReturn = RETURNABLE.has(order.status);
  if (!canCancel && !canReturn) return null;
  return (
    <div className="flex flex-wrap gap-2">
      {canCancel ? (
        <Button
          variant="secondary"
          busy={cancel.isPending}
          icon={<XCircle aria-hidden className="size-4" />}
          onClick={() => {
            if (window.confirm(t("order.cancelConfirm"))) cancel.mutate();
          }}
        >
          {t("order.cancel")}
        </Button>
      ) : null}
      {canReturn ? (
        <>
          <Button variant="secondary" icon={<Undo2 aria-hidden className="size-4" />} onClick={() => setReturning(true)}>
            {t("order.requestReturn")}
          </Button>
          <Dialog open={returning} onClose={() => setReturning(false)} title={t("order.requestReturn")}>
            <ReturnForm order={order} onDone={() => setReturning(false)} />
          </Dialog>
        </>
      ) : null}
    </div>
  );
}

function ReturnForm({ order, onDone }: { order: Schemas["OrderView"]; onDone: () => void }) {
  const t = useT();
  const toast = useToast();
  const qc = useQueryClient();
  const [qty, setQty] = useState<Record<number, number>>({});
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string>();
  const ask = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/orders/{id}/returns", {
          params: { path: { id: order.id } },
          body: {
            reason,
            lines: Object.entries(qty)
              .filter(([, q]) => q > 0)
              .map(([line_no, quantity]) => ({ line_no: Number(line_no), quantity })),
          },
        }),
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["order", order.id] });
      toast(t("order.returnRequested"));
      onDone();
    },
  });
  const errors = fieldErrorsOf(ask.error);
  const general = ask.error && !Object.keys(errors).length ? (ask.error instanceof ApiError ? ask.error.message : t("error.server")) : undefined;
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!Object.values(qty).some((q) => q > 0)) return setLocalError(t("order.pickLines"));
        setLocalError(undefined);
        ask.mutate();
      }}
    >
      <fieldset>
        <legend className="mb-2 text-sm font-semibold">{t("order.whichItems")}</legend>
        <ul className="space-y-2">
          {order.lines.map((l) => (
            <li key={l.line_no} className="flex items-center justify-between gap-3 text-sm">
              <label htmlFor={`ret-${l.line_no}`} className="flex-1">
                {l.name} <span className="text-slate-500">(× {l.quantity})</span>
              </label>
              <select
                id={`ret-${l.line_no}`}
                value={qty[l.line_no] ?? 0}
                onChange={(e) => setQty({ ...qty, [l.line_no]: Number(e.target.value) })}
                className="h-9 rounded-md border border-slate-300 bg-white px-2"
              >
                {Array.from({ length: l.quantity + 1 }, (_, n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </li>
          ))}
        </ul>
        {localError || errors.lines ? (
          <p role="alert" className="mt-2 text-sm text-red-700">
            {localError ?? errors.lines}
          </p>
        ) : null}
      </fieldset>
      <TextArea label={t("order.reason")} value={reason} onChange={(e) => setReason(e.target.value)} required rows={3} error={errors.reason} maxLength={500} />
      {general ? (
        <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800">
          {general}
        </p>
      ) : null}
      <Button type="submit" busy={ask.isPending}>
        {t("order.sendReturn")}
      </Button>
    </form>
  );
}
