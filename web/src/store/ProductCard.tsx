import { Link } from "@tanstack/react-router";
import type { ProductSummary } from "../api/hooks";
import { useT } from "../i18n";
import { Money } from "../ui/Money";
import { Skeleton } from "../ui/States";

export function ProductCard({ product }: { product: ProductSummary }) {
  const t = useT();
  const ranged = product.max_price_minor > product.min_price_minor;
  return (
    <li className="group flex flex-col overflow-hidden rounded-xl border border-slate-200 bg-white transition-shadow hover:shadow-md">
      <Link to="/p/$slug" params={{ slug: product.slug }} className="flex flex-1 flex-col">
        <div className="aspect-square bg-slate-100">
          {product.image_url ? (
            <img
              src={product.image_url}
              alt=""
              loading="lazy"
              width={480}
              height={480}
              className="size-full object-cover"
            />
          ) : null}
        </div>
        <div className="flex flex-1 flex-col gap-1 p-3">
          <h3 className="line-clamp-2 text-sm font-medium text-slate-900 group-hover:text-brand-800">
            {product.name}
          </h3>
          <p className="mt-auto flex flex-wrap items-baseline gap-x-2 text-sm">
            <span className="font-semibold text-slate-900">
              {ranged ? t("product.from", { price: "" }) : null}
              <Money minor={product.min_price_minor} />
            </span>
            {product.compare_at_minor ? (
              <s className="text-xs text-slate-500" aria-label={t("product.wasPrice")}>
                <Money minor={product.compare_at_minor} />
              </s>
            ) : null}
          </p>
          <p className={product.in_stock ? "text-xs text-brand-800" : "text-xs text-red-700"}>
            {product.in_stock ? t("product.inStock") : t("product.soldOut")}
          </p>
        </div>
      </Link>
    </li>
  );
}

export function ProductGrid({ products, label }: { products: ProductSummary[]; label: string }) {
  return (
    <ul aria-label={label} data-testid="product-grid" className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5">
      {products.map((p) => (
        <ProductCard key={p.id} product={p} />
      ))}
    </ul>
  );
}

export function GridSkeleton({ count = 10 }: { count?: number }) {
  return (
    <div aria-hidden className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="overflow-hidden rounded-xl border border-slate-200 bg-white">
          <Skeleton className="aspect-square rounded-none" />
          <div className="space-y-2 p-3">
            <Skeleton className="h-4 w-3/4" />
            <Skeleton className="h-4 w-1/3" />
          </div>
        </div>
      ))}
    </div>
  );
}
