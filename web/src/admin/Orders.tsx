import { useState, type FormEvent } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowRightCircle, Ban, CreditCard, ExternalLink, FileDown, PackageCheck, Printer, Truck } from "lucide-react";
import { api, idempotencyKey } from "../api/client";
import { ApiError, call, fieldErrorsOf } from "../api/problem";
import { useMe, useStoreInfo, type Schemas } from "../api/hooks";
import { StatusBadge } from "../account/Order";
import { Totals } from "../store/Totals";
import { stateName } from "../lib/states";
import { Button, buttonClass } from "../ui/Button";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ScrollX } from "../ui/ScrollX";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { dayStart } from "./dates";
import { can } from "./Layout";
import { ReturnsAndRefunds } from "./OrderReturns";
import { at, methodLabel } from "./strings";
import { ORDER_QUERY, ORDER_STATUSES as STATUSES, type OrderStatus as Status, type OrdersSearch } from "./search";

type Order = Schemas["OrderView"];

const listRoute = getRouteApi("/admin/orders");

export function OrdersList() {
  const search = listRoute.useSearch();
  const navigate = listRoute.useNavigate();
  const store = useStoreInfo();
  const offset = store.data?.utc_offset_mins ?? 330;
  const [text, setText] = useState(search.q ?? "");
  const [textError, setTextError] = useState<string | undefined>();
  const query = {
    q: search.q,
    status: search.status,
    channel: search.channel,
    from: search.from ? dayStart(search.from, offset) : undefined,
    to: search.to ? dayStart(search.to, offset, 1) : undefined,
    limit: 50,
  };
  const orders = useInfiniteQuery({
    queryKey: ["admin-orders", query],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/orders", { params: { query: { ...query, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: Boolean(store.data),
  });
  const set = (patch: Partial<OrdersSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...patch }) });
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{at("orders.title")}</h1>
      <div className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-4">
        <form
          role="search"
          noValidate
          className="sm:col-span-4"
          onSubmit={(e) => {
            e.preventDefault();
            const q = text.trim();
            if (q && !ORDER_QUERY.test(q)) return setTextError(at("orders.badSearch"));
            setTextError(undefined);
            set({ q: q || undefined });
          }}
        >
          <TextField label={at("orders.search")} type="search" data-search value={text} onChange={(e) => setText(e.target.value)} error={textError} hint={at("orders.searchHint")} />
        </form>
        <SelectField label={at("orders.status")} value={search.status ?? ""} onChange={(e) => set({ status: (e.target.value || undefined) as Status | undefined })}>
          <option value="">{at("orders.all")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace(/_/g, " ")}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={at("orders.channel")}
          value={search.channel ?? ""}
          onChange={(e) => set({ channel: (e.target.value || undefined) as "web" | "pos" | undefined })}
        >
          <option value="">{at("orders.all")}</option>
          <option value="web">{at("orders.web")}</option>
          <option value="pos">{at("orders.pos")}</option>
        </SelectField>
        <TextField label={at("orders.from")} type="date" value={search.from ?? ""} onChange={(e) => set({ from: e.target.value || undefined })} />
        <TextField label={at("orders.to")} type="date" value={search.to ?? ""} onChange={(e) => set({ to: e.target.value || undefined })} />
      </div>
      {orders.isError ? (
        <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />
      ) : (
        <DataTable
          caption={at("orders.title")}
          loading={orders.isPending}
          rows={rows}
          rowKey={(o) => o.id}
          empty={at("orders.none")}
          hasMore={orders.hasNextPage}
          loadingMore={orders.isFetchingNextPage}
          onLoadMore={() => void orders.fetchNextPage()}
          columns={[
            {
              key: "number",
              header: at("orders.number"),
              cell: (o) => (
                <Link to="/admin/orders/$id" params={{ id: o.id }} className="font-medium text-brand-800 underline">
                  {o.number}
                </Link>
              ),
            },
            { key: "date", header: at("orders.date"), cell: (o) => <DateText iso={o.created_at} withTime /> },
            { key: "customer", header: at("order.customer"), cell: (o) => o.customer ?? "—" },
            { key: "channel", header: at("orders.channel"), cell: (o) => (o.channel === "pos" ? at("orders.pos") : at("orders.web")) },
            { key: "status", header: at("orders.status"), cell: (o) => <StatusBadge status={o.status} /> },
            { key: "total", header: at("orders.total"), align: "right", cell: (o) => <Money minor={o.grand_total_minor} /> },
          ]}
        />
      )}
    </div>
  );
}

