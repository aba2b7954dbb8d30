// Inventory: stock per location, a variant's ledger, adjustments with a reason,
// thresholds, transfers between locations, cycle counts (typed or scanned) and reorder
// suggestions that become a purchase order.
import { useState, type ReactNode } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ClipboardCheck, Plus, Trash2 } from "lucide-react";
import { api, idempotencyKey } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { useMe, type Schemas } from "../api/hooks";
import { rupeesField } from "../lib/format";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { can } from "./Layout";
import { NewPurchaseOrder, useLocations, type LineDraft } from "./Purchasing";
import { INVENTORY_TABS, type InventorySearch } from "./search";
import { at, type AdminKey } from "./strings";
import { VariantPicker, type PickedVariant } from "./VariantPicker";

type Level = Schemas["LevelView"];
type Errors = Record<string, string>;

const route = getRouteApi("/admin/inventory");

const TAB_LABEL: Record<(typeof INVENTORY_TABS)[number], AdminKey> = {
  stock: "inv.stock",
  ledger: "inv.ledger",
  transfers: "inv.transfers",
  count: "inv.count",
  reorder: "inv.reorder",
};

export function Inventory() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const me = useMe();
  const all = can(me.data, "catalog.manage_all");
  // Sellers see their own variants' ledger; locations and the rest are the shop's.
  const tabs = all ? INVENTORY_TABS : (["ledger"] as const);
  const tab = search.variant && !search.tab ? "ledger" : (search.tab ?? tabs[0]);
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{at("nav.inventory")}</h1>
      <div className="flex flex-wrap gap-2" role="tablist" aria-label={at("nav.inventory")}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={`rounded-lg px-3 py-2 text-sm font-medium ${tab === t ? "bg-brand-700 text-white" : "border border-slate-300 bg-white text-slate-800"}`}
            onClick={() => void navigate({ search: (prev) => ({ ...prev, tab: t }) })}
          >
            {at(TAB_LABEL[t])}
          </button>
        ))}
      </div>
      {tab === "stock" ? <StockTab search={search} /> : null}
      {tab === "ledger" ? <LedgerTab search={search} /> : null}
      {tab === "transfers" ? <TransfersTab /> : null}
      {tab === "count" ? <CountTab search={search} /> : null}
      {tab === "reorder" ? <ReorderTab search={search} /> : null}
    </div>
  );
}

function LocationSelect({ search, label = at("inv.location") }: { search: InventorySearch; label?: string }) {
  const navigate = route.useNavigate();
  const locations = useLocations();
  const value = search.location ?? locations.data?.[0]?.id ?? "";
  return (
    <SelectField label={label} value={value} onChange={(e) => void navigate({ search: (prev) => ({ ...prev, location: e.target.value }) })}>
      {(locations.data ?? []).map((l) => (
        <option key={l.id} value={l.id}>
          {l.name}
          {l.active ? "" : ` (${at("inv.inactive")})`}
        </option>
      ))}
    </SelectField>
  );
}

function useLocationId(search: InventorySearch): string | undefined {
  const locations = useLocations();
  return search.location ?? locations.data?.[0]?.id;
}

