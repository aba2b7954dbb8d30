import { Link } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useMe, useStoreInfo, type Schemas } from "../api/hooks";
import { formatMoney, formatRupees } from "../lib/format";
import { Money } from "../ui/Money";
import { ErrorState, Skeleton } from "../ui/States";
import { can } from "./Layout";
import { monthStart, sameDayBack, storeDay } from "./dates";
import { at } from "./strings";

type SalesRow = Schemas["SalesRow"];

function useSales(from: string | undefined, to: string | undefined, interval: "day" | "month" = "day") {
  return useQuery({
    queryKey: ["sales", from, to, interval],
    queryFn: async () => {
      const report = await call(api.GET("/api/v1/reports/sales", { params: { query: { from: from ?? "", to: to ?? "", interval, format: "json" } } }));
      // The same operation answers CSV when asked; JSON was asked.
      if (typeof report === "string") throw new Error("the sales report came as CSV");
      return report;
    },
    enabled: Boolean(from && to),
    staleTime: 30_000,
  });
}

function Tile({
  label,
  now,
  before,
  compare,
  money,
  to,
}: {
  label: string;
  now: number | undefined;
  before: number | undefined;
  compare: "dash.vsYesterday" | "dash.vsLastMonth";
  money: boolean;
  to?: string;
}) {
  const show = (v: number) => (money ? formatMoney(v) : String(v));
  const change = now !== undefined && before ? Math.round(((now - before) / before) * 100) : undefined;
  const body = (
    <>
      <p className="text-sm text-slate-600">{label}</p>
      {now === undefined ? (
        <Skeleton className="mt-2 h-7 w-24" />
      ) : (
        <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`tile-${label}`}>
          {show(now)}
        </p>
      )}
      <p className="mt-1 text-xs text-slate-600">
        {before === undefined ? "\u00a0" : at(compare, { value: show(before) })}
        {change !== undefined ? (
          <span className={change >= 0 ? "ml-2 font-medium text-brand-800" : "ml-2 font-medium text-red-700"}>
            {change >= 0 ? "▲" : "▼"} {Math.abs(change)}%
          </span>
        ) : null}
      </p>
    </>
  );
  return to ? (
    <Link to={to} className="block rounded-xl border border-slate-200 bg-white p-4 hover:border-brand-700">
      {body}
    </Link>
  ) : (
    <div className="rounded-xl border border-slate-200 bg-white p-4">{body}</div>
  );
}

export function Dashboard() {
  const me = useMe();
  return can(me.data, "reports.read") ? <DashboardView /> : null;
}