const detailRoute = getRouteApi("/admin/orders/$id");
/** Actors that are account ids say nothing to a reader; named ones (system, guest) do. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function OrderDetail() {
  const { id } = detailRoute.useParams();
  const order = useQuery({
    queryKey: ["admin-order", id],
    queryFn: () => call(api.GET("/api/v1/orders/{id}", { params: { path: { id } } })),
  });
  const me = useMe();
  const shipments = useQuery({
    queryKey: ["admin-order", id, "shipments"],
    queryFn: () => call(api.GET("/api/v1/shipments", { params: { query: { order_id: id } } })),
    enabled: can(me.data, "shipping.manage"),
  });
  if (order.isPending) return <Skeleton className="h-96" />;
  if (order.isError) return <ErrorState error={order.error} onRetry={() => void order.refetch()} />;
  const o = order.data;
  const paidSoFar = o.payments.reduce((n, p) => n + p.amount_minor, 0);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">
          {at("orders.number")} {o.number}
        </h1>
        <span data-testid="admin-order-status">
          <StatusBadge status={o.status} />
        </span>
        <span className="text-sm text-slate-600">
          <DateText iso={o.created_at} withTime /> · {o.channel === "pos" ? at("orders.pos") : at("orders.web")}
        </span>
      </div>

      {can(me.data, "orders.manage") ? <Actions order={o} due={o.totals.grand_total_minor - paidSoFar} /> : null}
      {can(me.data, "orders.manage") ? <ReturnsAndRefunds order={o} /> : null}

      <div className="grid gap-6 xl:grid-cols-[1fr_22rem]">
        <div className="space-y-6">
          <section aria-labelledby="lines" className="rounded-xl border border-slate-200 bg-white p-4">
            <h2 id="lines" className="mb-3 font-semibold">
              {at("order.lines")}
            </h2>
            <ScrollX label={at("order.lines")}>
              <table className="w-full text-left text-sm">
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="hidden py-1 pr-3 sm:table-cell">SKU</th>
                    <th scope="col" className="py-1 pr-3">Item</th>
                    <th scope="col" className="py-1 pl-2 text-right">Qty</th>
                    <th scope="col" className="py-1 pl-2 text-right">Packed</th>
                    <th scope="col" className="hidden py-1 pl-2 text-right sm:table-cell">GST</th>
                    <th scope="col" className="py-1 pl-2 text-right">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {o.lines.map((l) => (
                    <tr key={l.line_no} className="border-t border-slate-100">
                      <td className="hidden py-1.5 pr-3 text-slate-600 sm:table-cell">{l.sku}</td>
                      <td className="py-1.5 pr-3">{l.name}</td>
                      <td className="py-1.5 pl-2 text-right tabular-nums">{l.quantity}</td>
                      <td className="py-1.5 pl-2 text-right tabular-nums">{l.fulfilled_quantity}</td>
                      <td className="hidden py-1.5 pl-2 text-right tabular-nums sm:table-cell">{l.rate_bp / 100}%</td>
                      <td className="py-1.5 pl-2 text-right tabular-nums">
                        <Money minor={l.total_minor} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollX>
            <div className="mt-3 border-t border-slate-200 pt-3">
              <Totals totals={o.totals} pricesIncludeTax={o.prices_include_tax} />
            </div>
          </section>

          <section aria-labelledby="shipments" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
            <h2 id="shipments" className="mb-3 font-semibold">
              {at("order.shipments")}
            </h2>
            {(shipments.data ?? []).length === 0 ? <p className="text-slate-600">—</p> : null}
            <ul className="space-y-4">
              {(shipments.data ?? []).map((s) => (
                <li key={s.id} data-testid="shipment">
                  <p className="font-medium">
                    {s.number} · {s.carrier} · {s.tracking_number} · <StatusBadge status={s.status} />
                  </p>
                  <div className="mt-1 flex flex-wrap gap-2">
                    <a className={buttonClass("secondary", "sm")} href={`/api/v1/shipments/${s.id}/label`} target="_blank" rel="noreferrer">
                      <ExternalLink aria-hidden className="size-4" /> {at("order.label")}
                    </a>
                    <a className={buttonClass("secondary", "sm")} href={`/api/v1/shipments/${s.id}/packing-slip`} target="_blank" rel="noreferrer">
                      <ExternalLink aria-hidden className="size-4" /> {at("order.slip")}
                    </a>
                  </div>
                  <ol className="mt-2 space-y-1 border-l-2 border-slate-200 pl-3">
                    {s.timeline.map((e, i) => (
                      <li key={i}>
                        {e.description || e.status} · <DateText iso={e.occurred_at} withTime />
                        {e.location ? ` · ${e.location}` : ""}
                      </li>
                    ))}
                  </ol>
                  {can(me.data, "shipping.manage") && !["delivered", "returned_to_origin"].includes(s.status) ? (
                    <TrackingStep shipment={s} orderId={o.id} />
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        </div>

        <div className="space-y-6">
          <section aria-labelledby="customer" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
            <h2 id="customer" className="mb-2 font-semibold">
              {at("order.customer")}
            </h2>
            <p>{o.customer_name ?? o.shipping_address?.name}</p>
            {o.email ? (
              <p className="text-slate-600">
                {o.email} ·{" "}
                <Link to="/admin/orders" search={{ q: o.email }} className="text-brand-800 underline">
                  {at("order.theirOrders")}
                </Link>
              </p>
            ) : null}
            {o.buyer_gstin ? <p className="text-slate-600">GSTIN {o.buyer_gstin}</p> : null}
            {o.shipping_address ? (
              <>
                <h3 className="mt-3 font-medium">{at("order.shipTo")}</h3>
                <address className="not-italic text-slate-700">
                  {o.shipping_address.name}, {o.shipping_address.phone}
                  <br />
                  {o.shipping_address.line1}
                  {o.shipping_address.line2 ? `, ${o.shipping_address.line2}` : ""}
                  <br />
                  {o.shipping_address.city} {o.shipping_address.pincode}, {stateName(o.shipping_address.state_code)}
                </address>
              </>
            ) : null}
          </section>
          <section aria-labelledby="payments" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
            <h2 id="payments" className="mb-2 font-semibold">
              {at("order.payments")}
            </h2>
            {o.payments.length === 0 ? <p className="text-slate-600">{at("order.noPayments")}</p> : null}
            <ul className="space-y-1">
              {o.payments.map((p, i) => (
                <li key={i} className="flex justify-between gap-2">
                  <span>
                    {methodLabel(p.method)} {p.reference ? `· ${p.reference}` : ""}
                  </span>
                  <Money minor={p.amount_minor} />
                </li>
              ))}
            </ul>
          </section>
          {o.invoices.length ? (
            <section aria-labelledby="docs" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
              <h2 id="docs" className="mb-2 font-semibold">
                {at("order.documents")}
              </h2>
              <ul className="space-y-2">
                {o.invoices.map((d) => (
                  <li key={d.id} className="flex flex-wrap items-center gap-2">
                    <span>
                      {d.number} · <Money minor={d.grand_total_minor} />
                    </span>
                    <a href={`/api/v1/invoices/${d.id}.html`} className={buttonClass("secondary", "sm")} target="_blank" rel="noreferrer" aria-label={at("docs.print", { number: d.number })}>
                      <Printer aria-hidden className="size-4" /> {at("docs.printShort")}
                    </a>
                    <a href={`/api/v1/invoices/${d.id}.pdf`} className={buttonClass("secondary", "sm")} target="_blank" rel="noreferrer">
                      <FileDown aria-hidden className="size-4" /> PDF
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section aria-labelledby="timeline" className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
            <h2 id="timeline" className="mb-2 font-semibold">
              {at("order.timeline")}
            </h2>
            <ol className="space-y-2 border-l-2 border-slate-200 pl-3" data-testid="admin-timeline">
              {o.timeline.map((e, i) => (
                <li key={i}>
                  <StatusBadge status={e.to_status} /> <DateText iso={e.at} withTime />
                  <span className="block text-slate-600">
                    {e.note} {e.actor && !UUID.test(e.actor) ? `· ${e.actor}` : ""}
                  </span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </div>
  );
}

/** After an action: look again now, and a few times more, since payments and parcels
 * reach the order through the event outbox a moment later. */
