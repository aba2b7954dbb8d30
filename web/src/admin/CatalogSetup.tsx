// How the catalog is organised: categories as a tree (created, renamed, moved under
// another or reordered among their siblings, deleted), collections whose products are
// picked and put in order, and price lists with their prices and the customers who get
// them.
import { useState, type FormEvent, type ReactNode } from "react";
import { getRouteApi } from "@tanstack/react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowDown, ArrowUp, Plus, Trash2 } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { keys, useMe, type Category, type Schemas } from "../api/hooks";
import { parseRupees, rupeesField } from "../lib/format";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { Money } from "../ui/Money";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { RequirePermission, can } from "./Layout";
import { flattenCategories } from "./categories";
import { VariantPicker } from "./VariantPicker";
import { at } from "./strings";
import type { CatalogSetupSearch } from "./search";

const route = getRouteApi("/admin/catalog");
type Errors = Record<string, string>;

export function CatalogSetup() {
  return (
    <RequirePermission permission="catalog.manage_all">
      <Setup />
    </RequirePermission>
  );
}

function Setup() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tab = search.tab ?? "categories";
  const tabs: [NonNullable<CatalogSetupSearch["tab"]>, string][] = [
    ["categories", at("setup.categories")],
    ["collections", at("setup.collections")],
    ["prices", at("setup.priceLists")],
  ];
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{at("nav.setup")}</h1>
      <div className="flex flex-wrap gap-2" role="tablist" aria-label={at("nav.setup")}>
        {tabs.map(([key, label]) => (
          <button
            key={key}
            type="button"
            role="tab"
            aria-selected={tab === key}
            className={`rounded-lg px-3 py-2 text-sm font-medium ${tab === key ? "bg-brand-700 text-white" : "border border-slate-300 bg-white text-slate-800"}`}
            onClick={() => void navigate({ search: { tab: key } })}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === "categories" ? <Categories /> : tab === "collections" ? <Collections /> : <PriceLists />}
    </div>
  );
}

/** Moves item `i` of a list one place up (-1) or down (+1). */
function moved<T>(list: T[], i: number, by: -1 | 1): T[] {
  const j = i + by;
  if (j < 0 || j >= list.length) return list;
  const next = [...list];
  [next[i], next[j]] = [next[j] as T, next[i] as T];
  return next;
}

function IconButton({ label, onClick, children, disabled }: { label: string; onClick: () => void; children: ReactNode; disabled?: boolean }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={onClick}
      className="rounded-md border border-slate-300 bg-white p-2 text-slate-700 hover:bg-slate-100 disabled:opacity-40"
    >
      {children}
    </button>
  );
}

// ---------------------------------------------------------------- categories

// The public catalog answers may sit in the browser's cache for 30 s: this screen reads
// past it, and hands the fresh tree to the rest of the app.
const freshCategories = () => call(api.GET("/api/v1/catalog/categories", { cache: "no-store" }));

function useFreshCategories() {
  const qc = useQueryClient();
  const categories = useQuery({ queryKey: ["admin-categories"], queryFn: freshCategories });
  const refresh = async () => {
    const tree = await qc.fetchQuery({ queryKey: ["admin-categories"], queryFn: freshCategories, staleTime: 0 });
    qc.setQueryData(keys.categories, tree);
  };
  return { categories, refresh };
}

