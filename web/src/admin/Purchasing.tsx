// Purchasing: suppliers (GSTIN checked by the server), purchase orders from draft to
// received, and receiving goods into a location at the order's unit costs, which moves
// each variant's average cost.
import { useState, type FormEvent } from "react";
import { Link, getRouteApi, useNavigate } from "@tanstack/react-router";
import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { PackagePlus, Plus, Send, Trash2, Truck } from "lucide-react";
import { api, idempotencyKey } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import type { Schemas } from "../api/hooks";
import { parseRupees } from "../lib/format";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { ScrollX } from "../ui/ScrollX";
import { DataTable } from "../ui/Table";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { at } from "./strings";
import { VariantPicker, type PickedVariant } from "./VariantPicker";
import { PO_STATUS_FILTERS, type PurchasingSearch } from "./search";

type Po = Schemas["PurchaseOrderView"];
type Errors = Record<string, string>;

const route = getRouteApi("/admin/purchasing");

/** Every supplier (a small shop has tens), for names and pickers. */
export function useSuppliers() {
  return useQuery({
    queryKey: ["admin-suppliers"],
    queryFn: async () => {
      const all: Schemas["SupplierView"][] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await call(api.GET("/api/v1/inventory/suppliers", { params: { query: { limit: 100, cursor } } }));
        all.push(...page.items);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      return all;
    },
    staleTime: 60_000,
  });
}

export function useLocations() {
  return useQuery({
    queryKey: ["admin-locations"],
    queryFn: async () => (await call(api.GET("/api/v1/inventory/locations", { params: { query: { limit: 100 } } }))).items,
    staleTime: 60_000,
  });
}


export function Purchasing() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tab = search.tab ?? "orders";
  const tabClass = (on: boolean) =>
    `rounded-lg px-3 py-2 text-sm font-medium ${on ? "bg-brand-700 text-white" : "bg-white text-slate-800 border border-slate-300"}`;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{at("nav.purchasing")}</h1>
      <div className="flex gap-2" role="tablist" aria-label={at("nav.purchasing")}>
        <button type="button" role="tab" aria-selected={tab === "orders"} className={tabClass(tab === "orders")} onClick={() => void navigate({ search: { tab: "orders" } })}>
          {at("po.title")}
        </button>
        <button type="button" role="tab" aria-selected={tab === "suppliers"} className={tabClass(tab === "suppliers")} onClick={() => void navigate({ search: { tab: "suppliers" } })}>
          {at("supplier.title")}
        </button>
      </div>
      {tab === "orders" ? <PurchaseOrders search={search} /> : <Suppliers />}
    </div>
  );
}

