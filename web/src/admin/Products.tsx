import { useState } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useCategories, useMe } from "../api/hooks";
import { Money } from "../ui/Money";
import { Button, buttonClass } from "../ui/Button";
import { Plus } from "lucide-react";
import { SelectField } from "../ui/Field";
import { DataTable, type Sort } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { useToast } from "../ui/Toast";
import { can } from "./Layout";
import { flattenCategories } from "./categories";
import { at } from "./strings";
import { PRODUCT_STATUSES as STATUSES, type ProductSort, type ProductStatus, type ProductsSearch } from "./search";

/** The table's sorted column for a listing order, and back. */
function sortOf(sort: ProductSort | undefined): Sort | undefined {
  if (sort === "name") return { key: "name", dir: "asc" };
  if (sort === "price_asc") return { key: "price", dir: "asc" };
  if (sort === "price_desc") return { key: "price", dir: "desc" };
  return undefined;
}

function orderOf(s: Sort): ProductSort {
  if (s.key === "price") return s.dir === "asc" ? "price_asc" : "price_desc";
  return "name";
}

const route = getRouteApi("/admin/products");

export function ProductsList() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const me = useMe();
  const [text, setText] = useState(search.q ?? "");
  // A seller sees their own products only; staff and admins everyone's.
  const mine = me.data && !can(me.data, "catalog.manage_all") ? me.data.id : undefined;
  const admin = can(me.data, "users.manage");
  const categories = useCategories();
  const sellers = useQuery({
    queryKey: ["admin-sellers"],
    queryFn: () => call(api.GET("/api/v1/admin/users", { params: { query: { role: "seller", limit: 100 } } })),
    enabled: admin,
    staleTime: 60_000,
  });
  const query = {
    q: search.q,
    status: search.status ?? "active",
    seller_id: mine ?? search.seller,
    category: search.category,
    in_stock: search.avail === undefined ? undefined : search.avail === "in",
    sort: search.sort,
    limit: 50,
  } as const;
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const products = useInfiniteQuery({
    queryKey: ["admin-products", query],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/catalog/products", { params: { query: { ...query, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: Boolean(me.data),
  });
  const set = (patch: Partial<ProductsSearch>) => {
    setSelected(new Set());
    void navigate({ search: (prev) => ({ ...prev, ...patch }) });
  };
  const rows = products.data?.pages.flatMap((p) => p.items) ?? [];
  const allChosen = rows.length > 0 && rows.every((p) => selected.has(p.id));
  const toggle = (id: string) =>
    setSelected((now) => {
      const next = new Set(now);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
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
              {at(`products.status.${s}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={at("products.category")} value={search.category ?? ""} onChange={(e) => set({ category: e.target.value || undefined })}>
          <option value="">{at("common.any")}</option>
          {flattenCategories(categories.data ?? []).map(({ c, depth }) => (
            <option key={c.id} value={c.id}>
              {"\u00a0\u00a0".repeat(depth)}
              {c.name}
            </option>
          ))}
        </SelectField>
        <SelectField label={at("products.stock")} value={search.avail ?? ""} onChange={(e) => set({ avail: (e.target.value || undefined) as ProductsSearch["avail"] })}>
          <option value="">{at("common.any")}</option>
          <option value="in">{at("products.inStock")}</option>
          <option value="out">{at("products.out")}</option>
        </SelectField>
        {admin ? (
          <SelectField label={at("products.seller")} value={search.seller ?? ""} onChange={(e) => set({ seller: e.target.value || undefined })}>
            <option value="">{at("common.any")}</option>
            {(sellers.data?.items ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </SelectField>
        ) : null}
      </div>
      {selected.size > 0 ? <BulkStatus ids={[...selected]} onDone={() => setSelected(new Set())} /> : null}
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
          sort={sortOf(search.sort)}
          onSort={(s) => set({ sort: orderOf(s) })}
          columns={[
            {
              key: "pick",
              header: (
                <input
                  type="checkbox"
                  aria-label={at("products.pickAll")}
                  checked={allChosen}
                  onChange={() => setSelected(allChosen ? new Set() : new Set(rows.map((p) => p.id)))}
                  className="size-4"
                />
              ),
              cell: (p) => (
                <input type="checkbox" aria-label={at("products.pick", { name: p.name })} checked={selected.has(p.id)} onChange={() => toggle(p.id)} className="size-4" />
              ),
            },
            {
              key: "name",
              sortable: true,
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
            { key: "status", header: at("products.status"), cell: (p) => (STATUSES.includes(p.status as ProductStatus) ? at(`products.status.${p.status as ProductStatus}`) : p.status) },
            {
              key: "price",
              sortable: true,
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

/** Sets the status of every chosen product, one after another, with progress. */
function BulkStatus({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [status, setStatus] = useState<ProductStatus>("active");
  const [done, setDone] = useState<number | null>(null);
  const apply = async () => {
    setDone(0);
    const failed: string[] = [];
    for (const [i, id] of ids.entries()) {
      try {
        await call(api.PATCH("/api/v1/catalog/products/{id}", { params: { path: { id } }, body: { status } }));
      } catch {
        failed.push(id);
      }
      setDone(i + 1);
    }
    await qc.invalidateQueries({ queryKey: ["admin-products"] });
    setDone(null);
    if (failed.length) toast(at("products.bulkFailed", { n: failed.length }), "error");
    else toast(at("products.bulkDone", { n: ids.length, status: at(`products.status.${status}`) }));
    onDone();
  };
  return (
    <div role="region" aria-label={at("products.bulk")} className="flex flex-wrap items-end gap-3 rounded-xl border border-brand-200 bg-brand-50 p-3">
      <p className="self-center font-medium">{at("products.chosen", { n: ids.length })}</p>
      <SelectField label={at("products.setStatus")} value={status} onChange={(e) => setStatus(e.target.value as ProductStatus)} disabled={done !== null}>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {at(`products.status.${s}`)}
          </option>
        ))}
      </SelectField>
      <Button busy={done !== null} onClick={() => void apply()}>
        {at("common.apply")}
      </Button>
      {done !== null ? (
        <div className="w-full" role="status">
          <progress className="w-full" max={ids.length} value={done} aria-label={at("products.bulk")} />
          <span className="text-sm">{at("products.progress", { done, n: ids.length })}</span>
        </div>
      ) : null}
    </div>
  );
}