function useRefresh(orderId: string) {
  const qc = useQueryClient();
  return () => {
    for (const ms of [0, 500, 1500, 3500]) {
      window.setTimeout(() => {
        void qc.invalidateQueries({ queryKey: ["admin-order", orderId] });
        void qc.invalidateQueries({ queryKey: ["admin-orders"] });
      }, ms);
    }
  };
}

function problemText(e: unknown): string | undefined {
  if (!e) return undefined;
  if (e instanceof ApiError) {
    const fields = Object.entries(e.fieldErrors());
    return fields.length ? `${e.message}: ${fields.map(([f, m]) => `${f} ${m}`).join("; ")}` : e.message;
  }
  return "The store could not be reached; try again.";
}

/** The steps staff may take by hand from each status (the server's rule): an order handed
 * over without a shipment leaves, arrives and is completed here. */
const HAND_MOVES: Partial<Record<string, ("shipped" | "delivered" | "completed")[]>> = {
  fulfilled: ["shipped", "completed"],
  shipped: ["delivered"],
  delivered: ["completed"],
};

function MoveForm({ order, moves, onDone }: { order: Order; moves: ("shipped" | "delivered" | "completed")[]; onDone: () => void }) {
  const toast = useToast();
  const refresh = useRefresh(order.id);
  const [to, setTo] = useState(moves[0] ?? "delivered");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const move = useMutation({
    mutationFn: () =>
      call(api.POST("/api/v1/orders/{id}/transitions", { params: { path: { id: order.id } }, body: { to, note: note.trim() || null } })),
    onSuccess: () => {
      toast(at("order.moved", { number: order.number, status: at(`order.to.${to}`) }));
      refresh();
      onDone();
    },
    onError: (e) => {
      const f = fieldErrorsOf(e);
      setErrors(f);
      if (!Object.keys(f).length) toast(problemText(e) ?? "", "error");
    },
  });
  return (
    <form
      noValidate
      className="mt-4 grid gap-3 border-t border-slate-200 pt-4 sm:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate();
      }}
    >
      <SelectField label={at("order.moveTo")} value={to} onChange={(e) => setTo(e.target.value as typeof to)} error={errors.to}>
        {moves.map((m) => (
          <option key={m} value={m}>
            {at(`order.to.${m}`)}
          </option>
        ))}
      </SelectField>
      <TextField label={at("order.moveNote")} value={note} onChange={(e) => setNote(e.target.value)} error={errors.note} maxLength={500} />
      <div className="flex items-end">
        <Button type="submit" busy={move.isPending}>
          {at("order.moveConfirm", { status: at(`order.to.${to}`) })}
        </Button>
      </div>
      <p className="text-sm text-slate-600 sm:col-span-3">{at(to === "completed" ? "order.moveFinal" : "order.moveHint")}</p>
    </form>
  );
}