function PurchaseOrders({ search }: { search: PurchasingSearch }) {
  const navigate = route.useNavigate();
  const suppliers = useSuppliers();
  const [creating, setCreating] = useState(false);
  const orders = useInfiniteQuery({
    queryKey: ["admin-pos", search.status],
    queryFn: ({ pageParam }) =>
      call(api.GET("/api/v1/inventory/purchase-orders", { params: { query: { status: search.status, limit: 50, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const name = (id: string) => suppliers.data?.find((s) => s.id === id)?.name ?? "…";
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <SelectField
          label={at("po.status")}
          value={search.status ?? ""}
          onChange={(e) => void navigate({ search: { tab: "orders", status: (e.target.value || undefined) as PurchasingSearch["status"] } })}
        >
          <option value="">{at("orders.all")}</option>
          {PO_STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {s.replace(/_/g, " ")}
            </option>
          ))}
        </SelectField>
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setCreating(true)}>
          {at("po.new")}
        </Button>
      </div>
      {orders.isError ? (
        <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />
      ) : (
        <DataTable
          caption={at("po.title")}
          loading={orders.isPending}
          rows={rows}
          rowKey={(p) => p.id}
          empty={at("po.none")}
          hasMore={orders.hasNextPage}
          loadingMore={orders.isFetchingNextPage}
          onLoadMore={() => void orders.fetchNextPage()}
          columns={[
            {
              key: "date",
              header: at("po.date"),
              cell: (p) => (
                <Link to="/admin/purchasing/$id" params={{ id: p.id }} className="font-medium text-brand-800 underline">
                  <DateText iso={p.created_at} />
                </Link>
              ),
            },
            { key: "supplier", header: at("po.supplier"), cell: (p) => name(p.supplier_id) },
            { key: "status", header: at("po.status"), cell: (p) => <PoStatus status={p.status} /> },
            { key: "lines", header: at("po.lines"), align: "right", cell: (p) => p.lines.length },
            { key: "total", header: at("po.total"), align: "right", cell: (p) => <Money minor={p.total_cost_minor} /> },
          ]}
        />
      )}
      <Dialog open={creating} onClose={() => setCreating(false)} title={at("po.new")}>
        <NewPurchaseOrder onDone={() => setCreating(false)} />
      </Dialog>
    </div>
  );
}

function PoStatus({ status }: { status: string }) {
  const tone: Record<string, string> = {
    draft: "bg-slate-100 text-slate-800",
    sent: "bg-amber-100 text-amber-900",
    partially_received: "bg-sky-100 text-sky-900",
    received: "bg-emerald-100 text-emerald-900",
    cancelled: "bg-red-100 text-red-900",
  };
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${tone[status] ?? ""}`}>{status.replace(/_/g, " ")}</span>;
}

export interface LineDraft {
  variant: PickedVariant;
  quantity: string;
  cost: string;
}

/** Supplier and lines; lines may come in already filled (reorder suggestions). */
export function NewPurchaseOrder({ onDone, initial = [] }: { onDone: () => void; initial?: LineDraft[] }) {
  const suppliers = useSuppliers();
  const navigate = useNavigate();
  const toast = useToast();
  const qc = useQueryClient();
  const [supplier, setSupplier] = useState("");
  const [lines, setLines] = useState<LineDraft[]>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation({
    mutationFn: (body: Schemas["PurchaseOrderInput"]) => call(api.POST("/api/v1/inventory/purchase-orders", { body })),
    onSuccess: (po) => {
      void qc.invalidateQueries({ queryKey: ["admin-pos"] });
      toast(at("po.created"));
      onDone();
      void navigate({ to: "/admin/purchasing/$id", params: { id: po.id } });
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Errors = {};
    if (!supplier) errs.supplier_id = at("product.required");
    if (lines.length === 0) errs.lines = at("po.noLines");
    const body: Schemas["PurchaseOrderInput"] = {
      supplier_id: supplier,
      lines: lines.map((l, i) => {
        const quantity = Number(l.quantity);
        if (!/^\d+$/.test(l.quantity.trim()) || quantity <= 0) errs[`lines[${i}].quantity`] = at("po.badQuantity");
        const cost = parseRupees(l.cost);
        if (cost === undefined) errs[`lines[${i}].unit_cost_minor`] = at("product.badAmount");
        return { variant_id: l.variant.id, quantity, unit_cost_minor: cost ?? 0 };
      }),
    };
    setErrors(errs);
    if (Object.keys(errs).length === 0) create.mutate(body);
  };
  return (
    <form noValidate className="space-y-4" onSubmit={submit}>
      <SelectField label={at("po.supplier")} value={supplier} onChange={(e) => setSupplier(e.target.value)} error={errors.supplier_id}>
        <option value="">{at("po.chooseSupplier")}</option>
        {(suppliers.data ?? []).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </SelectField>
      {suppliers.data && suppliers.data.length === 0 ? (
        <p className="text-sm text-slate-700">
          {at("po.noSuppliers")}{" "}
          <Link to="/admin/purchasing" search={{ tab: "suppliers" }} className="underline" onClick={onDone}>
            {at("supplier.add")}
          </Link>
        </p>
      ) : null}
      <VariantPicker
        label={at("po.addItem")}
        error={errors.lines}
        onPick={(v) => setLines((all) => (all.some((l) => l.variant.id === v.id) ? all : [...all, { variant: v, quantity: "1", cost: "" }]))}
      />
      {lines.map((l, i) => (
        <fieldset key={l.variant.id} className="grid items-end gap-2 rounded-lg border border-slate-200 p-2 sm:grid-cols-[1fr_6rem_8rem_auto]">
          <legend className="px-1 text-sm font-medium">
            {l.variant.sku} · {l.variant.name}
          </legend>
          <span className="hidden sm:block" />
          <TextField
            label={at("po.quantity")}
            inputMode="numeric"
            value={l.quantity}
            onChange={(e) => setLines((all) => all.map((x, j) => (j === i ? { ...x, quantity: e.target.value } : x)))}
            error={errors[`lines[${i}].quantity`]}
          />
          <TextField
            label={at("po.unitCost")}
            inputMode="decimal"
            value={l.cost}
            onChange={(e) => setLines((all) => all.map((x, j) => (j === i ? { ...x, cost: e.target.value } : x)))}
            error={errors[`lines[${i}].unit_cost_minor`] ?? errors[`lines[${i}].variant_id`]}
          />
          <Button variant="ghost" aria-label={at("po.removeLine", { sku: l.variant.sku })} onClick={() => setLines((all) => all.filter((_, j) => j !== i))}>
            <Trash2 aria-hidden className="size-4" />
          </Button>
        </fieldset>
      ))}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={create.isPending}>
          {at("po.create")}
        </Button>
      </div>
    </form>
  );
}

function Suppliers() {
  const suppliers = useSuppliers();
  const qc = useQueryClient();
  const toast = useToast();
  const blank = { name: "", gstin: "", contact_name: "", phone: "", email: "", lead_time_days: "" };
  const [form, setForm] = useState(blank);
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation({
    mutationFn: (body: Schemas["SupplierInput"]) => call(api.POST("/api/v1/inventory/suppliers", { body })),
    onSuccess: (s) => {
      setForm(blank);
      setErrors({});
      void qc.invalidateQueries({ queryKey: ["admin-suppliers"] });
      toast(at("supplier.added", { name: s.name }));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const opt = (v: string) => (v.trim() ? v.trim() : null);
  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
      <DataTable
        caption={at("supplier.title")}
        loading={suppliers.isPending}
        rows={suppliers.data ?? []}
        rowKey={(s) => s.id}
        empty={at("supplier.none")}
        columns={[
          { key: "name", header: at("supplier.name"), cell: (s) => <span className="font-medium">{s.name}</span> },
          { key: "gstin", header: "GSTIN", cell: (s) => s.gstin ?? "—" },
          { key: "contact", header: at("supplier.contact"), cell: (s) => [s.contact_name, s.phone, s.email].filter(Boolean).join(" · ") || "—" },
          { key: "lead", header: at("supplier.leadTime"), align: "right", cell: (s) => (s.lead_time_days ?? "—") },
        ]}
      />
      <form
        noValidate
        className="space-y-3 rounded-xl border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          const lead = form.lead_time_days.trim();
          if (lead && !/^\d+$/.test(lead)) return setErrors({ lead_time_days: at("product.badNumber") });
          create.mutate({
            name: form.name.trim(),
            gstin: opt(form.gstin.toUpperCase()),
            contact_name: opt(form.contact_name),
            phone: opt(form.phone),
            email: opt(form.email),
            lead_time_days: lead ? Number(lead) : null,
          });
        }}
      >
        <h2 className="text-lg font-semibold">{at("supplier.add")}</h2>
        <TextField label={at("supplier.name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} required />
        <TextField label="GSTIN" value={form.gstin} onChange={(e) => setForm({ ...form, gstin: e.target.value })} error={errors.gstin} hint={at("supplier.gstinHint")} />
        <TextField label={at("supplier.contactName")} value={form.contact_name} onChange={(e) => setForm({ ...form, contact_name: e.target.value })} error={errors.contact_name} />
        <TextField label={at("supplier.phone")} type="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} error={errors.phone} />
        <TextField label={at("supplier.email")} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={errors.email} />
        <TextField
          label={at("supplier.leadTime")}
          inputMode="numeric"
          value={form.lead_time_days}
          onChange={(e) => setForm({ ...form, lead_time_days: e.target.value })}
          error={errors.lead_time_days}
        />
        <Button type="submit" busy={create.isPending}>
          {at("supplier.add")}
        </Button>
      </form>
    </div>
  );
}

const detailRoute = getRouteApi("/admin/purchasing/$id");

export function PurchaseOrderDetail() {
  const { id } = detailRoute.useParams();
  const suppliers = useSuppliers();
  const toast = useToast();
  const qc = useQueryClient();
  const [cancelling, setCancelling] = useState(false);
  const po = useQuery({
    queryKey: ["admin-po", id],
    queryFn: () => call(api.GET("/api/v1/inventory/purchase-orders/{id}", { params: { path: { id } } })),
  });
  const stock = useQueries({
    queries: (po.data?.lines ?? []).map((l) => ({
      queryKey: ["admin-variant-stock", l.variant_id],
      queryFn: () => call(api.GET("/api/v1/inventory/variants/{id}/stock", { params: { path: { id: l.variant_id } } })),
    })),
  });
  const changed = (next: Po) => {
    qc.setQueryData(["admin-po", id], next);
    void qc.invalidateQueries({ queryKey: ["admin-pos"] });
    for (const l of next.lines) void qc.invalidateQueries({ queryKey: ["admin-variant-stock", l.variant_id] });
  };
  const status = useMutation({
    mutationFn: (s: "sent" | "cancelled") =>
      call(api.PATCH("/api/v1/inventory/purchase-orders/{id}", { params: { path: { id } }, body: { status: s } })),
    onSuccess: (next) => {
      setCancelling(false);
      changed(next);
      toast(at("po.now", { status: next.status.replace(/_/g, " ") }));
    },
    onError: (e) => toast(e.message, "error"),
  });
  if (po.isError) return <ErrorState error={po.error} onRetry={() => void po.refetch()} />;
  if (!po.data) return <Skeleton className="h-64" />;
  const p = po.data;
  const supplier = suppliers.data?.find((s) => s.id === p.supplier_id);
  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <Link to="/admin/purchasing" search={{ tab: "orders" }} className="text-sm text-brand-800 underline">
        ← {at("po.title")}
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">
            {at("po.heading", { supplier: supplier?.name ?? "…" })}
          </h1>
          <p className="text-sm text-slate-600">
            <DateText iso={p.created_at} withTime /> · <PoStatus status={p.status} /> · <Money minor={p.total_cost_minor} />
          </p>
        </div>
        <div className="flex gap-2">
          {p.status === "draft" ? (
            <Button icon={<Send aria-hidden className="size-4" />} busy={status.isPending} onClick={() => status.mutate("sent")}>
              {at("po.send")}
            </Button>
          ) : null}
          {p.status === "draft" || p.status === "sent" ? (
            <Button variant="secondary" onClick={() => setCancelling(true)}>
              {at("po.cancel")}
            </Button>
          ) : null}
        </div>
      </div>
      <ScrollX label={at("po.lines")} className="rounded-xl border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{at("po.lines")}</caption>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th className="px-3 py-2">{at("variant.sku")}</th>
              <th className="px-3 py-2">{at("po.item")}</th>
              <th className="px-3 py-2 text-right">{at("po.ordered")}</th>
              <th className="px-3 py-2 text-right">{at("po.received")}</th>
              <th className="px-3 py-2 text-right">{at("po.unitCost")}</th>
              <th className="px-3 py-2 text-right">{at("stock.onHand")}</th>
              <th className="px-3 py-2 text-right">{at("stock.avgCost")}</th>
            </tr>
          </thead>
          <tbody>
            {p.lines.map((l, i) => {
              const s = stock[i]?.data;
              return (
                <tr key={l.variant_id} className="border-t border-slate-200" data-sku={l.sku}>
                  <td className="px-3 py-2 font-medium">{l.sku}</td>
                  <td className="px-3 py-2">{l.name}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{l.quantity_ordered}</td>
                  <td className="px-3 py-2 text-right tabular-nums" data-col="received">{l.quantity_received}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    <Money minor={l.unit_cost_minor} />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums" data-col="on_hand">{s ? s.on_hand : "…"}</td>
                  <td className="px-3 py-2 text-right tabular-nums" data-col="avg_cost">{s ? <Money minor={s.avg_unit_cost_minor} /> : "…"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollX>
      {p.status === "sent" || p.status === "partially_received" ? <ReceiveForm po={p} onReceived={changed} /> : null}
      {p.status === "draft" ? <p className="text-sm text-slate-700">{at("po.draftHint")}</p> : null}
      <Dialog open={cancelling} onClose={() => setCancelling(false)} title={at("po.cancel")}>
        <p className="mb-4">{at("po.cancelConfirm")}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setCancelling(false)}>
            {at("common.keep")}
          </Button>
          <Button variant="danger" busy={status.isPending} onClick={() => status.mutate("cancelled")}>
            {at("po.cancel")}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function ReceiveForm({ po, onReceived }: { po: Po; onReceived: (po: Po) => void }) {
  const locations = useLocations();
  const toast = useToast();
  const live = (locations.data ?? []).filter((l) => l.active);
  const [location, setLocation] = useState("");
  const [quantities, setQuantities] = useState<Record<string, string>>(() =>
    Object.fromEntries(po.lines.map((l) => [l.variant_id, String(Math.max(l.quantity_ordered - l.quantity_received, 0))])),
  );
  const [over, setOver] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  // One key per receipt typed: a retry after a lost answer receives the goods once.
  const [key, setKey] = useState(idempotencyKey);
  const chosen = location || live[0]?.id || "";
  const receive = useMutation({
    mutationFn: (body: Schemas["ReceiptInput"]) =>
      call(api.POST("/api/v1/inventory/purchase-orders/{id}/receipts", { params: { path: { id: po.id }, header: { "Idempotency-Key": key } }, body })),
    onSuccess: (next) => {
      setKey(idempotencyKey());
      setErrors({});
      onReceived(next);
      setQuantities(Object.fromEntries(next.lines.map((l) => [l.variant_id, String(Math.max(l.quantity_ordered - l.quantity_received, 0))])));
      toast(at("po.receivedToast"));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  // Field errors name the lines sent, which are the lines with a quantity, in order.
  const sent = po.lines.filter((l) => Number(quantities[l.variant_id] ?? 0) > 0);
  const errorFor = (variant: string) => {
    const i = sent.findIndex((l) => l.variant_id === variant);
    return i >= 0 ? (errors[`lines[${i}].quantity`] ?? errors[`lines[${i}].variant_id`]) : undefined;
  };
  return (
    <form
      noValidate
      className="space-y-3 rounded-xl border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        const errs: Errors = {};
        sent.forEach((l, i) => {
          if (!/^\d+$/.test((quantities[l.variant_id] ?? "").trim())) errs[`lines[${i}].quantity`] = at("po.badQuantity");
        });
        if (sent.length === 0) errs.lines = at("po.nothingToReceive");
        setErrors(errs);
        if (Object.keys(errs).length) return;
        receive.mutate({
          location_id: chosen,
          allow_over_receipt: over,
          lines: sent.map((l) => ({ variant_id: l.variant_id, quantity: Number(quantities[l.variant_id]) })),
        });
      }}
    >
      <h2 className="flex items-center gap-2 text-lg font-semibold">
        <Truck aria-hidden className="size-5" /> {at("po.receive")}
      </h2>
      <SelectField label={at("po.into")} value={chosen} onChange={(e) => setLocation(e.target.value)} error={errors.location_id}>
        {live.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </SelectField>
      <div className="grid gap-3 sm:grid-cols-2">
        {po.lines.map((l) => (
          <TextField
            key={l.variant_id}
            label={at("po.receiveNow", { sku: l.sku, left: Math.max(l.quantity_ordered - l.quantity_received, 0) })}
            inputMode="numeric"
            value={quantities[l.variant_id] ?? ""}
            onChange={(e) => setQuantities((q) => ({ ...q, [l.variant_id]: e.target.value }))}
            error={errorFor(l.variant_id)}
          />
        ))}
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" checked={over} onChange={(e) => setOver(e.target.checked)} />
        {at("po.allowOver")}
      </label>
      {errors.lines || errors.status ? (
        <p className="text-sm text-red-700" role="alert">
          {errors.lines ?? errors.status}
        </p>
      ) : null}
      <div className="flex justify-end">
        <Button type="submit" busy={receive.isPending} icon={<PackagePlus aria-hidden className="size-4" />}>
          {at("po.receiveButton")}
        </Button>
      </div>
    </form>
  );
}
