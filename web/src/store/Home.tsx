import { Link } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useCategories, useStoreInfo } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { ErrorState, Skeleton } from "../ui/States";
import { GridSkeleton, ProductGrid } from "./ProductCard";

export function Home() {
  const t = useT();
  const store = useStoreInfo();
  const categories = useCategories();
  const collections = useQuery({
    queryKey: ["collections"],
    queryFn: () => call(api.GET("/api/v1/catalog/collections")),
    staleTime: 5 * 60_000,
  });
  const featured = useQuery({
    queryKey: ["featured"],
    queryFn: () =>
      call(api.GET("/api/v1/catalog/products", { params: { query: { in_stock: true, limit: 10, sort: "newest" } } })),
    staleTime: 60_000,
  });
  const name = store.data?.name ?? "Kirana";
  useHead(store.data ? `${name} — ${t("home.tagline")}` : undefined, t("home.description", { name }));
  return (
    <div className="space-y-10">
      <section className="rounded-2xl bg-gradient-to-br from-brand-800 to-brand-900 px-6 py-10 text-white sm:px-10">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{name}</h1>
        <p className="mt-2 max-w-xl text-brand-100">{t("home.tagline")}</p>
      </section>

      {collections.data && collections.data.length > 0 ? (
        <section aria-labelledby="collections">
          <h2 id="collections" className="mb-3 text-xl font-semibold">
            {t("home.collections")}
          </h2>
          <ul className="flex flex-wrap gap-2">
            {collections.data.map((c) => (
              <li key={c.id}>
                <Link
                  to="/collection/$id"
                  params={{ id: c.id }}
                  className="inline-block rounded-full border border-slate-300 bg-white px-4 py-2 text-sm hover:border-brand-700"
                >
                  {c.name}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="shop-by-category">
        <h2 id="shop-by-category" className="mb-3 text-xl font-semibold">
          {t("home.categories")}
        </h2>
        {categories.isError ? (
          <ErrorState error={categories.error} onRetry={() => void categories.refetch()} />
        ) : categories.isPending ? (
          // As tall as the cards that come, so nothing below jumps when they do.
          <div aria-hidden className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4">
            {Array.from({ length: 8 }, (_, i) => (
              <Skeleton key={i} className="h-[9.5rem] rounded-xl" />
            ))}
          </div>
        ) : (
          <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4">
            {(categories.data ?? []).map((c) => (
              <li key={c.id} className="rounded-xl border border-slate-200 bg-white p-4">
                <Link to="/c/$slug" params={{ slug: c.slug }} search={{}} className="font-semibold text-slate-900 hover:text-brand-800">
                  {c.name}
                </Link>
                <ul className="mt-2 space-y-1">
                  {c.children.slice(0, 4).map((s) => (
                    <li key={s.id}>
                      <Link to="/c/$slug" params={{ slug: s.slug }} search={{}} className="text-sm text-slate-600 hover:text-brand-800">
                        {s.name}
                      </Link>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="featured">
        <h2 id="featured" className="mb-3 text-xl font-semibold">
          {t("home.featured")}
        </h2>
        {featured.isPending ? (
          <GridSkeleton count={10} />
        ) : featured.isError ? (
          <ErrorState error={featured.error} onRetry={() => void featured.refetch()} />
        ) : (
          <ProductGrid products={featured.data.items} label={t("home.featured")} />
        )}
      </section>
    </div>
  );
}
