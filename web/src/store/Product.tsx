import { useMemo, useState } from "react";
import { getRouteApi } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { Minus, Plus, ShoppingBag } from "lucide-react";
import { api } from "../api/client";
import { ApiError, call } from "../api/problem";
import { useCartMutations, useCategories, useMe, useStoreInfo, type Category, type Product } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button } from "../ui/Button";
import { Money } from "../ui/Money";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { NotFound, useCartDrawer } from "./Layout";
import { Breadcrumbs } from "./Breadcrumbs";

const route = getRouteApi("/p/$slug");

type Variant = Product["variants"][number];

function trailTo(tree: Category[], id: string, trail: Category[] = []): Category[] | undefined {
  for (const c of tree) {
    if (c.id === id) return [...trail, c];
    const found = trailTo(c.children, id, [...trail, c]);
    if (found) return found;
  }
  return undefined;
}

/** The first variant that sells and has stock, else the first that sells. */
function initialVariant(p: Product): Variant | undefined {
  const live = p.variants.filter((v) => v.status === "active");
  return live.find((v) => v.available > 0) ?? live[0];
}

export function ProductPage() {
  const { slug } = route.useParams();
  const product = useQuery({
    queryKey: ["product", slug],
    queryFn: () => call(api.GET("/api/v1/catalog/products/{id}", { params: { path: { id: slug } } })),
  });
  if (product.isPending) {
    return (
      <div className="grid gap-8 md:grid-cols-2" aria-busy>
        <Skeleton className="aspect-square" />
        <div className="space-y-3">
          <Skeleton className="h-8 w-2/3" />
          <Skeleton className="h-6 w-1/3" />
          <Skeleton className="h-24" />
        </div>
      </div>
    );
  }
  if (product.isError) {
    if (product.error instanceof ApiError && product.error.status === 404) return <NotFound />;
    return <ErrorState error={product.error} onRetry={() => void product.refetch()} />;
  }
  return <ProductDetail product={product.data} key={product.data.id} />;
}