function StockTab({ search }: { search: InventorySearch }) {
  const location = useLocationId(search);
  const navigate = route.useNavigate();
  const [adjusting, setAdjusting] = useState<Level | null>(null);
  const [threshold, setThreshold] = useState<Level | null>(null);
  const levels = useInfiniteQuery({
    queryKey: ["admin-levels", location],
    enabled: Boolean(location),
    queryFn: ({ pageParam }) =>
      call(api.GET("/api/v1/inventory/locations/{id}/stock", { params: { path: { id: location ?? "" }, query: { limit: 100, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const low = useQuery({
    queryKey: ["admin-low-stock", location],
    enabled: Boolean(location),
    queryFn: () => call(api.GET("/api/v1/inventory/low-stock", { params: { query: { location_id: location } } })),
  });
  const thresholdOf = (variant: string) => low.data?.find((l) => l.variant_id === variant)?.threshold;
  const rows = levels.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
        <LocationSelect search={search} />
        <Button variant="secondary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setAdjusting({ variant_id: "", sku: "", name: "", location_id: location ?? "", on_hand: 0, reserved: 0, available: 0 })}>
          {at("inv.adjust")}
        </Button>
      </div>
      {low.data && low.data.length > 0 ? (
        <p className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900" role="status">
          {at("inv.lowCount", { n: low.data.length })}
        </p>
      ) : null}
      {levels.isError ? (
        <ErrorState error={levels.error} onRetry={() => void levels.refetch()} />
      ) : (
        <DataTable
          caption={at("inv.stock")}
          loading={levels.isPending}
          rows={rows}
          rowKey={(l) => l.variant_id}
          empty={at("inv.noStock")}
          hasMore={levels.hasNextPage}
          loadingMore={levels.isFetchingNextPage}
          onLoadMore={() => void levels.fetchNextPage()}
          columns={[
            { key: "sku", header: at("variant.sku"), cell: (l) => <span className="font-medium">{l.sku}</span> },
            { key: "name", header: at("po.item"), cell: (l) => l.name },
            { key: "on_hand", header: at("stock.onHand"), align: "right", cell: (l) => l.on_hand },
            { key: "reserved", header: at("stock.reserved"), align: "right", cell: (l) => l.reserved },
            {
              key: "available",
              header: at("stock.available"),
              align: "right",
              cell: (l) => {
                const t = thresholdOf(l.variant_id);
                return <span className={t !== undefined ? "font-semibold text-red-800" : ""}>{l.available}</span>;
              },
            },
            {
              key: "actions",
              header: <span className="sr-only">{at("order.actions")}</span>,
              cell: (l) => (
                <span className="flex gap-1">
                  <Button size="sm" variant="ghost" onClick={() => setAdjusting(l)} aria-label={at("inv.adjustOf", { sku: l.sku })}>
                    {at("inv.adjust")}
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setThreshold(l)} aria-label={at("inv.thresholdOf", { sku: l.sku })}>
                    {at("inv.threshold")}
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => void navigate({ search: (prev) => ({ ...prev, tab: "ledger", variant: l.variant_id }) })}
                    aria-label={at("inv.ledgerOf", { sku: l.sku })}
                  >
                    {at("inv.ledger")}
                  </Button>
                </span>
              ),
            },
          ]}
        />
      )}
      <Dialog open={adjusting !== null} onClose={() => setAdjusting(null)} title={adjusting?.sku ? at("inv.adjustOf", { sku: adjusting.sku }) : at("inv.adjust")}>
        {adjusting ? <AdjustForm level={adjusting} onDone={() => setAdjusting(null)} /> : null}
      </Dialog>
      <Dialog open={threshold !== null} onClose={() => setThreshold(null)} title={at("inv.thresholdOf", { sku: threshold?.sku ?? "" })}>
        {threshold ? <ThresholdForm level={threshold} current={thresholdOf(threshold.variant_id)} onDone={() => setThreshold(null)} /> : null}
      </Dialog>
    </div>
  );
}

function AdjustForm({ level, onDone }: { level: Level; onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [variant, setVariant] = useState<PickedVariant | null>(level.variant_id ? { id: level.variant_id, sku: level.sku, name: level.name } : null);
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [key] = useState(idempotencyKey);
  const adjust = useMutation({
    mutationFn: (body: Schemas["AdjustmentInput"]) =>
      call(api.POST("/api/v1/inventory/adjustments", { body, params: { header: { "Idempotency-Key": key } } })),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["admin-levels"] });
      void qc.invalidateQueries({ queryKey: ["admin-low-stock"] });
      void qc.invalidateQueries({ queryKey: ["admin-ledger"] });
      void qc.invalidateQueries({ queryKey: ["admin-variant-stock", r.level.variant_id] });
      toast(at("inv.adjusted", { sku: variant?.sku ?? "", n: r.level.on_hand }));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const errs: Errors = {};
        if (!variant) errs.variant_id = at("product.required");
        if (!/^-?\d+$/.test(quantity.trim()) || Number(quantity) === 0) errs.quantity = at("inv.badDelta");
        if (!reason.trim()) errs.reason = at("product.required");
        setErrors(errs);
        if (Object.keys(errs).length || !variant) return;
        adjust.mutate({ variant_id: variant.id, location_id: level.location_id, quantity: Number(quantity), reason: reason.trim() });
      }}
    >
      {variant ? (
        <p className="text-sm">
          <span className="font-medium">{variant.sku}</span> · {variant.name} · {at("stock.onHand")} {level.on_hand}
        </p>
      ) : (
        <VariantPicker label={at("inv.item")} onPick={setVariant} error={errors.variant_id} />
      )}
      <TextField label={at("inv.delta")} hint={at("inv.deltaHint")} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} error={errors.quantity} />
      <TextField label={at("inv.reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} placeholder={at("inv.reasonHint")} />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={adjust.isPending}>
          {at("inv.adjustSave")}
        </Button>
      </div>
    </form>
  );
}

function ThresholdForm({ level, current, onDone }: { level: Level; current: number | undefined; onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [value, setValue] = useState(current === undefined ? "" : String(current));
  const [errors, setErrors] = useState<Errors>({});
  const save = useMutation({
    mutationFn: (threshold: number | null) =>
      call(api.PUT("/api/v1/inventory/thresholds", { body: { thresholds: [{ variant_id: level.variant_id, location_id: level.location_id, threshold }] } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["admin-low-stock"] });
      toast(at("inv.thresholdSaved"));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e, "thresholds[0].")),
  });
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const v = value.trim();
        if (v && !/^\d+$/.test(v)) return setErrors({ threshold: at("product.badNumber") });
        save.mutate(v ? Number(v) : null);
      }}
    >
      <TextField label={at("inv.threshold")} hint={at("inv.thresholdHint")} inputMode="numeric" value={value} onChange={(e) => setValue(e.target.value)} error={errors.threshold} />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={save.isPending}>
          {at("inv.thresholdSave")}
        </Button>
      </div>
    </form>
  );
}

