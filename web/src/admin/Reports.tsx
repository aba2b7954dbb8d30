import type { ReactNode } from "react";
import { getRouteApi } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useStoreInfo } from "../api/hooks";
import { formatMoney, formatRupees } from "../lib/format";
import { buttonClass } from "../ui/Button";
import { SelectField, TextField } from "../ui/Field";
import { Money } from "../ui/Money";
import { ScrollX } from "../ui/ScrollX";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { storeDay } from "./dates";
import { BREAKDOWNS, INTERVALS, type ReportsSearch } from "./search";
import { at, type AdminKey } from "./strings";

const route = getRouteApi("/admin/reports");

/** The report as a CSV download: the same query, `format=csv`, the browser's own download. */
function csvHref(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  params.set("format", "csv");
  return `${path}?${params}`;
}

function CsvLink({ href, label }: { href: string; label?: string }) {
  return (
    <a href={href} download className={buttonClass("secondary", "sm")}>
      <Download aria-hidden className="size-4" /> {label ?? at("reports.csv")}
    </a>
  );
}

function Section({ id, title, actions, children }: { id: string; title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-xl border border-slate-200 bg-white p-4">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id={id} className="font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function json<T>(value: T | string): T {
  // These operations answer CSV only when asked; JSON was asked.
  if (typeof value === "string") throw new Error("the report came as CSV");
  return value;
}

export function Reports() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const store = useStoreInfo();
  const offset = store.data?.utc_offset_mins ?? 330;
  const to = search.to ?? storeDay(offset);
  const from = search.from ?? storeDay(offset, -29);
  const interval = search.interval ?? "day";
  const by = search.by ?? "product";
  const month = search.month ?? to.slice(0, 7);
  const set = (patch: Partial<ReportsSearch>) => void navigate({ search: (prev) => ({ ...prev, ...patch }) });
  const base = { from, to, channel: search.channel };

  const sales = useQuery({
    queryKey: ["report-sales", base, interval],
    queryFn: async () => json(await call(api.GET("/api/v1/reports/sales", { params: { query: { ...base, interval, format: "json" } } }))),
    enabled: Boolean(store.data),
  });
  const breakdown = useQuery({
    queryKey: ["report-breakdown", base, by],
    queryFn: async () => json(await call(api.GET("/api/v1/reports/sales/breakdown", { params: { query: { ...base, by, format: "json" } } }))),
    enabled: Boolean(store.data),
  });
  const gst = useQuery({
    queryKey: ["report-gst", month],
    queryFn: async () => json(await call(api.GET("/api/v1/reports/gst", { params: { query: { month, format: "json" } } }))),
  });

  const rows = sales.data?.rows ?? [];
  const money = (v: number) => <Money minor={v} />;
  const columns: [AdminKey, (r: (typeof rows)[number]) => ReactNode][] = [
    ["reports.orders", (r) => r.orders],
    ["reports.units", (r) => r.units],
    ["reports.gross", (r) => money(r.gross_sales_minor)],
    ["reports.discounts", (r) => money(r.discounts_minor)],
    ["reports.returns", (r) => money(r.returns_minor)],
    ["reports.net", (r) => money(r.net_sales_minor)],
    ["reports.tax", (r) => money(r.tax_minor)],
    ["reports.shipping", (r) => money(r.shipping_minor)],
  ];

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{at("reports.title")}</h1>
      <div className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-4">
        <TextField label={at("reports.from")} type="date" value={from} max={to} onChange={(e) => set({ from: e.target.value || undefined })} />
        <TextField label={at("reports.to")} type="date" value={to} min={from} onChange={(e) => set({ to: e.target.value || undefined })} />
        <SelectField label={at("reports.interval")} value={interval} onChange={(e) => set({ interval: e.target.value as typeof interval })}>
          {INTERVALS.map((i) => (
            <option key={i} value={i}>
              {at(`reports.${i}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={at("reports.channel")}
          value={search.channel ?? ""}
          onChange={(e) => set({ channel: (e.target.value || undefined) as "web" | "pos" | undefined })}
        >
          <option value="">{at("orders.all")}</option>
          <option value="web">{at("orders.web")}</option>
          <option value="pos">{at("orders.pos")}</option>
        </SelectField>
      </div>

      <Section
        id="sales"
        title={at("reports.sales")}
        actions={<CsvLink href={csvHref("/api/v1/reports/sales", { ...base, interval })} />}
      >
        {sales.isPending ? (
          <Skeleton className="h-64" />
        ) : sales.isError ? (
          <ErrorState error={sales.error} onRetry={() => void sales.refetch()} />
        ) : rows.every((r) => r.orders === 0) ? (
          <EmptyState title={at("reports.none")} />
        ) : (
          <>
            <div className="h-64" aria-hidden>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={rows.map((r) => ({ period: r.period, net: r.net_sales_minor / 100 }))} accessibilityLayer={false}>
                  <CartesianGrid vertical={false} stroke="#e2e8f0" />
                  <XAxis dataKey="period" tick={{ fontSize: 11 }} interval="preserveStartEnd" />
                  <YAxis tick={{ fontSize: 11 }} width={70} tickFormatter={(v: number) => formatRupees(v * 100)} />
                  <Tooltip formatter={(v) => formatMoney(Number(v) * 100)} />
                  <Bar dataKey="net" fill="#15803d" radius={[3, 3, 0, 0]} />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <ScrollX label={at("reports.sales")} className="mt-4">
              <table className="w-full text-right text-sm tabular-nums" data-testid="sales-table">
                <caption className="sr-only">{at("reports.sales")}</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3 text-left">
                      {at("reports.period")}
                    </th>
                    {columns.map(([k]) => (
                      <th key={k} scope="col" className="py-1 pl-3">
                        {at(k)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.period ?? ""} className="border-t border-slate-100">
                      <th scope="row" className="py-1 pr-3 text-left font-normal">
                        {r.period}
                      </th>
                      {columns.map(([k, cell]) => (
                        <td key={k} className="py-1 pl-3">
                          {cell(r)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
                {sales.data ? (
                  <tfoot className="border-t-2 border-slate-300 font-semibold">
                    <tr data-testid="sales-totals">
                      <th scope="row" className="py-1 pr-3 text-left">
                        {at("reports.total")}
                      </th>
                      {columns.map(([k, cell]) => (
                        <td key={k} className="py-1 pl-3">
                          {cell(sales.data.totals)}
                        </td>
                      ))}
                    </tr>
                  </tfoot>
                ) : null}
              </table>
            </ScrollX>
          </>
        )}
      </Section>

      <Section
        id="breakdown"
        title={at("reports.breakdown")}
        actions={
          <div className="flex flex-wrap items-end gap-2">
            <SelectField label={at("reports.by")} value={by} onChange={(e) => set({ by: e.target.value as typeof by })}>
              {BREAKDOWNS.map((b) => (
                <option key={b} value={b}>
                  {at(`reports.by.${b}`)}
                </option>
              ))}
            </SelectField>
            <CsvLink href={csvHref("/api/v1/reports/sales/breakdown", { ...base, by })} />
          </div>
        }
      >
        {breakdown.isPending ? (
          <Skeleton className="h-32" />
        ) : breakdown.isError ? (
          <ErrorState error={breakdown.error} onRetry={() => void breakdown.refetch()} />
        ) : breakdown.data.rows.length === 0 ? (
          <EmptyState title={at("reports.none")} />
        ) : (
          <ScrollX label={at("reports.breakdown")}>
            <table className="w-full text-right text-sm tabular-nums">
              <caption className="sr-only">{at("reports.breakdown")}</caption>
              <thead className="text-slate-600">
                <tr>
                  <th scope="col" className="py-1 pr-3 text-left">
                    {at("reports.key")}
                  </th>
                  <th scope="col" className="py-1 pl-3">{at("reports.orders")}</th>
                  <th scope="col" className="py-1 pl-3">{at("reports.units")}</th>
                  <th scope="col" className="py-1 pl-3">{at("reports.gross")}</th>
                  <th scope="col" className="py-1 pl-3">{at("reports.returns")}</th>
                  <th scope="col" className="py-1 pl-3">{at("reports.net")}</th>
                </tr>
              </thead>
              <tbody>
                {breakdown.data.rows.map((r) => (
                  <tr key={r.key} className="border-t border-slate-100">
                    <th scope="row" className="py-1 pr-3 text-left font-normal">
                      {r.name ?? r.key}
                    </th>
                    <td className="py-1 pl-3">{r.orders}</td>
                    <td className="py-1 pl-3">{r.units}</td>
                    <td className="py-1 pl-3">{money(r.gross_sales_minor)}</td>
                    <td className="py-1 pl-3">{money(r.returns_minor)}</td>
                    <td className="py-1 pl-3">{money(r.net_sales_minor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        )}
      </Section>

      <Section
        id="gst"
        title={at("reports.gst")}
        actions={
          <TextField label={at("reports.gstMonth")} type="month" value={month} onChange={(e) => set({ month: e.target.value || undefined })} />
        }
      >
        {gst.isPending ? (
          <Skeleton className="h-32" />
        ) : gst.isError ? (
          <ErrorState error={gst.error} onRetry={() => void gst.refetch()} />
        ) : (
          <div className="space-y-4 text-sm">
            <ScrollX label={at("reports.gst")}>
              <table className="w-full text-right tabular-nums">
                <caption className="sr-only">{at("reports.gst")}</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3 text-left" />
                    <th scope="col" className="py-1 pl-3">{at("reports.count")}</th>
                    <th scope="col" className="py-1 pl-3">{at("reports.taxable")}</th>
                    <th scope="col" className="py-1 pl-3">CGST</th>
                    <th scope="col" className="py-1 pl-3">SGST</th>
                    <th scope="col" className="py-1 pl-3">UTGST</th>
                    <th scope="col" className="py-1 pl-3">IGST</th>
                    <th scope="col" className="py-1 pl-3">{at("reports.value")}</th>
                  </tr>
                </thead>
                <tbody>
                  {(
                    [
                      ["reports.invoices", gst.data.invoices_total],
                      ["reports.creditNotes", gst.data.credit_notes_total],
                    ] as const
                  ).map(([label, t]) => (
                    <tr key={label} className="border-t border-slate-100">
                      <th scope="row" className="py-1 pr-3 text-left font-normal">
                        {at(label)}
                      </th>
                      <td className="py-1 pl-3">{t.count}</td>
                      <td className="py-1 pl-3">{money(t.taxable_minor)}</td>
                      <td className="py-1 pl-3">{money(t.cgst_minor)}</td>
                      <td className="py-1 pl-3">{money(t.sgst_minor)}</td>
                      <td className="py-1 pl-3">{money(t.utgst_minor)}</td>
                      <td className="py-1 pl-3">{money(t.igst_minor)}</td>
                      <td className="py-1 pl-3">{money(t.value_minor)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollX>
            <div className="flex flex-wrap gap-2">
              {(["b2b", "b2cs", "cdn", "hsn"] as const).map((section) => (
                <CsvLink key={section} href={csvHref("/api/v1/reports/gst", { month, section })} label={`${at(`reports.${section}`)} CSV`} />
              ))}
            </div>
          </div>
        )}
      </Section>
    </div>
  );
}
