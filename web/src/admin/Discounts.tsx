// Discount codes: the list with how often each was used, a new code, and a code's terms
// changed or switched off. Percentages are typed as percent and amounts in rupees.
import { useState } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import type { Schemas } from "../api/hooks";
import { parseRupees, rupeesField } from "../lib/format";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { useToast } from "../ui/Toast";
import { RequirePermission } from "./Layout";
import { at } from "./strings";

type Discount = Schemas["DiscountView"];
type Errors = Record<string, string>;

interface Draft {
  code: string;
  kind: "percent" | "fixed";
  value: string;
  minOrder: string;
  startsAt: string;
  endsAt: string;
  maxUses: string;
  maxPerCustomer: string;
  active: boolean;
}

/** A `datetime-local` value for an instant, in this browser's time. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Basis points as the percent a person types: 1250 → "12.5". */
export function percentField(bp: number): string {
  return String(bp / 100);
}

/** "12.5" → 1250 basis points; null when it is not a percentage with at most two decimals. */
export function percentToBp(text: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

function draftOf(d?: Discount): Draft {
  return {
    code: d?.code ?? "",
    kind: (d?.kind as Draft["kind"]) ?? "percent",
    value: d ? (d.kind === "percent" ? percentField(d.value) : rupeesField(d.value)) : "",
    minOrder: d?.min_order_minor ? rupeesField(d.min_order_minor) : "",
    startsAt: localInput(d?.starts_at),
    endsAt: localInput(d?.ends_at),
    maxUses: d?.max_uses ? String(d.max_uses) : "",
    maxPerCustomer: d?.max_uses_per_customer ? String(d.max_uses_per_customer) : "",
    active: d?.active ?? true,
  };
}

/** The terms a draft describes, or the fields it gets wrong. */
function terms(d: Draft): { body?: Schemas["DiscountTerms"]; errors: Errors } {
  const errors: Errors = {};
  const value = d.kind === "percent" ? percentToBp(d.value) : (parseRupees(d.value) ?? null);
  if (value === null || value <= 0 || (d.kind === "percent" && value > 10_000)) errors.value = d.kind === "percent" ? at("disc.badPercent") : at("product.badAmount");
  const minOrder = d.minOrder.trim() ? parseRupees(d.minOrder) : 0;
  if (minOrder === undefined) errors.min_order_minor = at("product.badAmount");
  const count = (text: string, field: string) => {
    if (!text.trim()) return null;
    if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
      errors[field] = at("po.badQuantity");
      return null;
    }
    return Number(text);
  };
  const body: Schemas["DiscountTerms"] = {
    kind: d.kind,
    value: value ?? 0,
    min_order_minor: minOrder ?? 0,
    starts_at: d.startsAt ? new Date(d.startsAt).toISOString() : null,
    ends_at: d.endsAt ? new Date(d.endsAt).toISOString() : null,
    max_uses: count(d.maxUses, "max_uses"),
    max_uses_per_customer: count(d.maxPerCustomer, "max_uses_per_customer"),
    active: d.active,
  };
  return Object.keys(errors).length ? { errors } : { body, errors };
}

export function Discounts() {
  return (
    <RequirePermission permission="orders.manage">
      <DiscountList />
    </RequirePermission>
  );
}