function Categories() {
  const toast = useToast();
  const { categories, refresh } = useFreshCategories();
  const [name, setName] = useState("");
  const [parent, setParent] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [editing, setEditing] = useState<Category | null>(null);
  const [deleting, setDeleting] = useState<Category | null>(null);
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/catalog/categories", { body: { name: name.trim(), parent_id: parent || null } })),
    onSuccess: async (c) => {
      setName("");
      setErrors({});
      await refresh();
      toast(at("setup.created", { name: c.name }));
    },
    onError: (e) => {
      const f = fieldErrorsOf(e);
      setErrors(f);
      if (!Object.keys(f).length) toast(e.message, "error");
    },
  });
  const reorder = useMutation({
    mutationFn: async (siblings: Category[]) => {
      for (const [position, c] of siblings.entries()) {
        if (c.position !== position) {
          await call(api.PATCH("/api/v1/catalog/categories/{id}", { params: { path: { id: c.id } }, body: { position } }));
        }
      }
    },
    onSettled: () => void refresh(),
    onError: (e) => toast(e.message, "error"),
  });
  const remove = useMutation({
    mutationFn: (c: Category) => call(api.DELETE("/api/v1/catalog/categories/{id}", { params: { path: { id: c.id } } })),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
      toast(at("setup.deleted"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  if (categories.isError) return <ErrorState error={categories.error} onRetry={() => void categories.refetch()} />;
  if (!categories.data) return <Skeleton className="h-64" />;
  const rows = flattenCategories(categories.data);
  const siblingsOf = (c: Category): Category[] =>
    c.parent_id ? (rows.find((r) => r.c.id === c.parent_id)?.c.children ?? []) : (categories.data ?? []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setErrors({ name: at("setup.nameNeeded") });
    create.mutate();
  };
  return (
    <div className="grid gap-4 xl:grid-cols-[1fr_20rem]">
      <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3 self-start rounded-xl border border-slate-200 bg-white p-4 xl:order-last xl:flex-col xl:items-stretch" aria-labelledby="cat-new">
        <h2 id="cat-new" className="w-full font-semibold">
          {at("setup.newCategory")}
        </h2>
        <TextField label={at("setup.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <SelectField label={at("setup.parent")} value={parent} onChange={(e) => setParent(e.target.value)} error={errors.parent_id}>
          <option value="">{at("setup.topLevel")}</option>
          {rows.map(({ c, depth }) => (
            <option key={c.id} value={c.id}>
              {"\u00a0\u00a0".repeat(depth)}
              {c.name}
            </option>
          ))}
        </SelectField>
        <Button type="submit" busy={create.isPending} icon={<Plus aria-hidden className="size-4" />}>
          {at("setup.create")}
        </Button>
      </form>
      <section aria-labelledby="cat-tree" className="rounded-xl border border-slate-200 bg-white p-4">
        <h2 id="cat-tree" className="mb-3 font-semibold">
          {at("setup.tree")}
        </h2>
        {rows.length === 0 ? <EmptyState title={at("setup.noCategories")} /> : null}
        <ul className="divide-y divide-slate-100" data-testid="category-tree">
          {rows.map(({ c, depth }) => {
            const siblings = siblingsOf(c);
            const i = siblings.findIndex((s) => s.id === c.id);
            return (
              <li key={c.id} className="flex flex-wrap items-center gap-2 py-2" style={{ paddingLeft: `${depth * 1.5}rem` }} data-category={c.name}>
                <span className="min-w-0 basis-full font-medium sm:flex-1 sm:basis-auto">
                  {depth > 0 ? <span aria-hidden className="text-slate-400">└ </span> : null}
                  {c.name} <span className="text-xs text-slate-500">/{c.slug}</span>
                </span>
                <IconButton label={at("setup.up", { name: c.name })} disabled={i <= 0 || reorder.isPending} onClick={() => reorder.mutate(moved(siblings, i, -1))}>
                  <ArrowUp aria-hidden className="size-4" />
                </IconButton>
                <IconButton label={at("setup.down", { name: c.name })} disabled={i >= siblings.length - 1 || reorder.isPending} onClick={() => reorder.mutate(moved(siblings, i, 1))}>
                  <ArrowDown aria-hidden className="size-4" />
                </IconButton>
                <Button variant="secondary" size="sm" onClick={() => setEditing(c)}>
                  {at("setup.renameMove")}
                </Button>
                <IconButton label={at("setup.delete", { name: c.name })} onClick={() => setDeleting(c)}>
                  <Trash2 aria-hidden className="size-4" />
                </IconButton>
              </li>
            );
          })}
        </ul>
      </section>
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={at("setup.renameMove")}>
        {editing ? <CategoryForm key={editing.id} category={editing} all={rows} onSaved={refresh} onDone={() => setEditing(null)} /> : null}
      </Dialog>
      <Dialog open={deleting !== null} onClose={() => setDeleting(null)} title={at("setup.deleteTitle")}>
        <p className="mb-4">{at("setup.deleteConfirm", { name: deleting?.name ?? "" })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setDeleting(null)}>
            {at("common.cancel")}
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => deleting && remove.mutate(deleting)}>
            {at("setup.deleteTitle")}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function CategoryForm({
  category,
  all,
  onSaved,
  onDone,
}: {
  category: Category;
  all: { c: Category; depth: number }[];
  onSaved: () => Promise<void>;
  onDone: () => void;
}) {
  const toast = useToast();
  const [name, setName] = useState(category.name);
  const [parent, setParent] = useState(category.parent_id ?? "");
  const [errors, setErrors] = useState<Errors>({});
  // A category cannot go under itself or anything under it.
  const below = new Set<string>();
  const mark = (c: Category) => {
    below.add(c.id);
    c.children.forEach(mark);
  };
  mark(category);
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PATCH("/api/v1/catalog/categories/{id}", {
          params: { path: { id: category.id } },
          body: { name: name.trim(), parent_id: parent || null },
        }),
      ),
    onSuccess: async () => {
      await onSaved();
      toast(at("setup.saved"));
      onDone();
    },
    onError: (e) => {
      const f = fieldErrorsOf(e);
      setErrors(f);
      if (!Object.keys(f).length) toast(e.message, "error");
    },
  });
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim()) return setErrors({ name: at("setup.nameNeeded") });
        save.mutate();
      }}
    >
      <TextField label={at("setup.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
      <SelectField label={at("setup.parent")} value={parent} onChange={(e) => setParent(e.target.value)} error={errors.parent_id}>
        <option value="">{at("setup.topLevel")}</option>
        {all
          .filter(({ c }) => !below.has(c.id))
          .map(({ c, depth }) => (
            <option key={c.id} value={c.id}>
              {"\u00a0\u00a0".repeat(depth)}
              {c.name}
            </option>
          ))}
      </SelectField>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={save.isPending}>
          {at("setup.save")}
        </Button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- collections

function Collections() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["admin-collections"], queryFn: () => call(api.GET("/api/v1/catalog/collections", { cache: "no-store" })) });
  const [chosen, setChosen] = useState<string | null>(null);
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  if (!list.data) return <Skeleton className="h-64" />;
  const current = chosen ?? list.data[0]?.id ?? null;
  return (
    <ChooseOrCreate
      title={at("setup.collections")}
      none={at("setup.noCollections")}
      newLabel={at("setup.newCollection")}
      items={list.data.map((c) => ({ id: c.id, label: c.name }))}
      current={current}
      onChoose={setChosen}
      create={async (name) => {
        const c = await call(api.POST("/api/v1/catalog/collections", { body: { name } }));
        await qc.invalidateQueries({ queryKey: ["admin-collections"] });
        setChosen(c.id);
      }}
    >
      {current ? <CollectionEditor key={current} id={current} onDeleted={() => setChosen(null)} /> : null}
    </ChooseOrCreate>
  );
}

