import { useState } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useMe } from "../api/hooks";
import { Money } from "../ui/Money";
import { buttonClass } from "../ui/Button";
import { Plus } from "lucide-react";
import { SelectField } from "../ui/Field";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { can } from "./Layout";
import { at } from "./strings";
import { PRODUCT_STATUSES as STATUSES, type ProductStatus, type ProductsSearch } from "./search";

const route = getRouteApi("/admin/products");

export function ProductsList() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const me = useMe();
  const [text, setText] = useState(search.q ?? "");
  // A seller sees their own products only; staff and admins everyone's.
  const mine = me.data && !can(me.data, "catalog.manage_all") ? me.data.id : undefined;
  const query = { q: search.q, status: search.status ?? "active", seller_id: mine, limit: 50 } as const;
  const products = useInfiniteQuery({
    queryKey: ["admin-products", query],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/catalog/products", { params: { query: { ...query, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: Boolean(me.data),
  });
  const set = (patch: Partial<ProductsSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...patch }) });
  const rows = products.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{at("products.title")}</h1>
        <div className="flex gap-2">
          <Link to="/admin/products/import" className={buttonClass("secondary")}>
            {at("products.import")}
          </Link>
          <Link to="/admin/products/new" className={buttonClass()}>
            <Plus aria-hidden className="size-4" /> {at("products.new")}
          </Link>
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
        <form
          role="search"
          className="flex-1"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: text.trim() || undefined });
          }}
        >
          <label htmlFor="product-search" className="mb-1 block text-sm font-medium">
            {at("products.search")} <kbd className="rounded border border-slate-300 px-1 text-xs text-slate-600">/</kbd>
          </label>
          <input
            id="product-search"
            data-search
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            className="h-10 w-full rounded-lg border border-slate-300 px-3"
          />
        </form>
        <SelectField label={at("products.status")} value={search.status ?? "active"} onChange={(e) => set({ status: e.target.value as ProductStatus })}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
      </div>
      {products.isError ? (
        <ErrorState error={products.error} onRetry={() => void products.refetch()} />
      ) : (
        <DataTable
          caption={at("products.title")}
          loading={products.isPending}
          rows={rows}
          rowKey={(p) => p.id}
          empty={at("products.none")}
          hasMore={products.hasNextPage}
          loadingMore={products.isFetchingNextPage}
          onLoadMore={() => void products.fetchNextPage()}
          columns={[
            {
              key: "name",
              header: at("products.name"),
              cell: (p) => (
                <span className="flex items-center gap-2">
                  {p.image_url ? <img src={p.image_url} alt="" className="size-8 rounded object-cover" /> : null}
                  <Link to="/admin/products/$id" params={{ id: p.id }} className="font-medium text-brand-800 underline">
                    {p.name}
                  </Link>
                </span>
              ),
            },
            { key: "status", header: at("products.status"), cell: (p) => p.status },
            {
              key: "price",
              header: at("products.price"),
              align: "right",
              cell: (p) =>
                p.max_price_minor > p.min_price_minor ? (
                  <>
                    <Money minor={p.min_price_minor} /> – <Money minor={p.max_price_minor} />
                  </>
                ) : (
                  <Money minor={p.min_price_minor} />
                ),
            },
            { key: "stock", header: at("products.stock"), cell: (p) => (p.in_stock ? at("products.inStock") : at("products.out")) },
            {
              key: "open",
              header: <span className="sr-only">{at("products.open")}</span>,
              cell: (p) =>
                p.status === "active" ? (
                  <Link to="/p/$slug" params={{ slug: p.slug }} className="text-brand-800 underline">
                    {at("products.open")}
                  </Link>
                ) : null,
            },
          ]}
        />
      )}
    </div>
  );
}