function DiscountList() {
  const [editing, setEditing] = useState<Discount | "new" | null>(null);
  const codes = useInfiniteQuery({
    queryKey: ["admin-discounts"],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/discounts", { params: { query: { limit: 100, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{at("disc.title")}</h1>
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing("new")}>
          {at("disc.new")}
        </Button>
      </div>
      {codes.isError ? (
        <ErrorState error={codes.error} onRetry={() => void codes.refetch()} />
      ) : (
        <DataTable
          caption={at("disc.title")}
          loading={codes.isPending}
          rows={codes.data?.pages.flatMap((p) => p.items) ?? []}
          rowKey={(d) => d.id}
          empty={at("disc.none")}
          hasMore={codes.hasNextPage}
          onLoadMore={() => void codes.fetchNextPage()}
          columns={[
            {
              key: "code",
              header: at("disc.code"),
              cell: (d) => (
                <button type="button" className="font-mono font-semibold text-brand-800 underline" onClick={() => setEditing(d)}>
                  {d.code}
                </button>
              ),
            },
            { key: "off", header: at("disc.off"), cell: (d) => (d.kind === "percent" ? `${percentField(d.value)} %` : <Money minor={d.value} />) },
            { key: "min", header: at("disc.minOrder"), align: "right", cell: (d) => (d.min_order_minor ? <Money minor={d.min_order_minor} /> : "—") },
            {
              key: "when",
              header: at("disc.valid"),
              cell: (d) => (
                <>
                  {d.starts_at ? <DateText iso={d.starts_at} /> : at("disc.now")} – {d.ends_at ? <DateText iso={d.ends_at} /> : at("disc.noEnd")}
                </>
              ),
            },
            {
              key: "uses",
              header: at("disc.uses"),
              align: "right",
              cell: (d) => (
                <span data-testid={`uses-${d.code}`}>
                  {d.used_count}
                  {d.max_uses ? ` / ${d.max_uses}` : ""}
                </span>
              ),
            },
            { key: "active", header: at("po.status"), cell: (d) => (d.active ? at("disc.on") : at("disc.off.state")) },
          ]}
        />
      )}
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? at("disc.new") : at("disc.edit", { code: editing?.code ?? "" })}>
        {editing ? <DiscountForm key={editing === "new" ? "new" : editing.id} current={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
      </Dialog>
    </div>
  );
}

function DiscountForm({ current, onDone }: { current?: Discount | undefined; onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [d, setD] = useState<Draft>(() => draftOf(current));
  const [errors, setErrors] = useState<Errors>({});
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const save = useMutation({
    mutationFn: (body: Schemas["DiscountTerms"]) =>
      current
        ? call(api.PUT("/api/v1/discounts/{code}", { params: { path: { code: current.code } }, body }))
        : call(
            api.POST("/api/v1/discounts", {
              body: {
                code: d.code.trim(),
                kind: body.kind,
                value: body.value,
                min_order_minor: body.min_order_minor ?? 0,
                starts_at: body.starts_at ?? null,
                ends_at: body.ends_at ?? null,
                max_uses: body.max_uses ?? null,
                max_uses_per_customer: body.max_uses_per_customer ?? null,
              },
            }),
          ),
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ["admin-discounts"] });
      toast(at("disc.saved", { code: saved.code }));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <form
      noValidate
      className="grid gap-3 sm:grid-cols-2"
      onSubmit={(e) => {
        e.preventDefault();
        const { body, errors: errs } = terms(d);
        if (!current && !d.code.trim()) errs.code = at("product.required");
        setErrors(errs);
        if (body && Object.keys(errs).length === 0) save.mutate(body);
      }}
    >
      {current ? (
        <p className="sm:col-span-2 text-sm">
          {at("disc.usedSoFar", { n: current.used_count })}
        </p>
      ) : (
        <TextField
          label={at("disc.code")}
          hint={at("disc.codeHint")}
          value={d.code}
          onChange={(e) => set({ code: e.target.value.toUpperCase() })}
          error={errors.code}
          className="sm:col-span-2"
        />
      )}
      <SelectField label={at("disc.kind")} value={d.kind} onChange={(e) => set({ kind: e.target.value as Draft["kind"], value: "" })} error={errors.kind}>
        <option value="percent">{at("disc.percent")}</option>
        <option value="fixed">{at("disc.fixed")}</option>
      </SelectField>
      <TextField
        label={d.kind === "percent" ? at("disc.valuePercent") : at("disc.valueRupees")}
        inputMode="decimal"
        value={d.value}
        onChange={(e) => set({ value: e.target.value })}
        error={errors.value}
      />
      <TextField label={at("disc.minOrder")} inputMode="decimal" value={d.minOrder} onChange={(e) => set({ minOrder: e.target.value })} error={errors.min_order_minor} />
      <span className="hidden sm:block" />
      <TextField label={at("disc.starts")} type="datetime-local" value={d.startsAt} onChange={(e) => set({ startsAt: e.target.value })} error={errors.starts_at} />
      <TextField label={at("disc.ends")} type="datetime-local" value={d.endsAt} onChange={(e) => set({ endsAt: e.target.value })} error={errors.ends_at} />
      <TextField label={at("disc.maxUses")} inputMode="numeric" value={d.maxUses} onChange={(e) => set({ maxUses: e.target.value })} error={errors.max_uses} />
      <TextField
        label={at("disc.maxPerCustomer")}
        inputMode="numeric"
        value={d.maxPerCustomer}
        onChange={(e) => set({ maxPerCustomer: e.target.value })}
        error={errors.max_uses_per_customer}
      />
      {current ? (
        <label className="flex items-center gap-2 text-sm sm:col-span-2">
          <input type="checkbox" className="size-4" checked={d.active} onChange={(e) => set({ active: e.target.checked })} />
          {at("disc.activeLabel")}
        </label>
      ) : null}
      <div className="flex justify-end gap-2 sm:col-span-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={save.isPending}>
          {current ? at("disc.save") : at("disc.create")}
        </Button>
      </div>
    </form>
  );
}