/** A list to choose one from, a form to make a new one beside it, and the chosen one. */
function ChooseOrCreate({
  title,
  none,
  newLabel,
  items,
  current,
  onChoose,
  create,
  children,
}: {
  title: string;
  none: string;
  newLabel: string;
  items: { id: string; label: ReactNode }[];
  current: string | null;
  onChoose: (id: string) => void;
  create: (name: string) => Promise<void>;
  children: ReactNode;
}) {
  const toast = useToast();
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const make = useMutation({
    mutationFn: () => create(name.trim()),
    onSuccess: () => {
      setName("");
      setErrors({});
    },
    onError: (e) => {
      const f = fieldErrorsOf(e);
      setErrors(f);
      if (!Object.keys(f).length) toast(e.message, "error");
    },
  });
  return (
    <div className="grid gap-4 lg:grid-cols-[16rem_minmax(0,1fr)] [&>*]:min-w-0">
      <div className="space-y-3 self-start">
        <nav aria-label={title} className="rounded-xl border border-slate-200 bg-white p-2">
          {items.length === 0 ? <p className="p-2 text-sm text-slate-600">{none}</p> : null}
          <ul>
            {items.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  aria-current={item.id === current ? "true" : undefined}
                  onClick={() => onChoose(item.id)}
                  className={`w-full rounded-lg px-3 py-2 text-left text-sm ${item.id === current ? "bg-brand-50 font-semibold text-brand-900" : "hover:bg-slate-50"}`}
                >
                  {item.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <form
          noValidate
          className="space-y-2 rounded-xl border border-slate-200 bg-white p-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return setErrors({ name: at("setup.nameNeeded") });
            make.mutate();
          }}
        >
          <TextField label={newLabel} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
          <Button type="submit" size="sm" busy={make.isPending} icon={<Plus aria-hidden className="size-4" />}>
            {at("setup.create")}
          </Button>
        </form>
      </div>
      {children}
    </div>
  );
}

