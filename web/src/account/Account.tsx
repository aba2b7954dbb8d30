import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import { LogOut } from "lucide-react";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useLogout, useMe } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button } from "../ui/Button";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState, Skeleton } from "../ui/States";
import { StatusBadge } from "./Order";

/** The signed-in customer's area: a visitor is sent to log in and brought back. */
export function AccountLayout() {
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const logout = useLogout();
  // The route let only a signed-in user in; after logging out this is on its way out.
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (me.isPending || !me.data) return <Skeleton className="h-64" />;
  const tab = "rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100";
  return (
    <div className="grid gap-6 md:grid-cols-[13rem_1fr]">
      <aside>
        <p className="mb-3 text-sm text-slate-600">{t("account.hello", { name: me.data.name })}</p>
        <nav aria-label={t("nav.account")} className="flex gap-1 overflow-x-auto md:flex-col">
          <Link to="/account" activeOptions={{ exact: true }} className={tab} activeProps={{ className: "bg-brand-50 text-brand-900" }}>
            {t("account.orders")}
          </Link>
          <Link to="/account/addresses" className={tab} activeProps={{ className: "bg-brand-50 text-brand-900" }}>
            {t("account.addresses")}
          </Link>
          <Link to="/account/profile" className={tab} activeProps={{ className: "bg-brand-50 text-brand-900" }}>
            {t("account.profile")}
          </Link>
        </nav>
        <Button
          variant="ghost"
          size="sm"
          className="mt-4"
          busy={logout.isPending}
          icon={<LogOut aria-hidden className="size-4" />}
          onClick={() => logout.mutate(undefined, { onSettled: () => void navigate({ to: "/" }) })}
        >
          {t("account.logout")}
        </Button>
      </aside>
      <div className="min-w-0">
        <Outlet />
      </div>
    </div>
  );
}

export function OrdersPage() {
  const t = useT();
  useHead(`${t("account.orders")} | Kirana`);
  const orders = useInfiniteQuery({
    queryKey: ["my-orders"],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/orders", { params: { query: { limit: 20, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  if (orders.isError) return <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />;
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div>
      <h1 className="mb-4 text-2xl font-bold">{t("account.orders")}</h1>
      <DataTable
        caption={t("account.orders")}
        loading={orders.isPending}
        rows={rows}
        rowKey={(o) => o.id}
        empty={t("account.noOrders")}
        hasMore={orders.hasNextPage}
        loadingMore={orders.isFetchingNextPage}
        onLoadMore={() => void orders.fetchNextPage()}
        columns={[
          {
            key: "number",
            header: t("account.order"),
            cell: (o) => (
              <Link to="/account/orders/$id" params={{ id: o.id }} className="font-medium text-brand-800 underline">
                {o.number}
              </Link>
            ),
          },
          { key: "date", header: t("account.date"), cell: (o) => <DateText iso={o.created_at} /> },
          { key: "status", header: t("account.status"), cell: (o) => <StatusBadge status={o.status} /> },
          { key: "total", header: t("totals.total"), align: "right", cell: (o) => <Money minor={o.grand_total_minor} /> },
        ]}
      />
    </div>
  );
}