function ProductDetail({ product }: { product: Product }) {
  const t = useT();
  const toast = useToast();
  const drawer = useCartDrawer();
  const categories = useCategories();
  const store = useStoreInfo();
  const { add } = useCartMutations();
  const first = initialVariant(product);
  const [chosen, setChosen] = useState<Record<string, string>>(first?.options ?? {});
  const [quantity, setQuantity] = useState(1);
  const [image, setImage] = useState(0);
  useHead(`${product.name} | Kirana`, product.description, `/p/${product.slug}`);

  const live = product.variants.filter((v) => v.status === "active");
  // A signed-in customer may buy from a price list: ask what they pay.
  const me = useMe();
  const ids = live.map((v) => v.id).join(",");
  const prices = useQuery({
    queryKey: ["prices", ids, me.data?.id],
    queryFn: () => call(api.GET("/api/v1/catalog/prices", { params: { query: { variant_ids: ids } } })),
    enabled: Boolean(me.data) && ids.length > 0,
    staleTime: 60_000,
  });
  const variant = useMemo(
    () => live.find((v) => product.options.every((o) => v.options[o.name] === chosen[o.name])),
    [live, product.options, chosen],
  );
  const trail = categories.data && product.category_ids[0] ? trailTo(categories.data, product.category_ids[0]) : undefined;
  const soldOut = !variant || variant.available <= 0;
  const yours = prices.data?.find((p) => p.variant_id === variant?.id);
  const pays = yours && variant && yours.unit_price_minor < variant.price_now_minor ? yours.unit_price_minor : variant?.price_now_minor;
  const maxQty = variant ? Math.max(1, Math.min(variant.available, 99)) : 1;
  const pick = (name: string, value: string) => {
    const next = { ...chosen, [name]: value };
    // Keep the other choices when such a variant exists; else take the first that has this value.
    if (!live.some((v) => product.options.every((o) => v.options[o.name] === next[o.name]))) {
      const fallback = live.find((v) => v.options[name] === value);
      if (fallback) return setChosen(fallback.options);
    }
    setChosen(next);
    setQuantity(1);
  };
  const addToCart = () => {
    if (!variant) return;
    add.mutate(
      { variant_id: variant.id, quantity },
      {
        onSuccess: () => {
          toast(t("product.added", { name: product.name }));
          drawer.open();
        },
        onError: (e) => toast(e.message, "error"),
      },
    );
  };
  const images = product.images;
  return (
    <div>
      <Breadcrumbs trail={trail ?? []} current={product.name} />
      <div className="grid gap-8 md:grid-cols-2">
        <div>
          <div className="mx-auto aspect-square w-full max-w-72 overflow-hidden rounded-2xl border border-slate-200 bg-slate-100 sm:max-w-none">
            {images[image] ? (
              <img src={images[image].url} alt={images[image].alt || product.name} className="size-full object-cover" />
            ) : null}
          </div>
          {images.length > 1 ? (
            <ul className="mt-3 flex gap-2" aria-label={t("product.images")}>
              {images.map((img, i) => (
                <li key={img.id}>
                  <button
                    type="button"
                    onClick={() => setImage(i)}
                    aria-label={t("product.imageN", { n: i + 1 })}
                    aria-current={i === image}
                    className={`size-16 overflow-hidden rounded-lg border-2 ${i === image ? "border-brand-700" : "border-transparent"}`}
                  >
                    <img src={img.url} alt="" className="size-full object-cover" />
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="space-y-5">
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{product.name}</h1>
          {variant ? (
            <div>
              <p className="flex items-baseline gap-3">
                {pays !== undefined && pays < variant.price_now_minor ? (
                  <span className="rounded bg-brand-100 px-2 py-0.5 text-xs font-semibold text-brand-900">{t("product.yourPrice")}</span>
                ) : null}
                <Money minor={pays ?? variant.price_now_minor} className="text-2xl font-semibold" />
                {(pays ?? variant.price_now_minor) < variant.price_minor ? (
                  <s className="text-slate-500" aria-label={t("product.wasPrice")}>
                    <Money minor={variant.price_minor} />
                  </s>
                ) : variant.compare_at_minor && variant.compare_at_minor > variant.price_now_minor ? (
                  <s className="text-slate-500" aria-label={t("product.wasPrice")}>
                    <Money minor={variant.compare_at_minor} />
                  </s>
                ) : null}
              </p>
              {/* Only a store registered for GST collects it (composition and unregistered do not). */}
              {store.data?.charges_gst === false ? null : (
                <p className="text-sm text-slate-600">
                  {product.prices_include_tax
                    ? t("product.inclGst", { rate: product.gst_rate_bp / 100 })
                    : t("product.plusGst", { rate: product.gst_rate_bp / 100 })}
                </p>
              )}
            </div>
          ) : null}

          {product.options.map((o) => (
            <fieldset key={o.name}>
              <legend className="mb-2 text-sm font-semibold">
                {o.name}: <span className="font-normal">{chosen[o.name]}</span>
              </legend>
              <div className="flex flex-wrap gap-2">
                {o.values.map((value) => {
                  const exists = live.some((v) => v.options[o.name] === value);
                  const on = chosen[o.name] === value;
                  return (
                    <button
                      key={value}
                      type="button"
                      disabled={!exists}
                      aria-pressed={on}
                      onClick={() => pick(o.name, value)}
                      className={`min-h-10 rounded-lg border px-4 text-sm ${on ? "border-brand-700 bg-brand-50 font-semibold text-brand-900" : "border-slate-300 bg-white hover:border-slate-500"} disabled:cursor-not-allowed disabled:opacity-40`}
                    >
                      {value}
                    </button>
                  );
                })}
              </div>
            </fieldset>
          ))}

          <p data-testid="stock" className={soldOut ? "font-medium text-red-700" : "font-medium text-brand-800"}>
            {!variant
              ? t("product.unavailable")
              : soldOut
                ? t("product.soldOut")
                : variant.available <= 5
                  ? t("product.fewLeft", { count: variant.available })
                  : t("product.inStock")}
          </p>

          <div className="flex flex-wrap items-end gap-3">
            <div>
              <span id="qty-label" className="mb-1 block text-sm font-medium">
                {t("product.quantity")}
              </span>
              <div role="group" aria-labelledby="qty-label" className="flex h-12 items-center rounded-lg border border-slate-300 bg-white">
                <button
                  type="button"
                  className="grid h-full w-11 place-items-center disabled:opacity-40"
                  onClick={() => setQuantity((q) => Math.max(1, q - 1))}
                  disabled={quantity <= 1 || soldOut}
                  aria-label={t("product.less")}
                >
                  <Minus aria-hidden className="size-4" />
                </button>
                <input
                  aria-labelledby="qty-label"
                  inputMode="numeric"
                  value={quantity}
                  disabled={soldOut}
                  onChange={(e) => {
                    const n = Number(e.target.value.replace(/\D/g, ""));
                    setQuantity(Math.min(Math.max(1, n || 1), maxQty));
                  }}
                  className="h-full w-12 border-x border-slate-300 text-center"
                />
                <button
                  type="button"
                  className="grid h-full w-11 place-items-center disabled:opacity-40"
                  onClick={() => setQuantity((q) => Math.min(maxQty, q + 1))}
                  disabled={quantity >= maxQty || soldOut}
                  aria-label={t("product.more")}
                >
                  <Plus aria-hidden className="size-4" />
                </button>
              </div>
            </div>
            <Button
              size="lg"
              className="flex-1 sm:flex-none"
              disabled={soldOut}
              busy={add.isPending}
              onClick={addToCart}
              icon={<ShoppingBag aria-hidden className="size-5" />}
            >
              {soldOut ? t("product.soldOut") : t("product.addToCart")}
            </Button>
          </div>

          {product.description ? (
            <section aria-labelledby="about">
              <h2 id="about" className="mb-1 text-sm font-semibold">
                {t("product.about")}
              </h2>
              <p className="whitespace-pre-line text-slate-700">{product.description}</p>
            </section>
          ) : null}
          {variant ? (
            <p className="text-xs text-slate-500">
              SKU {variant.sku}
              {product.hsn_code ? ` · HSN ${product.hsn_code}` : ""}
            </p>
          ) : null}
        </div>
      </div>
    </div>
  );
}