function DashboardView() {
  const me = useMe();
  const store = useStoreInfo();
  const offset = store.data?.utc_offset_mins;
  const today = offset === undefined ? undefined : storeDay(offset);
  const yesterday = offset === undefined ? undefined : storeDay(offset, -1);
  const monthFrom = today && monthStart(today);
  const lastMonthFrom = today && monthStart(today, 1);
  const lastMonthTo = today && sameDayBack(today);
  const thirtyFrom = offset === undefined ? undefined : storeDay(offset, -29);

  const todays = useSales(today, today);
  const yesterdays = useSales(yesterday, yesterday);
  const month = useSales(monthFrom, today);
  const lastMonth = useSales(lastMonthFrom, lastMonthTo);
  const thirty = useSales(thirtyFrom, today);
  const paid = useQuery({
    queryKey: ["admin-orders", "paid"],
    queryFn: () => call(api.GET("/api/v1/orders", { params: { query: { status: "paid", limit: 100 } } })),
  });
  const confirmed = useQuery({
    queryKey: ["admin-orders", "confirmed"],
    queryFn: () => call(api.GET("/api/v1/orders", { params: { query: { status: "confirmed", limit: 100 } } })),
  });
  const low = useQuery({
    queryKey: ["low-stock"],
    queryFn: () => call(api.GET("/api/v1/inventory/low-stock")),
    enabled: can(me.data, "catalog.manage_all"),
  });
  const t = (r: { data?: { totals: SalesRow } }, k: keyof SalesRow) => r.data?.totals[k] as number | undefined;
  const count = (q: typeof paid) => (q.data ? `${q.data.items.length}${q.data.next_cursor ? "+" : ""}` : "…");
  const chart = (thirty.data?.rows ?? []).map((r) => ({ day: (r.period ?? "").slice(5), net: r.net_sales_minor / 100 }));

  if (todays.isError) return <ErrorState error={todays.error} onRetry={() => void todays.refetch()} />;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{at("dash.title")}</h1>
      <section aria-labelledby="today">
        <h2 id="today" className="mb-2 font-semibold">
          {at("dash.today")} {today ? <span className="font-normal text-slate-600">({today})</span> : null}
        </h2>
        <div className="grid gap-3 sm:grid-cols-3">
          <Tile label={at("dash.sales")} money now={t(todays, "net_sales_minor")} before={t(yesterdays, "net_sales_minor")} compare="dash.vsYesterday" to="/admin/orders" />
          <Tile label={at("dash.orders")} money={false} now={t(todays, "orders")} before={t(yesterdays, "orders")} compare="dash.vsYesterday" to="/admin/orders" />
          <Tile label={at("dash.aov")} money now={t(todays, "average_order_minor")} before={t(yesterdays, "average_order_minor")} compare="dash.vsYesterday" />
        </div>
      </section>
      <section aria-labelledby="month">
        <h2 id="month" className="mb-2 font-semibold">
          {at("dash.month")}
        </h2>
        <div className="grid gap-3 sm:grid-cols-3">
          <Tile label={`${at("dash.sales")} `} money now={t(month, "net_sales_minor")} before={t(lastMonth, "net_sales_minor")} compare="dash.vsLastMonth" />
          <Tile label={`${at("dash.orders")} `} money={false} now={t(month, "orders")} before={t(lastMonth, "orders")} compare="dash.vsLastMonth" />
          <Tile label={`${at("dash.aov")} `} money now={t(month, "average_order_minor")} before={t(lastMonth, "average_order_minor")} compare="dash.vsLastMonth" />
        </div>
      </section>
      <section aria-labelledby="chart" className="rounded-xl border border-slate-200 bg-white p-4">
        <h2 id="chart" className="mb-3 font-semibold">
          {at("dash.chart")}
        </h2>
        <div className="h-64" aria-hidden>
          {thirty.data ? (
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={chart} margin={{ left: 8, right: 8 }} accessibilityLayer={false}>
                <CartesianGrid vertical={false} stroke="#e2e8f0" />
                <XAxis dataKey="day" tick={{ fontSize: 11 }} interval="preserveStartEnd" />
                <YAxis tick={{ fontSize: 11 }} tickFormatter={(v: number) => formatRupees(v * 100)} width={70} />
                <Tooltip formatter={(v) => formatMoney(Number(v) * 100)} />
                <Bar dataKey="net" fill="#15803d" radius={[3, 3, 0, 0]} />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <Skeleton className="h-full" />
          )}
        </div>
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-700">{at("dash.chartTable")}</summary>
          <table className="mt-2 w-full text-left">
            <thead>
              <tr>
                <th scope="col" className="py-1">{at("dash.day")}</th>
                <th scope="col" className="py-1 text-right">{at("dash.sales")}</th>
                <th scope="col" className="py-1 text-right">{at("dash.orders")}</th>
              </tr>
            </thead>
            <tbody>
              {(thirty.data?.rows ?? []).map((r) => (
                <tr key={r.period ?? ""} className="border-t border-slate-100">
                  <td className="py-1">{r.period}</td>
                  <td className="py-1 text-right tabular-nums">
                    <Money minor={r.net_sales_minor} />
                  </td>
                  <td className="py-1 text-right tabular-nums">{r.orders}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="waiting" className="rounded-xl border border-slate-200 bg-white p-4">
          <h2 id="waiting" className="mb-3 font-semibold">
            {at("dash.waiting")}
          </h2>
          <ul className="space-y-2 text-sm">
            <li>
              <Link to="/admin/orders" search={{ status: "paid" }} className="flex justify-between rounded-lg px-2 py-1 hover:bg-slate-50">
                <span>{at("dash.toFulfil")}</span>
                <strong data-testid="waiting-paid">{count(paid)}</strong>
              </Link>
            </li>
            <li>
              <Link to="/admin/orders" search={{ status: "confirmed" }} className="flex justify-between rounded-lg px-2 py-1 hover:bg-slate-50">
                <span>{at("dash.toShip")}</span>
                <strong>{count(confirmed)}</strong>
              </Link>
            </li>
          </ul>
        </section>
        {can(me.data, "catalog.manage_all") ? (
          <section aria-labelledby="low" className="rounded-xl border border-slate-200 bg-white p-4">
            <h2 id="low" className="mb-3 font-semibold">
              {at("dash.lowStock")}
            </h2>
            {!low.data ? (
              <Skeleton className="h-16" />
            ) : low.data.length === 0 ? (
              <p className="text-sm text-slate-600">{at("dash.noLowStock")}</p>
            ) : (
              <table className="w-full text-left text-sm">
                <thead>
                  <tr>
                    <th scope="col">{at("dash.variant")}</th>
                    <th scope="col" className="text-right">{at("dash.available")}</th>
                    <th scope="col" className="text-right">{at("dash.threshold")}</th>
                  </tr>
                </thead>
                <tbody>
                  {low.data.slice(0, 10).map((l) => (
                    <tr key={`${l.variant_id}-${l.location_id}`} className="border-t border-slate-100">
                      <td className="py-1">
                        {l.name} <span className="text-xs text-slate-500">{l.sku}</span>
                      </td>
                      <td className="py-1 text-right tabular-nums">{l.available}</td>
                      <td className="py-1 text-right tabular-nums">{l.threshold}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ) : null}
      </div>
    </div>
  );
}
