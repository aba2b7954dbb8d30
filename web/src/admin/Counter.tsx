// The counter in the back office: the registers (tills) and the sales devices sent,
// with what staff should check about each: stock booked in for an offline sale of goods
// the ledger did not have (count them), prices that differed from the store's, a
// discount code that would not have applied, a short payment.
import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { ApiError, call } from "../api/problem";
import type { components } from "../api/schema";
import { formatMoney } from "../lib/format";
import { Button, buttonClass } from "../ui/Button";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { RequirePermission } from "./Layout";
import { at } from "./strings";

type Ticket = components["schemas"]["TicketView"];

export function Counter() {
  return (
    <RequirePermission permission="pos.operate">
      <CounterScreen />
    </RequirePermission>
  );
}

/** What to check about a sale, in a shopkeeper's words. */
export function checks(t: Ticket): string[] {
  const f = t.flags;
  const out: string[] = [];
  for (const s of f.stock_added ?? []) out.push(at("ctr.stockAdded", { name: s.name, n: s.quantity }));
  for (const p of f.price_differences ?? []) {
    out.push(
      p.store_unit_minor === 0
        ? at("ctr.gone", { name: p.name, paid: formatMoney(p.paid_unit_minor) })
        : at("ctr.price", { name: p.name, paid: formatMoney(p.paid_unit_minor), store: formatMoney(p.store_unit_minor), n: p.quantity }),
    );
  }
  if (f.discount_problem) out.push(at("ctr.discount", { why: f.discount_problem }));
  if (f.store_discount_minor != null) out.push(at("ctr.storeDiscount", { amount: formatMoney(f.store_discount_minor) }));
  if ((f.short_paid_minor ?? 0) > 0) out.push(at("ctr.short", { amount: formatMoney(f.short_paid_minor ?? 0) }));
  if (f.after_session_closed) out.push(at("ctr.late"));
  return out;
}

function CounterScreen() {
  const [flagged, setFlagged] = useState(true);
  const tickets = useQuery({
    queryKey: ["admin-tickets", flagged],
    queryFn: () => call(api.GET("/api/v1/pos/tickets", { params: { query: { flagged, limit: 200 } }, cache: "no-store" })),
  });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">{at("ctr.title")}</h1>
        <a href="/pos" className={buttonClass("primary")}>
          {at("ctr.open")}
        </a>
      </div>
      <Registers />
      <section className="space-y-3" aria-labelledby="ctr-sales">
        <div className="flex flex-wrap items-center gap-4">
          <h2 id="ctr-sales" className="text-lg font-semibold">
            {at("ctr.sales")}
          </h2>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={flagged} onChange={(e) => setFlagged(e.target.checked)} />
            {at("ctr.onlyFlagged")}
          </label>
        </div>
        {tickets.isError ? (
          <ErrorState error={tickets.error} onRetry={() => void tickets.refetch()} />
        ) : (
          <DataTable
            caption={at("ctr.sales")}
            loading={tickets.isPending}
            rows={tickets.data?.items ?? []}
            rowKey={(t) => `${t.device_id}/${t.ticket_id}`}
            empty={at("ctr.none")}
            columns={[
              {
                key: "sold",
                header: at("ctr.sold"),
                cell: (t) => (
                  <>
                    <DateText iso={t.sold_at} withTime />
                    {t.offline && <span className="block text-xs font-medium text-amber-800">{at("ctr.offline")}</span>}
                  </>
                ),
              },
              { key: "received", header: at("ctr.received"), cell: (t) => <DateText iso={t.received_at} withTime /> },
              {
                key: "order",
                header: at("ctr.order"),
                cell: (t) => (
                  <Link to="/admin/orders/$id" params={{ id: t.order.id }} className="font-medium text-brand-800 underline">
                    {t.order.number}
                  </Link>
                ),
              },
              { key: "total", header: at("ctr.total"), align: "right", cell: (t) => <Money minor={t.order.grand_total_minor} /> },
              {
                key: "check",
                header: at("ctr.check"),
                cell: (t) => {
                  const list = checks(t);
                  return list.length ? (
                    <ul className="list-disc space-y-1 pl-4 text-red-800">
                      {list.map((c) => (
                        <li key={c}>{c}</li>
                      ))}
                    </ul>
                  ) : (
                    <span className="text-slate-500">{at("ctr.ok")}</span>
                  );
                },
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}

function Registers() {
  const client = useQueryClient();
  const registers = useQuery({
    queryKey: ["admin-registers"],
    queryFn: () => call(api.GET("/api/v1/pos/registers", { cache: "no-store" })),
  });
  const locations = useQuery({
    queryKey: ["admin-locations-all"],
    queryFn: () => call(api.GET("/api/v1/inventory/locations", { params: { query: { limit: 100 } } })),
  });
  const [name, setName] = useState("");
  const [location, setLocation] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: (locationId: string) => call(api.POST("/api/v1/pos/registers", { body: { name, location_id: locationId } })),
    onSuccess: () => {
      setName("");
      setErrors({});
      void client.invalidateQueries({ queryKey: ["admin-registers"] });
    },
    onError: (e) => setErrors(e instanceof ApiError ? e.fieldErrors() : { name: e.message }),
  });
  const places = (locations.data?.items ?? []).filter((l) => l.active);
  const chosen = location || places.find((l) => l.kind === "shop")?.id || places[0]?.id || "";
  const placeName = (id: string) => places.find((l) => l.id === id)?.name ?? id;
  return (
    <section className="space-y-3" aria-labelledby="ctr-registers">
      <h2 id="ctr-registers" className="text-lg font-semibold">
        {at("ctr.registers")}
      </h2>
      {registers.isError ? (
        <ErrorState error={registers.error} onRetry={() => void registers.refetch()} />
      ) : (
        <DataTable
          caption={at("ctr.registers")}
          loading={registers.isPending}
          rows={registers.data ?? []}
          rowKey={(r) => r.id}
          empty={at("ctr.noRegisters")}
          columns={[
            { key: "name", header: at("ctr.register"), cell: (r) => <span className="font-medium">{r.name}</span> },
            { key: "location", header: at("ctr.location"), cell: (r) => placeName(r.location_id) },
            { key: "session", header: at("ctr.session"), cell: (r) => (r.open_session_id ? at("ctr.sessionOpen") : at("ctr.sessionNone")) },
          ]}
        />
      )}
      <form
        className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4"
        aria-label={at("ctr.addRegister")}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(chosen);
        }}
      >
        <TextField label={at("ctr.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} required maxLength={100} />
        <SelectField label={at("ctr.location")} value={chosen} onChange={(e) => setLocation(e.target.value)} error={errors.location_id}>
          {places.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </SelectField>
        <Button type="submit" busy={add.isPending}>
          {at("ctr.add")}
        </Button>
      </form>
    </section>
  );
}