const KIND_LABEL: Record<string, string> = {
  receipt: "Received",
  sale: "Sold",
  return: "Returned",
  adjustment: "Adjusted",
  transfer_out: "Transferred out",
  transfer_in: "Transferred in",
  reservation: "Reserved",
  release: "Released",
};

function LedgerTab({ search }: { search: InventorySearch }) {
  const navigate = route.useNavigate();
  const locations = useLocations();
  const stock = useQuery({
    queryKey: ["admin-variant-stock", search.variant],
    enabled: Boolean(search.variant),
    queryFn: () => call(api.GET("/api/v1/inventory/variants/{id}/stock", { params: { path: { id: search.variant ?? "" } } })),
  });
  const moves = useInfiniteQuery({
    queryKey: ["admin-ledger", search.variant],
    enabled: Boolean(search.variant),
    queryFn: ({ pageParam }) =>
      call(api.GET("/api/v1/inventory/movements", { params: { query: { variant_id: search.variant, limit: 100, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const place = (id: string) => locations.data?.find((l) => l.id === id)?.name ?? id.slice(0, 8);
  const label = stock.data?.locations[0];
  return (
    <div className="space-y-3">
      <div className="rounded-xl border border-slate-200 bg-white p-4">
        <VariantPicker label={at("inv.item")} onPick={(v) => void navigate({ search: (prev) => ({ ...prev, tab: "ledger", variant: v.id }) })} />
      </div>
      {!search.variant ? (
        <EmptyState title={at("inv.pickVariant")} />
      ) : (
        <>
          {stock.data ? (
            <dl className="grid grid-cols-2 gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-4">
              <Stat label={at("variant.sku")} value={label ? `${label.sku} · ${label.name}` : "—"} />
              <Stat label={at("stock.onHand")} value={stock.data.on_hand} />
              <Stat label={at("stock.available")} value={stock.data.available} />
              <Stat label={at("stock.avgCost")} value={<Money minor={stock.data.avg_unit_cost_minor} />} />
            </dl>
          ) : null}
          {moves.isError ? (
            <ErrorState error={moves.error} onRetry={() => void moves.refetch()} />
          ) : (
            <DataTable
              caption={at("inv.ledger")}
              loading={moves.isPending}
              rows={moves.data?.pages.flatMap((p) => p.items) ?? []}
              rowKey={(m) => m.id}
              empty={at("inv.noMoves")}
              hasMore={moves.hasNextPage}
              loadingMore={moves.isFetchingNextPage}
              onLoadMore={() => void moves.fetchNextPage()}
              columns={[
                { key: "at", header: at("orders.date"), cell: (m) => <DateText iso={m.created_at} withTime /> },
                { key: "kind", header: at("inv.kind"), cell: (m) => KIND_LABEL[m.kind] ?? m.kind },
                { key: "where", header: at("inv.location"), cell: (m) => place(m.location_id) },
                { key: "delta", header: at("inv.change"), align: "right", cell: (m) => (m.on_hand_delta > 0 ? `+${m.on_hand_delta}` : m.on_hand_delta || "") },
                { key: "reserved", header: at("stock.reserved"), align: "right", cell: (m) => (m.reserved_delta > 0 ? `+${m.reserved_delta}` : m.reserved_delta || "") },
                { key: "cost", header: at("po.unitCost"), align: "right", cell: (m) => (m.unit_cost_minor !== null && m.unit_cost_minor !== undefined ? <Money minor={m.unit_cost_minor} /> : "") },
                { key: "why", header: at("inv.reason"), cell: (m) => [m.reason, m.reference].filter(Boolean).join(" · ") },
              ]}
            />
          )}
        </>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

interface QtyLine {
  variant: PickedVariant;
  quantity: string;
}

function LinesEditor({
  lines,
  setLines,
  label,
  quantityLabel,
  errors,
  scanHint,
}: {
  lines: QtyLine[];
  setLines: (f: (l: QtyLine[]) => QtyLine[]) => void;
  label: string;
  quantityLabel: string;
  errors: Errors;
  scanHint?: boolean;
}) {
  return (
    <div className="space-y-2">
      <VariantPicker
        label={label}
        error={errors.lines}
        onPick={(v) =>
          setLines((all) => {
            // Scanning the same item again counts one more.
            const at = all.findIndex((l) => l.variant.id === v.id);
            if (at < 0) return [...all, { variant: v, quantity: "1" }];
            return all.map((l, i) => (i === at ? { ...l, quantity: String((Number(l.quantity) || 0) + 1) } : l));
          })
        }
      />
      {scanHint ? <p className="text-xs text-slate-600">{at("inv.scanHint")}</p> : null}
      {lines.map((l, i) => (
        <div key={l.variant.id} className="grid items-end gap-2 sm:grid-cols-[1fr_8rem_auto]">
          <p className="pb-2 text-sm">
            <span className="font-medium">{l.variant.sku}</span> · {l.variant.name}
          </p>
          <TextField
            label={quantityLabel}
            inputMode="numeric"
            value={l.quantity}
            onChange={(e) => setLines((all) => all.map((x, j) => (j === i ? { ...x, quantity: e.target.value } : x)))}
            error={errors[`lines[${i}].quantity`] ?? errors[`lines[${i}].counted`] ?? errors[`lines[${i}].variant_id`]}
          />
          <Button variant="ghost" aria-label={at("po.removeLine", { sku: l.variant.sku })} onClick={() => setLines((all) => all.filter((_, j) => j !== i))}>
            <Trash2 aria-hidden className="size-4" />
          </Button>
        </div>
      ))}
    </div>
  );
}

function TransfersTab() {
  const locations = useLocations();
  const qc = useQueryClient();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const transfers = useInfiniteQuery({
    queryKey: ["admin-transfers"],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/inventory/transfers", { params: { query: { limit: 50, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const receive = useMutation({
    mutationFn: (id: string) =>
      call(api.POST("/api/v1/inventory/transfers/{id}/receive", { params: { path: { id }, header: { "Idempotency-Key": `receive-${id}` } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["admin-transfers"] });
      void qc.invalidateQueries({ queryKey: ["admin-levels"] });
      toast(at("inv.transferReceived"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  const place = (id: string) => locations.data?.find((l) => l.id === id)?.name ?? "…";
  return (
    <div className="space-y-3">
      <div className="flex justify-end">
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setCreating(true)} disabled={(locations.data?.length ?? 0) < 2}>
          {at("inv.newTransfer")}
        </Button>
      </div>
      <DataTable
        caption={at("inv.transfers")}
        loading={transfers.isPending}
        rows={transfers.data?.pages.flatMap((p) => p.items) ?? []}
        rowKey={(t) => t.id}
        empty={at("inv.noTransfers")}
        hasMore={transfers.hasNextPage}
        onLoadMore={() => void transfers.fetchNextPage()}
        columns={[
          { key: "shipped", header: at("inv.shipped"), cell: (t) => <DateText iso={t.shipped_at} withTime /> },
          { key: "route", header: at("inv.route"), cell: (t) => `${place(t.from_location_id)} → ${place(t.to_location_id)}` },
          { key: "units", header: at("reports.units"), align: "right", cell: (t) => t.lines.reduce((n, l) => n + l.quantity, 0) },
          { key: "status", header: at("po.status"), cell: (t) => t.status.replace(/_/g, " ") },
          {
            key: "act",
            header: <span className="sr-only">{at("order.actions")}</span>,
            cell: (t) =>
              t.status === "in_transit" ? (
                <Button size="sm" variant="secondary" busy={receive.isPending && receive.variables === t.id} onClick={() => receive.mutate(t.id)}>
                  {at("inv.receiveTransfer")}
                </Button>
              ) : t.received_at ? (
                <DateText iso={t.received_at} withTime />
              ) : null,
          },
        ]}
      />
      <Dialog open={creating} onClose={() => setCreating(false)} title={at("inv.newTransfer")}>
        <NewTransfer onDone={() => setCreating(false)} />
      </Dialog>
    </div>
  );
}

function NewTransfer({ onDone }: { onDone: () => void }) {
  const locations = useLocations();
  const qc = useQueryClient();
  const toast = useToast();
  const live = (locations.data ?? []).filter((l) => l.active);
  const [from, setFrom] = useState(live[0]?.id ?? "");
  const [to, setTo] = useState(live[1]?.id ?? "");
  const [reason, setReason] = useState("");
  const [lines, setLines] = useState<QtyLine[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [key] = useState(idempotencyKey);
  const create = useMutation({
    mutationFn: (body: Schemas["TransferInput"]) => call(api.POST("/api/v1/inventory/transfers", { body, params: { header: { "Idempotency-Key": key } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["admin-transfers"] });
      void qc.invalidateQueries({ queryKey: ["admin-levels"] });
      toast(at("inv.transferShipped"));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const errs: Errors = {};
        if (lines.length === 0) errs.lines = at("po.noLines");
        lines.forEach((l, i) => {
          if (!/^\d+$/.test(l.quantity.trim()) || Number(l.quantity) <= 0) errs[`lines[${i}].quantity`] = at("po.badQuantity");
        });
        setErrors(errs);
        if (Object.keys(errs).length) return;
        create.mutate({
          from_location_id: from,
          to_location_id: to,
          reason: reason.trim() || null,
          lines: lines.map((l) => ({ variant_id: l.variant.id, quantity: Number(l.quantity) })),
        });
      }}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField label={at("inv.from")} value={from} onChange={(e) => setFrom(e.target.value)} error={errors.from_location_id}>
          {live.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </SelectField>
        <SelectField label={at("inv.to")} value={to} onChange={(e) => setTo(e.target.value)} error={errors.to_location_id}>
          {live.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </SelectField>
      </div>
      <TextField label={at("inv.reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} />
      <LinesEditor lines={lines} setLines={setLines} label={at("inv.item")} quantityLabel={at("po.quantity")} errors={errors} />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={create.isPending}>
          {at("inv.ship")}
        </Button>
      </div>
    </form>
  );
}

function CountTab({ search }: { search: InventorySearch }) {
  const location = useLocationId(search);
  const qc = useQueryClient();
  const toast = useToast();
  const [lines, setLines] = useState<QtyLine[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [result, setResult] = useState<Schemas["CountView"] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const count = useMutation({
    mutationFn: (body: Schemas["CountInput"]) => call(api.POST("/api/v1/inventory/counts", { body, params: { header: { "Idempotency-Key": idempotencyKey() } } })),
    onSuccess: (r) => {
      setResult(r);
      setLines([]);
      setConfirming(false);
      void qc.invalidateQueries({ queryKey: ["admin-levels"] });
      void qc.invalidateQueries({ queryKey: ["admin-ledger"] });
      toast(at("inv.counted"));
    },
    onError: (e) => {
      setConfirming(false);
      setErrors(fieldErrorsOf(e));
    },
  });
  const names = Object.fromEntries(lines.map((l) => [l.variant.id, l.variant]));
  const [shown, setShown] = useState<Record<string, PickedVariant>>({});
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <form
        noValidate
        className="space-y-3 rounded-xl border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          const errs: Errors = {};
          if (lines.length === 0) errs.lines = at("po.noLines");
          lines.forEach((l, i) => {
            if (!/^\d+$/.test(l.quantity.trim())) errs[`lines[${i}].counted`] = at("product.badNumber");
          });
          setErrors(errs);
          if (!Object.keys(errs).length) setConfirming(true);
        }}
      >
        <h2 className="flex items-center gap-2 text-lg font-semibold">
          <ClipboardCheck aria-hidden className="size-5" /> {at("inv.count")}
        </h2>
        <LocationSelect search={search} />
        <LinesEditor lines={lines} setLines={setLines} label={at("inv.scanOrType")} quantityLabel={at("inv.counted")} errors={errors} scanHint />
        <div className="flex justify-end">
          <Button type="submit">{at("inv.countSave")}</Button>
        </div>
      </form>
      <div className="space-y-2">
        {result ? (
          <DataTable
            caption={at("inv.countResult")}
            rows={result.lines}
            rowKey={(l) => l.variant_id}
            columns={[
              { key: "sku", header: at("variant.sku"), cell: (l) => shown[l.variant_id]?.sku ?? l.variant_id.slice(0, 8) },
              { key: "prev", header: at("inv.before"), align: "right", cell: (l) => l.previous },
              { key: "counted", header: at("inv.counted"), align: "right", cell: (l) => l.counted },
              { key: "diff", header: at("inv.change"), align: "right", cell: (l) => (l.difference > 0 ? `+${l.difference}` : l.difference) },
            ]}
          />
        ) : (
          <p className="text-sm text-slate-600">{at("inv.countHint")}</p>
        )}
      </div>
      <Dialog open={confirming} onClose={() => setConfirming(false)} title={at("inv.countSave")}>
        <p className="mb-4">{at("inv.countConfirm", { n: lines.length })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            {at("common.cancel")}
          </Button>
          <Button
            busy={count.isPending}
            onClick={() => {
              setShown(names);
              count.mutate({ location_id: location ?? "", lines: lines.map((l) => ({ variant_id: l.variant.id, counted: Number(l.quantity) })) });
            }}
          >
            {at("inv.countSave")}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function ReorderTab({ search }: { search: InventorySearch }) {
  const location = useLocationId(search);
  const [picked, setPicked] = useState<Record<string, boolean>>({});
  const [ordering, setOrdering] = useState<LineDraft[] | null>(null);
  const suggestions = useQuery({
    queryKey: ["admin-reorder", location],
    enabled: Boolean(location),
    queryFn: () => call(api.GET("/api/v1/inventory/reorder-suggestions", { params: { query: { location_id: location ?? "" } } })),
  });
  const rows = suggestions.data ?? [];
  const chosen = rows.filter((r) => picked[r.variant_id] ?? true);
  const startOrder = async () => {
    // The unit cost starts at what a unit has cost on average; staff change it to the quote.
    const costs = await Promise.all(
      chosen.map((r) =>
        call(api.GET("/api/v1/inventory/variants/{id}/stock", { params: { path: { id: r.variant_id } } })).then(
          (s) => s.avg_unit_cost_minor,
          () => 0,
        ),
      ),
    );
    setOrdering(
      chosen.map((r, i) => ({
        variant: { id: r.variant_id, sku: r.sku, name: r.name },
        quantity: String(r.suggested_quantity),
        cost: costs[i] ? rupeesField(costs[i]) : "",
      })),
    );
  };
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3 rounded-xl border border-slate-200 bg-white p-4">
        <LocationSelect search={search} />
        <Button disabled={chosen.length === 0} onClick={() => void startOrder()}>
          {at("inv.makePo", { n: chosen.length })}
        </Button>
      </div>
      {suggestions.isError ? <ErrorState error={suggestions.error} onRetry={() => void suggestions.refetch()} /> : null}
      {suggestions.isPending ? <Skeleton className="h-32" /> : null}
      {suggestions.data ? (
        <DataTable
          caption={at("inv.reorder")}
          rows={rows}
          rowKey={(r) => r.variant_id}
          empty={at("inv.noReorder")}
          columns={[
            {
              key: "pick",
              header: <span className="sr-only">{at("inv.include")}</span>,
              cell: (r) => (
                <input
                  type="checkbox"
                  className="size-4"
                  aria-label={at("inv.includeSku", { sku: r.sku })}
                  checked={picked[r.variant_id] ?? true}
                  onChange={(e) => setPicked((p) => ({ ...p, [r.variant_id]: e.target.checked }))}
                />
              ),
            },
            { key: "sku", header: at("variant.sku"), cell: (r) => <span className="font-medium">{r.sku}</span> },
            { key: "name", header: at("po.item"), cell: (r) => r.name },
            { key: "available", header: at("stock.available"), align: "right", cell: (r) => r.available },
            { key: "sold", header: at("inv.sold", { days: r0(rows)?.window_days ?? 30 }), align: "right", cell: (r) => r.sold },
            { key: "cover", header: at("inv.cover"), align: "right", cell: (r) => (r.days_of_cover === null || r.days_of_cover === undefined ? "—" : r.days_of_cover.toFixed(1)) },
            { key: "suggested", header: at("inv.suggested"), align: "right", cell: (r) => <span className="font-semibold">{r.suggested_quantity}</span> },
          ]}
        />
      ) : null}
      <p className="text-xs text-slate-600">
        {at("inv.reorderHint")} <Link to="/admin/purchasing" search={{ tab: "orders" }} className="underline">{at("nav.purchasing")}</Link>
      </p>
      <Dialog open={ordering !== null} onClose={() => setOrdering(null)} title={at("po.new")}>
        {ordering ? <NewPurchaseOrder initial={ordering} onDone={() => setOrdering(null)} /> : null}
      </Dialog>
    </div>
  );
}

function r0<T>(rows: T[]): T | undefined {
  return rows[0];
}
