import { useMemo, useState } from "react";
import { Link, getRouteApi, useNavigate } from "@tanstack/react-router";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { SlidersHorizontal } from "lucide-react";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useCategories, type Category, type Schemas } from "../api/hooks";
import { useT, type T } from "../i18n";
import { formatRupees, parseRupees } from "../lib/format";
import { useHead } from "../lib/head";
import { Button, buttonClass } from "../ui/Button";
import { EmptyState, ErrorState } from "../ui/States";
import { GridSkeleton, ProductGrid } from "./ProductCard";
import { NotFound, PageTitle } from "./Layout";
import { Breadcrumbs } from "./Breadcrumbs";

type SortOrder = Schemas["SortOrder"];
const SORTS: SortOrder[] = ["newest", "price_asc", "price_desc", "name"];

/** Filters and sort of a listing, as they appear in its URL (prices in paise). */
export interface ListingSearch {
  q?: string | undefined;
  sort?: SortOrder | undefined;
  min?: number | undefined;
  max?: number | undefined;
  stock?: boolean | undefined;
  sub?: string | undefined;
}

export function parseListing(s: Record<string, unknown>): ListingSearch {
  const num = (v: unknown) => {
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  return {
    q: typeof s.q === "string" && s.q.trim() ? s.q : undefined,
    sort: SORTS.includes(s.sort as SortOrder) ? (s.sort as SortOrder) : undefined,
    min: num(s.min),
    max: num(s.max),
    stock: s.stock === true || s.stock === "true" ? true : undefined,
    sub: typeof s.sub === "string" && s.sub ? s.sub : undefined,
  };
}

function findBySlug(tree: Category[], slug: string, trail: Category[] = []): Category[] | undefined {
  for (const c of tree) {
    if (c.slug === slug) return [...trail, c];
    const found = findBySlug(c.children, slug, [...trail, c]);
    if (found) return found;
  }
  return undefined;
}

const categoryRoute = getRouteApi("/c/$slug");
const searchRoute = getRouteApi("/search");

export function CategoryPage() {
  const { slug } = categoryRoute.useParams();
  const search = categoryRoute.useSearch();
  const categories = useCategories();
  const t = useT();
  const trail = categories.data ? findBySlug(categories.data, slug) : undefined;
  const current = trail?.at(-1);
  useHead(current ? `${current.name} | Kirana` : undefined, current ? t("listing.categoryDescription", { name: current.name }) : undefined);
  if (categories.isError) return <ErrorState error={categories.error} onRetry={() => void categories.refetch()} />;
  if (categories.data && !current) return <NotFound />;
  return (
    <div>
      <Breadcrumbs trail={trail?.slice(0, -1) ?? []} current={current?.name} />
      <PageTitle>{current?.name ?? "\u00a0"}</PageTitle>
      {/* The products are asked for by the slug at once, alongside the category tree. */}
      <Listing search={search} slug={slug} category={current} key={slug} />
    </div>
  );
}

export function SearchPage() {
  const search = searchRoute.useSearch();
  const t = useT();
  useHead(search.q ? t("search.titleFor", { q: search.q }) : t("search.title"));
  return (
    <div>
      <PageTitle>{search.q ? t("search.titleFor", { q: search.q }) : t("search.title")}</PageTitle>
      <Listing search={search} />
    </div>
  );
}

const collectionRoute = getRouteApi("/collection/$id");

export function CollectionPage() {
  const { id } = collectionRoute.useParams();
  const t = useT();
  const collection = useQuery({
    queryKey: ["collection", id],
    queryFn: () => call(api.GET("/api/v1/catalog/collections/{id}", { params: { path: { id } } })),
  });
  useHead(collection.data?.name, collection.data?.description);
  if (collection.isPending) return <GridSkeleton />;
  if (collection.isError) return <ErrorState error={collection.error} onRetry={() => void collection.refetch()} />;
  return (
    <div>
      <PageTitle>{collection.data.name}</PageTitle>
      {collection.data.description ? <p className="mb-4 text-slate-600">{collection.data.description}</p> : null}
      {(collection.data.products ?? []).length ? (
        <ProductGrid products={collection.data.products ?? []} label={collection.data.name} />
      ) : (
        <EmptyState title={t("listing.empty")} />
      )}
    </div>
  );
}

function bandLabel(key: string, t: T) {
  const [from, to] = key.split("-");
  if (!to) return t("listing.priceFrom", { from: formatRupees(Number(from)) });
  return t("listing.priceBand", { from: formatRupees(Number(from)), to: formatRupees(Number(to)) });
}

function Listing({ search, slug, category }: { search: ListingSearch; slug?: string; category?: Category | undefined }) {
  const t = useT();
  const navigate = useNavigate();
  const [filtersOpen, setFiltersOpen] = useState(false);
  const query = {
    q: search.q,
    category: search.sub ?? slug,
    min_price: search.min,
    max_price: search.max,
    in_stock: search.stock,
    sort: search.sort,
    limit: 20,
    facets: true,
  };
  const enabled = Boolean(slug || search.q);
  const pages = useInfiniteQuery({
    queryKey: ["listing", query],
    queryFn: ({ pageParam }) =>
      call(api.GET("/api/v1/catalog/products", { params: { query: { ...query, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
  });
  const items = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const facets = pages.data?.pages[0]?.facets;
  const set = (patch: Partial<ListingSearch>) =>
    void navigate({ to: ".", search: (prev: ListingSearch) => ({ ...prev, ...patch }), replace: false });

  if (!enabled) {
    return <EmptyState title={t("search.prompt")} />;
  }
  const counts = new Map((facets?.categories ?? []).map((f) => [f.key, f.count]));
  const subCount = (c: Category): number => (counts.get(c.id) ?? 0) + c.children.reduce((n, s) => n + subCount(s), 0);

  const filters = (
    <div className="space-y-6">
      {category && category.children.length > 0 ? (
        <fieldset>
          <legend className="mb-2 text-sm font-semibold">{t("listing.subcategories")}</legend>
          <ul className="space-y-1 text-sm">
            <li>
              <button
                type="button"
                aria-pressed={!search.sub}
                onClick={() => set({ sub: undefined })}
                className={!search.sub ? "font-semibold text-brand-800" : "text-slate-700 hover:text-slate-900"}
              >
                {t("listing.all")}
              </button>
            </li>
            {category.children.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  aria-pressed={search.sub === c.slug}
                  onClick={() => set({ sub: c.slug })}
                  className={search.sub === c.slug ? "font-semibold text-brand-800" : "text-slate-700 hover:text-slate-900"}
                >
                  {c.name} <span className="text-slate-500">({subCount(c)})</span>
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      ) : null}
      <fieldset>
        <legend className="mb-2 text-sm font-semibold">{t("listing.price")}</legend>
        <ul className="space-y-1 text-sm">
          {(facets?.price_bands ?? [])
            .filter((b) => b.key !== "other" && b.count > 0)
            .map((b) => {
              const [from, to] = b.key.split("-");
              const min = Number(from);
              const max = to ? Number(to) - 1 : undefined;
              const on = search.min === min && search.max === max;
              return (
                <li key={b.key}>
                  <button
                    type="button"
                    aria-pressed={on}
                    onClick={() => set(on ? { min: undefined, max: undefined } : { min, max })}
                    className={on ? "font-semibold text-brand-800" : "text-slate-700 hover:text-slate-900"}
                  >
                    {bandLabel(b.key, t)} <span className="text-slate-500">({b.count})</span>
                  </button>
                </li>
              );
            })}
        </ul>
        <PriceRange search={search} onApply={(min, max) => set({ min, max })} />
      </fieldset>
      <div className="flex items-center gap-2 text-sm">
        <input
          id="in-stock"
          type="checkbox"
          checked={Boolean(search.stock)}
          onChange={(e) => set({ stock: e.target.checked || undefined })}
          className="size-4 accent-brand-700"
        />
        <label htmlFor="in-stock">
          {t("listing.inStockOnly")} {facets ? <span className="text-slate-500">({facets.in_stock})</span> : null}
        </label>
      </div>
    </div>
  );

  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
      <aside aria-label={t("listing.filters")} className="hidden lg:block">
        {filters}
      </aside>
      <div>
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          <Button
            variant="secondary"
            size="sm"
            className="lg:hidden"
            aria-expanded={filtersOpen}
            onClick={() => setFiltersOpen((o) => !o)}
            icon={<SlidersHorizontal aria-hidden className="size-4" />}
          >
            {t("listing.filters")}
          </Button>
          <div className="ml-auto flex items-center gap-2 text-sm">
            <label htmlFor="sort">{t("listing.sort")}</label>
            <select
              id="sort"
              value={search.sort ?? "newest"}
              onChange={(e) => set({ sort: e.target.value === "newest" ? undefined : (e.target.value as SortOrder) })}
              className="h-9 rounded-md border border-slate-300 bg-white px-2"
            >
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`sort.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {filtersOpen ? <div className="mb-4 rounded-xl border border-slate-200 bg-white p-4 lg:hidden">{filters}</div> : null}
        {pages.isPending ? (
          <GridSkeleton />
        ) : pages.isError ? (
          <ErrorState error={pages.error} onRetry={() => void pages.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            title={search.q ? t("search.none", { q: search.q }) : t("listing.empty")}
            action={
              <Link to="/" className={buttonClass("secondary")}>
                {t("search.browse")}
              </Link>
            }
          >
            {search.q ? t("search.noneHint") : null}
          </EmptyState>
        ) : (
          <>
            <p className="sr-only" aria-live="polite">
              {t("listing.showing", { count: items.length })}
            </p>
            <ProductGrid products={items} label={t("listing.products")} />
            {pages.hasNextPage ? (
              <div className="mt-6 text-center">
                <Button variant="secondary" busy={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                  {t("common.loadMore")}
                </Button>
              </div>
            ) : null}
          </>
        )}
      </div>
    </div>
  );
}

function PriceRange({ search, onApply }: { search: ListingSearch; onApply: (min?: number, max?: number) => void }) {
  const t = useT();
  const [min, setMin] = useState(search.min !== undefined ? String(search.min / 100) : "");
  const [max, setMax] = useState(search.max !== undefined ? String(search.max / 100) : "");
  const [error, setError] = useState<string>();
  return (
    <form
      className="mt-3 flex items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        const lo = min.trim() ? parseRupees(min) : undefined;
        const hi = max.trim() ? parseRupees(max) : undefined;
        if ((min.trim() && lo === undefined) || (max.trim() && hi === undefined)) return setError(t("listing.priceInvalid"));
        if (lo !== undefined && hi !== undefined && lo > hi) return setError(t("listing.priceOrder"));
        setError(undefined);
        onApply(lo, hi);
      }}
    >
      <div>
        <label htmlFor="price-min" className="block text-xs text-slate-600">
          {t("listing.min")}
        </label>
        <input id="price-min" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} className="h-9 w-20 rounded-md border border-slate-300 px-2 text-sm" />
      </div>
      <div>
        <label htmlFor="price-max" className="block text-xs text-slate-600">
          {t("listing.max")}
        </label>
        <input id="price-max" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} className="h-9 w-20 rounded-md border border-slate-300 px-2 text-sm" />
      </div>
      <Button type="submit" variant="secondary" size="sm">
        {t("listing.go")}
      </Button>
      {error ? (
        <p role="alert" className="basis-full text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </form>
  );
}