function Actions({ order, due }: { order: Order; due: number }) {
  const toast = useToast();
  const refresh = useRefresh(order.id);
  const [panel, setPanel] = useState<"pay" | "ship" | "move" | undefined>();
  const open = (p: "pay" | "ship" | "move") => setPanel((x) => (x === p ? undefined : p));
  const fulfil = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/orders/{id}/fulfilments", {
          params: { path: { id: order.id }, header: { "Idempotency-Key": idempotencyKey() } },
          body: {
            lines: order.lines
              .filter((l) => l.quantity > l.fulfilled_quantity)
              .map((l) => ({ line_no: l.line_no, quantity: l.quantity - l.fulfilled_quantity })),
          },
        }),
      ),
    onSuccess: () => {
      toast(at("order.done"));
      refresh();
    },
    onError: (e) => toast(problemText(e) ?? "", "error"),
  });
  const cancel = useMutation({
    mutationFn: (reason: string) =>
      call(api.POST("/api/v1/orders/{id}/cancel", { params: { path: { id: order.id } }, body: { reason: reason || null } })),
    onSuccess: () => refresh(),
    onError: (e) => toast(problemText(e) ?? "", "error"),
  });
  const s = order.status;
  const canPay = due > 0 && !["cancelled", "refunded", "returned"].includes(s);
  const left = order.lines.some((l) => l.quantity > l.fulfilled_quantity);
  // An order with a delivery address leaves in shipments (a shipment takes its goods out
  // of stock); one without (collected) is packed here.
  const delivered = Boolean(order.shipping_address);
  const canFulfil = !delivered && ["paid", "partially_fulfilled"].includes(s) && left;
  const canShip = delivered && ["paid", "confirmed", "partially_shipped"].includes(s) && left;
  const moves = HAND_MOVES[s] ?? [];
  const canCancel = ["pending_payment", "confirmed", "paid", "partially_fulfilled", "fulfilled"].includes(s);
  if (!canPay && !canFulfil && !canShip && moves.length === 0 && !canCancel) return null;
  return (
    <section aria-labelledby="actions" className="rounded-xl border border-slate-200 bg-white p-4">
      <h2 id="actions" className="sr-only">
        {at("order.actions")}
      </h2>
      <div className="flex flex-wrap gap-2">
        {canPay ? (
          <Button variant={panel === "pay" ? "primary" : "secondary"} aria-expanded={panel === "pay"} icon={<CreditCard aria-hidden className="size-4" />} onClick={() => open("pay")}>
            {at("order.recordPayment")}
          </Button>
        ) : null}
        {canFulfil ? (
          <Button variant="secondary" busy={fulfil.isPending} icon={<PackageCheck aria-hidden className="size-4" />} onClick={() => fulfil.mutate()}>
            {at("order.fulfil")}
          </Button>
        ) : null}
        {canShip ? (
          <Button variant={panel === "ship" ? "primary" : "secondary"} aria-expanded={panel === "ship"} icon={<Truck aria-hidden className="size-4" />} onClick={() => open("ship")}>
            {at("order.ship")}
          </Button>
        ) : null}
        {moves.length ? (
          <Button variant={panel === "move" ? "primary" : "secondary"} aria-expanded={panel === "move"} icon={<ArrowRightCircle aria-hidden className="size-4" />} onClick={() => open("move")}>
            {at("order.move")}
          </Button>
        ) : null}
        {canCancel ? (
          <Button
            variant="danger"
            busy={cancel.isPending}
            icon={<Ban aria-hidden className="size-4" />}
            onClick={() => {
              const reason = window.prompt(at("order.cancelConfirm", { number: order.number }) + "\n\n" + at("order.cancelReason"));
              if (reason !== null) cancel.mutate(reason.trim());
            }}
          >
            {at("order.cancel")}
          </Button>
        ) : null}
      </div>
      {panel === "pay" ? <PaymentForm order={order} due={due} onDone={() => setPanel(undefined)} /> : null}
      {panel === "ship" ? <ShipmentForm order={order} onDone={() => setPanel(undefined)} /> : null}
      {panel === "move" ? <MoveForm key={s} order={order} moves={moves} onDone={() => setPanel(undefined)} /> : null}
    </section>
  );
}