type Summary = Schemas["ProductSummary"];

function CollectionEditor({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const one = useQuery({ queryKey: ["admin-collection", id], queryFn: () => call(api.GET("/api/v1/catalog/collections/{id}", { params: { path: { id } }, cache: "no-store" })),
  });
  const [picked, setPicked] = useState<Summary[] | null>(null);
  const [text, setText] = useState("");
  const [deleting, setDeleting] = useState(false);
  const found = useQuery({
    queryKey: ["admin-collection-search", text],
    queryFn: () => call(api.GET("/api/v1/catalog/products", { params: { query: { q: text, limit: 8 } } })),
    enabled: text.trim().length >= 2,
  });
  const products = picked ?? one.data?.products ?? [];
  const save = useMutation({
    mutationFn: () => call(api.PUT("/api/v1/catalog/collections/{id}/products", { params: { path: { id } }, body: { product_ids: products.map((p) => p.id) } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["admin-collection", id] });
      setPicked(null);
      toast(at("setup.saved"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/catalog/collections/{id}", { params: { path: { id } } })),
    onSuccess: async () => {
      setDeleting(false);
      await qc.invalidateQueries({ queryKey: ["admin-collections"] });
      toast(at("setup.deleted"));
      onDeleted();
    },
    onError: (e) => toast(e.message, "error"),
  });
  if (one.isError) return <ErrorState error={one.error} onRetry={() => void one.refetch()} />;
  if (!one.data) return <Skeleton className="h-64" />;
  const change = (next: Summary[]) => setPicked(next);
  return (
    <section aria-labelledby="coll-title" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="coll-title" className="text-lg font-semibold">
          {one.data.name}
        </h2>
        <Button variant="danger" size="sm" onClick={() => setDeleting(true)} icon={<Trash2 aria-hidden className="size-4" />}>
          {at("setup.deleteCollection")}
        </Button>
      </div>
      <p className="text-sm text-slate-600">{at("setup.collectionHint")}</p>
      <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="collection-products">
        {products.length === 0 ? <li className="p-3 text-sm text-slate-600">{at("setup.emptyCollection")}</li> : null}
        {products.map((p, i) => (
          <li key={p.id} className="flex items-center gap-2 p-2" data-product={p.name}>
            <span className="w-6 text-right text-sm text-slate-500">{i + 1}.</span>
            <span className="min-w-0 flex-1 truncate">{p.name}</span>
            <IconButton label={at("setup.up", { name: p.name })} disabled={i === 0} onClick={() => change(moved(products, i, -1))}>
              <ArrowUp aria-hidden className="size-4" />
            </IconButton>
            <IconButton label={at("setup.down", { name: p.name })} disabled={i === products.length - 1} onClick={() => change(moved(products, i, 1))}>
              <ArrowDown aria-hidden className="size-4" />
            </IconButton>
            <IconButton label={at("setup.remove", { name: p.name })} onClick={() => change(products.filter((x) => x.id !== p.id))}>
              <Trash2 aria-hidden className="size-4" />
            </IconButton>
          </li>
        ))}
      </ol>
      <TextField label={at("setup.addProduct")} type="search" value={text} onChange={(e) => setText(e.target.value)} hint={at("setup.addProductHint")} />
      {found.data?.items.length ? (
        <ul className="space-y-1" aria-label={at("setup.matches")}>
          {found.data.items
            .filter((p) => !products.some((x) => x.id === p.id))
            .map((p) => (
              <li key={p.id} className="flex items-center justify-between gap-2 rounded-lg bg-slate-50 px-3 py-1">
                <span className="truncate">{p.name}</span>
                <Button size="sm" variant="secondary" onClick={() => change([...products, p])}>
                  {at("setup.add", { name: p.name })}
                </Button>
              </li>
            ))}
        </ul>
      ) : null}
      <div className="flex justify-end gap-2">
        {picked ? (
          <Button variant="secondary" onClick={() => setPicked(null)}>
            {at("setup.undo")}
          </Button>
        ) : null}
        <Button disabled={!picked} busy={save.isPending} onClick={() => save.mutate()}>
          {at("setup.saveOrder")}
        </Button>
      </div>
      <Dialog open={deleting} onClose={() => setDeleting(false)} title={at("setup.deleteCollection")}>
        <p className="mb-4">{at("setup.deleteCollectionConfirm", { name: one.data.name })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setDeleting(false)}>
            {at("common.cancel")}
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate()}>
            {at("setup.deleteCollection")}
          </Button>
        </div>
      </Dialog>
    </section>
  );
}

// ---------------------------------------------------------------- price lists

type PriceList = Schemas["PriceListView"];

interface PriceRow {
  variant_id: string;
  label: string;
  sku: string;
  base?: number | undefined;
  price: string;
}

function PriceLists() {
  const qc = useQueryClient();
  const lists = useQuery({ queryKey: ["admin-price-lists"], queryFn: () => call(api.GET("/api/v1/catalog/price-lists")) });
  const [chosen, setChosen] = useState<string | null>(null);
  if (lists.isError) return <ErrorState error={lists.error} onRetry={() => void lists.refetch()} />;
  if (!lists.data) return <Skeleton className="h-64" />;
  const current = lists.data.find((l) => l.id === (chosen ?? lists.data[0]?.id));
  return (
    <ChooseOrCreate
      title={at("setup.priceLists")}
      none={at("setup.noPriceLists")}
      newLabel={at("setup.newPriceList")}
      items={lists.data.map((l) => ({
        id: l.id,
        label: (
          <>
            {l.name} <span className="text-xs text-slate-600">· {at("setup.memberCount", { n: l.member_ids.length })}</span>
          </>
        ),
      }))}
      current={current?.id ?? null}
      onChoose={setChosen}
      create={async (name) => {
        const l = await call(api.POST("/api/v1/catalog/price-lists", { body: { name } }));
        await qc.invalidateQueries({ queryKey: ["admin-price-lists"] });
        setChosen(l.id);
      }}
    >
      {current ? <PriceListEditor key={current.id} list={current} /> : null}
    </ChooseOrCreate>
  );
}

function PriceListEditor({ list }: { list: PriceList }) {
  const qc = useQueryClient();
  const toast = useToast();
  const me = useMe();
  const initial = (): PriceRow[] =>
    list.prices.map((p) => ({
      variant_id: p.variant_id,
      label: p.variant_title ? `${p.product_name} — ${p.variant_title}` : p.product_name,
      sku: p.sku,
      base: p.base_price_minor,
      price: rupeesField(p.price_minor),
    }));
  const [rows, setRows] = useState<PriceRow[]>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const save = useMutation({
    mutationFn: (prices: Schemas["PriceEntry"][]) =>
      call(api.PUT("/api/v1/catalog/price-lists/{id}/prices", { params: { path: { id: list.id } }, body: { prices } })),
    onSuccess: async () => {
      setErrors({});
      await qc.invalidateQueries({ queryKey: ["admin-price-lists"] });
      toast(at("setup.saved"));
    },
    onError: (e) => {
      const f = fieldErrorsOf(e);
      setErrors(f);
      if (!Object.keys(f).length) toast(e.message, "error");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const bad: Errors = {};
    const prices: Schemas["PriceEntry"][] = [];
    rows.forEach((r, i) => {
      const minor = parseRupees(r.price);
      if (minor === undefined || minor <= 0) bad[`prices[${i}].price_minor`] = at("product.badAmount");
      else prices.push({ variant_id: r.variant_id, price_minor: minor });
    });
    // Variants taken off the list are sent without a price, which removes them.
    for (const p of list.prices) if (!rows.some((r) => r.variant_id === p.variant_id)) prices.push({ variant_id: p.variant_id, price_minor: null });
    setErrors(bad);
    if (Object.keys(bad).length === 0) save.mutate(prices);
  };
  return (
    <div className="space-y-4">
      <form onSubmit={submit} noValidate className="space-y-3 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="pl-title">
        <h2 id="pl-title" className="text-lg font-semibold">
          {list.name}
        </h2>
        <p className="text-sm text-slate-600">{at("setup.priceListHint")}</p>
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="price-list-prices">
          {rows.length === 0 ? <li className="p-3 text-sm text-slate-600">{at("setup.noPrices")}</li> : null}
          {rows.map((r, i) => (
            <li key={r.variant_id} className="flex flex-wrap items-end gap-3 p-3" data-sku={r.sku}>
              <div className="min-w-0 flex-1">
                <p className="font-medium">{r.label}</p>
                <p className="text-xs text-slate-600">
                  {r.sku}
                  {r.base !== undefined ? (
                    <>
                      {" · "}
                      {at("setup.ownPrice")} <Money minor={r.base} />
                    </>
                  ) : null}
                </p>
              </div>
              <TextField
                className="w-36"
                label={at("setup.listPrice", { sku: r.sku })}
                inputMode="decimal"
                value={r.price}
                onChange={(e) => setRows((all) => all.map((x, j) => (j === i ? { ...x, price: e.target.value } : x)))}
                error={errors[`prices[${i}].price_minor`]}
              />
              <IconButton label={at("setup.remove", { name: r.sku })} onClick={() => setRows((all) => all.filter((_, j) => j !== i))}>
                <Trash2 aria-hidden className="size-4" />
              </IconButton>
            </li>
          ))}
        </ul>
        <VariantPicker
          label={at("setup.addVariant")}
          onPick={(v) => {
            if (!rows.some((r) => r.variant_id === v.id)) setRows((all) => [...all, { variant_id: v.id, label: v.name, sku: v.sku, price: "" }]);
          }}
        />
        <div className="flex justify-end">
          <Button type="submit" busy={save.isPending}>
            {at("setup.savePrices")}
          </Button>
        </div>
      </form>
      {can(me.data, "users.manage") ? <Members list={list} /> : <p className="text-sm text-slate-600">{at("setup.membersAdminOnly", { n: list.member_ids.length })}</p>}
    </div>
  );
}

/** The customers a price list applies to (finding customers needs the users list: admins). */
function Members({ list }: { list: PriceList }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [ids, setIds] = useState<string[]>(list.member_ids);
  const [text, setText] = useState("");
  const customers = useQuery({
    queryKey: ["admin-customers", text],
    queryFn: () => call(api.GET("/api/v1/admin/users", { params: { query: { role: "customer", q: text.trim() || undefined, limit: 100 } } })),
  });
  // Members are named from the first customers and from those picked here, so they stay
  // named while another name is searched.
  const first = useQuery({
    queryKey: ["admin-customers", ""],
    queryFn: () => call(api.GET("/api/v1/admin/users", { params: { query: { role: "customer", limit: 100 } } })),
  });
  const [picked, setPicked] = useState<Map<string, { name: string; email: string }>>(() => new Map());
  const known = new Map([...(first.data?.items ?? []).map((u) => [u.id, u] as const), ...picked]);
  const save = useMutation({
    mutationFn: () => call(api.PUT("/api/v1/catalog/price-lists/{id}/members", { params: { path: { id: list.id } }, body: { user_ids: ids } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["admin-price-lists"] });
      toast(at("setup.saved"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <section aria-labelledby="pl-members" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
      <h3 id="pl-members" className="font-semibold">
        {at("setup.members")}
      </h3>
      <ul className="space-y-1" data-testid="price-list-members">
        {ids.length === 0 ? <li className="text-sm text-slate-600">{at("setup.noMembers")}</li> : null}
        {ids.map((id) => (
          <li key={id} className="flex items-center justify-between gap-2 rounded-lg bg-slate-50 px-3 py-1">
            <span>{known.get(id) ? `${known.get(id)?.name} · ${known.get(id)?.email}` : id}</span>
            <IconButton label={at("setup.remove", { name: known.get(id)?.name ?? id })} onClick={() => setIds((all) => all.filter((x) => x !== id))}>
              <Trash2 aria-hidden className="size-4" />
            </IconButton>
          </li>
        ))}
      </ul>
      <TextField label={at("setup.findCustomer")} type="search" value={text} onChange={(e) => setText(e.target.value)} />
      {text.trim() ? (
        <ul className="space-y-1" aria-label={at("setup.matches")}>
          {(customers.data?.items ?? [])
            .filter((u) => !ids.includes(u.id))
            .slice(0, 8)
            .map((u) => (
              <li key={u.id} className="flex items-center justify-between gap-2 px-3 py-1">
                <span className="truncate">
                  {u.name} · {u.email}
                </span>
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => {
                    setPicked((m) => new Map(m).set(u.id, u));
                    setIds((all) => [...all, u.id]);
                  }}
                >
                  {at("setup.add", { name: u.name })}
                </Button>
              </li>
            ))}
        </ul>
      ) : null}
      <div className="flex justify-end">
        <Button busy={save.isPending} onClick={() => save.mutate()}>
          {at("setup.saveMembers")}
        </Button>
      </div>
    </section>
  );
}