function PaymentForm({ order, due, onDone }: { order: Order; due: number; onDone: () => void }) {
  const refresh = useRefresh(order.id);
  const [method, setMethod] = useState<"cash" | "upi" | "card" | "manual" | "cod">(order.status === "confirmed" ? "cod" : "upi");
  const [reference, setReference] = useState("");
  const [key] = useState(idempotencyKey);
  const pay = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/payments/manual", {
          params: { header: { "Idempotency-Key": key } },
          body: { order_id: order.id, method, amount_minor: due, reference: reference.trim() || null },
        }),
      ),
    onSuccess: () => {
      refresh();
      onDone();
    },
  });
  const errors = fieldErrorsOf(pay.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pay.mutate();
  };
  return (
    <form onSubmit={submit} className="mt-4 grid gap-3 border-t border-slate-200 pt-4 sm:grid-cols-3" noValidate>
      <SelectField label={at("order.method")} value={method} onChange={(e) => setMethod(e.target.value as typeof method)} error={errors.method}>
        <option value="upi">UPI</option>
        <option value="card">Card</option>
        <option value="cash">Cash</option>
        <option value="manual">Bank transfer</option>
        <option value="cod">Cash on delivery</option>
      </SelectField>
      <TextField label={at("order.reference")} value={reference} onChange={(e) => setReference(e.target.value)} error={errors.reference} />
      <div>
        <p className="text-sm font-medium">{at("order.amount")}</p>
        <p className="mt-2 font-semibold">
          <Money minor={due} />
        </p>
      </div>
      {pay.error && Object.keys(errors).every((f) => f !== "method" && f !== "reference") ? (
        <p role="alert" className="text-sm text-red-700 sm:col-span-3">
          {problemText(pay.error)}
        </p>
      ) : null}
      <div className="sm:col-span-3">
        <Button type="submit" busy={pay.isPending}>
          {at("order.record")}
        </Button>
      </div>
    </form>
  );
}

function ShipmentForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const refresh = useRefresh(order.id);
  const [awb, setAwb] = useState("");
  const [pkg, setPkg] = useState({ weight_grams: "", length_cm: "", width_cm: "", height_cm: "" });
  const num = (v: string) => (v.trim() ? Number(v) : null);
  const ship = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/shipments", {
          body: {
            order_id: order.id,
            carrier: "manual",
            tracking_number: awb.trim(),
            lines: order.lines
              .filter((l) => l.quantity > l.fulfilled_quantity)
              .map((l) => ({ line_no: l.line_no, quantity: l.quantity - l.fulfilled_quantity })),
            package: {
              weight_grams: num(pkg.weight_grams),
              length_cm: num(pkg.length_cm),
              width_cm: num(pkg.width_cm),
              height_cm: num(pkg.height_cm),
            },
          },
        }),
      ),
    onSuccess: () => {
      refresh();
      onDone();
    },
  });
  const errors = fieldErrorsOf(ship.error);
  const field = (k: keyof typeof pkg, label: string) => (
    <TextField label={label} inputMode="numeric" value={pkg[k]} onChange={(e) => setPkg({ ...pkg, [k]: e.target.value })} error={errors[`package.${k}`]} />
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        ship.mutate();
      }}
      className="mt-4 grid gap-3 border-t border-slate-200 pt-4 sm:grid-cols-5"
      noValidate
    >
      <TextField label={at("order.awb")} value={awb} onChange={(e) => setAwb(e.target.value)} error={errors.tracking_number} className="sm:col-span-5" />
      {field("weight_grams", at("order.weight"))}
      {field("length_cm", at("order.length"))}
      {field("width_cm", at("order.width"))}
      {field("height_cm", at("order.height"))}
      {ship.error && Object.keys(errors).some((f) => f !== "tracking_number" && !f.startsWith("package.")) || (ship.error && !Object.keys(errors).length) ? (
        <p role="alert" className="text-sm text-red-700 sm:col-span-5">
          {problemText(ship.error)}
        </p>
      ) : null}
      <div className="sm:col-span-5">
        <Button type="submit" busy={ship.isPending}>
          {at("order.createShipment")}
        </Button>
      </div>
    </form>
  );
}

const STEPS = ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed", "returned_to_origin"] as const;

function TrackingStep({ shipment, orderId }: { shipment: Schemas["ShipmentView"]; orderId: string }) {
  const refresh = useRefresh(orderId);
  const [status, setStatus] = useState<(typeof STEPS)[number]>("in_transit");
  const [location, setLocation] = useState("");
  const add = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/shipments/{id}/events", {
          params: { path: { id: shipment.id } },
          body: { status, location: location.trim() || null, description: null, occurred_at: null },
        }),
      ),
    onSuccess: () => {
      setLocation("");
      refresh();
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate();
      }}
      className="mt-2 flex flex-wrap items-end gap-2"
      aria-label={`${at("order.trackingStep")} ${shipment.number}`}
    >
      <SelectField label={at("order.step")} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
        {STEPS.map((s) => (
          <option key={s} value={s}>
            {s.replace(/_/g, " ")}
          </option>
        ))}
      </SelectField>
      <TextField label={at("order.location")} value={location} onChange={(e) => setLocation(e.target.value)} />
      <Button type="submit" variant="secondary" busy={add.isPending}>
        {at("order.addStep")}
      </Button>
      {add.error ? (
        <p role="alert" className="basis-full text-sm text-red-700">
          {problemText(add.error)}
        </p>
      ) : null}
    </form>
  );
}
