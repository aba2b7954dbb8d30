// Creating and editing a product: its details, options and variants, pictures, sale
// prices and the stock each variant has. Prices are typed in rupees and sent as paise;
// every error the server names is shown at its field.
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { Link, getRouteApi, useNavigate } from "@tanstack/react-router";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, ArrowRight, ImagePlus, Plus, Trash2 } from "lucide-react";
import { api } from "../api/client";
import { ApiError, call, fieldErrorsOf } from "../api/problem";
import { upload } from "../api/upload";
import { useCategories, useMe, useStoreInfo, type Product, type Schemas } from "../api/hooks";
import { parseRupees, rupeesField } from "../lib/format";
import { Button, buttonClass } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextArea, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { ScrollX } from "../ui/ScrollX";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { can } from "./Layout";
import { flattenCategories } from "./categories";
import { at } from "./strings";

type Variant = Schemas["VariantView"];
type Errors = Record<string, string>;

/** One variant as the form holds it: text as typed, turned into numbers on save. */
interface VariantDraft {
  options: Record<string, string>;
  sku: string;
  barcode: string;
  price: string;
  compareAt: string;
  weight: string;
}

interface OptionDraft {
  name: string;
  values: string;
}

const emptyVariant = (options: Record<string, string> = {}): VariantDraft => ({
  options,
  sku: "",
  barcode: "",
  price: "",
  compareAt: "",
  weight: "",
});

/** Every combination of the options' values, in the order the options are listed. */
export function combinations(options: { name: string; values: string[] }[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const o of options) {
    if (o.values.length === 0) continue;
    out = out.flatMap((combo) => o.values.map((v) => ({ ...combo, [o.name]: v })));
  }
  return out;
}

function splitValues(text: string): string[] {
  return [...new Set(text.split(",").map((v) => v.trim()).filter(Boolean))];
}

/** A rupee amount, or a field error for it; empty is `undefined` when allowed. */
function money(text: string, field: string, errors: Errors, required: boolean): number | undefined {
  if (!text.trim()) {
    if (required) errors[field] = at("product.required");
    return undefined;
  }
  const v = parseRupees(text);
  if (v === undefined) errors[field] = at("product.badAmount");
  return v;
}

function whole(text: string, field: string, errors: Errors): number | undefined {
  if (!text.trim()) return undefined;
  if (!/^\d+$/.test(text.trim())) {
    errors[field] = at("product.badNumber");
    return undefined;
  }
  return Number(text.trim());
}

function variantInput(v: VariantDraft, prefix: string, errors: Errors): Schemas["VariantInput"] {
  const price = money(v.price, `${prefix}price_minor`, errors, true) ?? 0;
  const compare = money(v.compareAt, `${prefix}compare_at_minor`, errors, false);
  const weight = whole(v.weight, `${prefix}weight_grams`, errors);
  return {
    sku: v.sku.trim(),
    barcode: v.barcode.trim() || null,
    price_minor: price,
    compare_at_minor: compare ?? null,
    ...(weight !== undefined ? { weight_grams: weight } : {}),
    options: v.options,
  };
}

/** Categories as an indented list of checkboxes. */
function CategoryPicker({ value, onChange, error }: { value: string[]; onChange: (ids: string[]) => void; error?: string | undefined }) {
  const categories = useCategories();
  const rows = flattenCategories(categories.data ?? []);
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium text-slate-800">{at("product.categories")}</legend>
      <div className="max-h-48 overflow-y-auto rounded-lg border border-slate-300 p-2">
        {rows.map(({ c, depth }) => (
          <label key={c.id} className="flex items-center gap-2 py-0.5 text-sm" style={{ paddingLeft: `${depth * 1.25}rem` }}>
            <input
              type="checkbox"
              className="size-4"
              checked={value.includes(c.id)}
              onChange={(e) => onChange(e.target.checked ? [...value, c.id] : value.filter((id) => id !== c.id))}
            />
            {c.name}
          </label>
        ))}
        {rows.length === 0 ? <p className="text-sm text-slate-600">{at("product.noCategories")}</p> : null}
      </div>
      {error ? (
        <p className="text-sm text-red-700" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

interface Details {
  name: string;
  slug: string;
  description: string;
  hsn: string;
  gst: string;
  status: Schemas["ProductStatus"];
  categories: string[];
}

function DetailsFields({ value, set, errors }: { value: Details; set: (patch: Partial<Details>) => void; errors: Errors }) {
  const store = useStoreInfo();
  const rates = store.data?.gst_rates_bp ?? [];
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField label={at("product.name")} value={value.name} onChange={(e) => set({ name: e.target.value })} error={errors.name} required className="sm:col-span-2" />
      <TextField
        label={at("product.slug")}
        value={value.slug}
        onChange={(e) => set({ slug: e.target.value })}
        error={errors.slug}
        hint={at("product.slugHint")}
      />
      <SelectField label={at("product.status")} value={value.status} onChange={(e) => set({ status: e.target.value as Details["status"] })} error={errors.status}>
        <option value="draft">{at("status.draft")}</option>
        <option value="active">{at("status.active")}</option>
        <option value="archived">{at("status.archived")}</option>
      </SelectField>
      <TextArea
        label={at("product.description")}
        rows={4}
        value={value.description}
        onChange={(e) => set({ description: e.target.value })}
        error={errors.description}
        className="sm:col-span-2"
      />
      <TextField
        label={at("product.hsn")}
        value={value.hsn}
        inputMode="numeric"
        onChange={(e) => set({ hsn: e.target.value })}
        error={errors.hsn_code}
        hint={at("product.hsnHint")}
        required
      />
      <SelectField label={at("product.gst")} value={value.gst} onChange={(e) => set({ gst: e.target.value })} error={errors.gst_rate_bp}>
        {rates.map((bp) => (
          <option key={bp} value={String(bp)}>
            {bp / 100} %
          </option>
        ))}
      </SelectField>
      <div className="sm:col-span-2">
        <CategoryPicker value={value.categories} onChange={(categories) => set({ categories })} error={errors.category_ids} />
      </div>
    </div>
  );
}

function Section({ title, children, actions }: { title: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-semibold">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function VariantFields({
  value,
  set,
  errors,
  prefix,
}: {
  value: VariantDraft;
  set: (patch: Partial<VariantDraft>) => void;
  errors: Errors;
  prefix: string;
}) {
  const label = Object.values(value.options).join(" / ");
  return (
    <fieldset className="grid gap-3 rounded-lg border border-slate-200 p-3 sm:grid-cols-2 lg:grid-cols-[2fr_1.5fr_1fr_1fr_1fr]">
      <legend className="px-1 text-sm font-semibold">{label || at("product.defaultVariant")}</legend>
      <TextField label={at("variant.sku")} value={value.sku} onChange={(e) => set({ sku: e.target.value })} error={errors[`${prefix}sku`]} required />
      <TextField
        label={at("variant.barcode")}
        value={value.barcode}
        inputMode="numeric"
        onChange={(e) => set({ barcode: e.target.value })}
        error={errors[`${prefix}barcode`]}
      />
      <TextField
        label={at("variant.price")}
        value={value.price}
        inputMode="decimal"
        onChange={(e) => set({ price: e.target.value })}
        error={errors[`${prefix}price_minor`]}
        required
      />
      <TextField
        label={at("variant.compareAt")}
        value={value.compareAt}
        inputMode="decimal"
        onChange={(e) => set({ compareAt: e.target.value })}
        error={errors[`${prefix}compare_at_minor`]}
      />
      <TextField
        label={at("variant.weight")}
        value={value.weight}
        inputMode="numeric"
        onChange={(e) => set({ weight: e.target.value })}
        error={errors[`${prefix}weight_grams`]}
      />
    </fieldset>
  );
}

/** `/admin/products/new`: details, options and a variant per combination, in one save. */
export function ProductNew() {
  const store = useStoreInfo();
  const navigate = useNavigate();
  const toast = useToast();
  const qc = useQueryClient();
  const [details, setDetails] = useState<Details>({
    name: "",
    slug: "",
    description: "",
    hsn: "",
    gst: "",
    status: "active",
    categories: [],
  });
  const [options, setOptions] = useState<OptionDraft[]>([]);
  // What was typed for each combination of option values, kept while options change.
  const [drafts, setDrafts] = useState<Record<string, VariantDraft>>({});
  const [errors, setErrors] = useState<Errors>({});
  const gst = details.gst || String(store.data?.gst_rates_bp.includes(1800) ? 1800 : (store.data?.gst_rates_bp[0] ?? 0));

  // Options define the variants: one per combination of their values.
  const parsed = useMemo(() => options.map((o) => ({ name: o.name.trim(), values: splitValues(o.values) })).filter((o) => o.name), [options]);
  const variants = combinations(parsed).map((combo) => drafts[JSON.stringify(combo)] ?? emptyVariant(combo));
  const setVariant = (v: VariantDraft, patch: Partial<VariantDraft>) =>
    setDrafts((all) => ({ ...all, [JSON.stringify(v.options)]: { ...v, ...patch } }));

  const create = useMutation({
    mutationFn: (body: Schemas["ProductInput"]) => call(api.POST("/api/v1/catalog/products", { body })),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: ["admin-products"] });
      toast(at("product.created", { name: p.name }));
      void navigate({ to: "/admin/products/$id", params: { id: p.id } });
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Errors = {};
    const body: Schemas["ProductInput"] = {
      name: details.name.trim(),
      slug: details.slug.trim() || null,
      description: details.description,
      hsn_code: details.hsn.trim(),
      gst_rate_bp: Number(gst),
      status: details.status,
      category_ids: details.categories,
      options: parsed,
      variants: variants.map((v, i) => variantInput(v, `variants[${i}].`, errs)),
    };
    setErrors(errs);
    if (Object.keys(errs).length === 0) create.mutate(body);
  };

  return (
    <form className="mx-auto max-w-4xl space-y-4" onSubmit={submit} noValidate>
      <Link to="/admin/products" search={{}} className="text-sm text-brand-800 underline">
        ← {at("products.title")}
      </Link>
      <h1 className="text-2xl font-bold">{at("product.new")}</h1>
      <Section title={at("product.details")}>
        <DetailsFields value={{ ...details, gst }} set={(p) => setDetails((d) => ({ ...d, ...p }))} errors={errors} />
      </Section>
      <Section
        title={at("product.options")}
        actions={
          <Button variant="secondary" size="sm" icon={<Plus aria-hidden className="size-4" />} onClick={() => setOptions((o) => [...o, { name: "", values: "" }])}>
            {at("product.addOption")}
          </Button>
        }
      >
        <p className="text-sm text-slate-600">{at("product.optionsHint")}</p>
        {options.map((o, i) => (
          <div key={i} className="grid items-end gap-3 sm:grid-cols-[1fr_2fr_auto]">
            <TextField
              label={at("product.optionName")}
              value={o.name}
              placeholder="Size"
              onChange={(e) => setOptions((all) => all.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
              error={errors[`options[${i}].name`]}
            />
            <TextField
              label={at("product.optionValues")}
              value={o.values}
              placeholder="500 g, 1 kg"
              onChange={(e) => setOptions((all) => all.map((x, j) => (j === i ? { ...x, values: e.target.value } : x)))}
              error={errors[`options[${i}].values`]}
            />
            <Button variant="ghost" aria-label={at("product.removeOption", { name: o.name || String(i + 1) })} onClick={() => setOptions((all) => all.filter((_, j) => j !== i))}>
              <Trash2 aria-hidden className="size-4" />
            </Button>
          </div>
        ))}
      </Section>
      <Section title={at("product.variants")}>
        {errors.variants ? (
          <p className="text-sm text-red-700" role="alert">
            {errors.variants}
          </p>
        ) : null}
        {variants.map((v, i) => (
          <VariantFields
            key={JSON.stringify(v.options)}
            value={v}
            prefix={`variants[${i}].`}
            errors={errors}
            set={(patch) => setVariant(v, patch)}
          />
        ))}
      </Section>
      {Object.keys(errors).length > 0 ? (
        <p className="text-sm text-red-700" role="alert">
          {at("product.fixErrors")}
        </p>
      ) : null}
      <div className="flex justify-end gap-2">
        <Button type="submit" busy={create.isPending}>
          {at("product.create")}
        </Button>
      </div>
    </form>
  );
}

const editRoute = getRouteApi("/admin/products/$id");

/** `/admin/products/$id`: every part of a product, each saved on its own. */
export function ProductEdit() {
  const { id } = editRoute.useParams();
  const product = useQuery({
    queryKey: ["admin-product", id],
    queryFn: () => call(api.GET("/api/v1/catalog/products/{id}", { params: { path: { id } } })),
  });
  if (product.isError) return <ErrorState error={product.error} onRetry={() => void product.refetch()} />;
  if (!product.data) return <Skeleton className="h-96" />;
  const p = product.data;
  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <Link to="/admin/products" search={{}} className="text-sm text-brand-800 underline">
        ← {at("products.title")}
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{p.name}</h1>
        {p.status === "active" ? (
          <Link to="/p/$slug" params={{ slug: p.slug }} className={buttonClass("secondary", "sm")}>
            {at("products.open")}
          </Link>
        ) : null}
      </div>
      <DetailsSection product={p} />
      <ImagesSection product={p} />
      <VariantsSection product={p} />
      <StockSection product={p} />
    </div>
  );
}

function useProductSaved(p: Product) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ["admin-product", p.id] });
    void qc.invalidateQueries({ queryKey: ["admin-products"] });
  };
}

function DetailsSection({ product: p }: { product: Product }) {
  const toast = useToast();
  const saved = useProductSaved(p);
  const [details, setDetails] = useState<Details>({
    name: p.name,
    slug: p.slug,
    description: p.description,
    hsn: p.hsn_code,
    gst: String(p.gst_rate_bp),
    status: p.status as Details["status"],
    categories: p.category_ids,
  });
  const [errors, setErrors] = useState<Errors>({});
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PATCH("/api/v1/catalog/products/{id}", {
          params: { path: { id: p.id } },
          body: {
            name: details.name.trim(),
            slug: details.slug.trim(),
            description: details.description,
            hsn_code: details.hsn.trim(),
            gst_rate_bp: Number(details.gst),
            status: details.status,
            category_ids: details.categories,
          },
        }),
      ),
    onSuccess: () => {
      setErrors({});
      saved();
      toast(at("product.saved"));
    },
    onError: (e) => {
      setErrors(fieldErrorsOf(e));
      if (!(e instanceof ApiError) || !e.problem.errors?.length) toast(e.message, "error");
    },
  });
  return (
    <Section title={at("product.details")}>
      <form
        noValidate
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <DetailsFields value={details} set={(patch) => setDetails((d) => ({ ...d, ...patch }))} errors={errors} />
        <div className="flex justify-end">
          <Button type="submit" busy={save.isPending}>
            {at("product.save")}
          </Button>
        </div>
      </form>
    </Section>
  );
}

function ImagesSection({ product: p }: { product: Product }) {
  const toast = useToast();
  const saved = useProductSaved(p);
  const [file, setFile] = useState<File | null>(null);
  const [alt, setAlt] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  // A new key empties the file input once its picture is uploaded.
  const [inputKey, setInputKey] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [removing, setRemoving] = useState<Schemas["ImageView"] | null>(null);
  const preview = useMemo(() => (file ? URL.createObjectURL(file) : null), [file]);
  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);
  const send = useMutation({
    mutationFn: (f: File) =>
      upload<Schemas["ImageView"]>(
        "POST",
        `/api/v1/catalog/products/${encodeURIComponent(p.id)}/images?alt=${encodeURIComponent(alt.trim())}`,
        f,
        f.type,
        setProgress,
      ),
    onSuccess: () => {
      setFile(null);
      setInputKey((k) => k + 1);
      setAlt("");
      setError(undefined);
      saved();
      toast(at("image.added"));
    },
    onError: (e) => setError(e.message),
    onSettled: () => setProgress(null),
  });
  const move = useMutation({
    mutationFn: ({ image, position }: { image: string; position: number }) =>
      call(api.PATCH("/api/v1/catalog/images/{id}", { params: { path: { id: image } }, body: { position } })),
    onSuccess: saved,
    onError: (e) => toast(e.message, "error"),
  });
  const remove = useMutation({
    mutationFn: (image: string) => call(api.DELETE("/api/v1/catalog/images/{id}", { params: { path: { id: image } } })),
    onSuccess: () => {
      setRemoving(null);
      saved();
      toast(at("image.removed"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <Section title={at("product.images")}>
      {p.images.length === 0 ? <p className="text-sm text-slate-600">{at("image.none")}</p> : null}
      <ol className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {p.images.map((img, i) => (
          <li key={img.id} className="space-y-1 rounded-lg border border-slate-200 p-2">
            <img src={img.url} alt={img.alt || p.name} className="aspect-square w-full rounded object-cover" />
            <p className="text-xs text-slate-600">{i === 0 ? at("image.cover") : at("image.number", { n: i + 1 })}</p>
            <div className="flex justify-between">
              <Button
                variant="ghost"
                size="sm"
                aria-label={at("image.earlier", { n: i + 1 })}
                disabled={i === 0 || move.isPending}
                onClick={() => move.mutate({ image: img.id, position: i - 1 })}
              >
                <ArrowLeft aria-hidden className="size-4" />
              </Button>
              <Button variant="ghost" size="sm" aria-label={at("image.remove", { n: i + 1 })} onClick={() => setRemoving(img)}>
                <Trash2 aria-hidden className="size-4" />
              </Button>
              <Button
                variant="ghost"
                size="sm"
                aria-label={at("image.later", { n: i + 1 })}
                disabled={i === p.images.length - 1 || move.isPending}
                onClick={() => move.mutate({ image: img.id, position: i + 1 })}
              >
                <ArrowRight aria-hidden className="size-4" />
              </Button>
            </div>
          </li>
        ))}
      </ol>
      <form
        className="grid items-end gap-3 sm:grid-cols-[auto_1fr_1fr_auto]"
        onSubmit={(e) => {
          e.preventDefault();
          if (file) send.mutate(file);
        }}
      >
        {preview ? <img src={preview} alt={at("image.preview")} className="size-20 rounded object-cover" /> : <span className="hidden sm:block" />}
        <div className="space-y-1">
          <label htmlFor="image-file" className="block text-sm font-medium">
            {at("image.file")}
          </label>
          <input
            key={inputKey}
            id="image-file"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            className="block w-full text-sm"
            aria-describedby={error ? "image-error" : undefined}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <TextField label={at("image.alt")} value={alt} onChange={(e) => setAlt(e.target.value)} maxLength={200} />
        <Button type="submit" disabled={!file} busy={send.isPending} icon={<ImagePlus aria-hidden className="size-4" />}>
          {at("image.upload")}
        </Button>
        {progress !== null ? (
          <progress className="w-full sm:col-span-4" max={1} value={progress} aria-label={at("image.uploading")} />
        ) : null}
        {error ? (
          <p id="image-error" className="text-sm text-red-700 sm:col-span-4" role="alert">
            {error}
          </p>
        ) : null}
      </form>
      <Dialog open={removing !== null} onClose={() => setRemoving(null)} title={at("image.removeTitle")}>
        <p className="mb-4">{at("image.removeConfirm")}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setRemoving(null)}>
            {at("common.keep")}
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => removing && remove.mutate(removing.id)}>
            {at("image.removeTitle")}
          </Button>
        </div>
      </Dialog>
    </Section>
  );
}

function draftOf(v: Variant): VariantDraft {
  return {
    options: v.options,
    sku: v.sku,
    barcode: v.barcode ?? "",
    price: rupeesField(v.price_minor),
    compareAt: rupeesField(v.compare_at_minor),
    weight: v.weight_grams ? String(v.weight_grams) : "",
  };
}

function VariantRow({ product: p, variant: v }: { product: Product; variant: Variant }) {
  const toast = useToast();
  const saved = useProductSaved(p);
  const [draft, setDraft] = useState(() => draftOf(v));
  const [errors, setErrors] = useState<Errors>({});
  const [archiving, setArchiving] = useState(false);
  const [sales, setSales] = useState(false);
  const save = useMutation({
    mutationFn: (body: Schemas["VariantPatch"]) => call(api.PATCH("/api/v1/catalog/variants/{id}", { params: { path: { id: v.id } }, body })),
    onSuccess: () => {
      setErrors({});
      saved();
      toast(at("variant.saved", { sku: draft.sku }));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const archive = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/catalog/variants/{id}", { params: { path: { id: v.id } } })),
    onSuccess: () => {
      setArchiving(false);
      saved();
      toast(at("variant.archived", { sku: v.sku }));
    },
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <form
      noValidate
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        const errs: Errors = {};
        const input = variantInput(draft, "", errs);
        setErrors(errs);
        if (Object.keys(errs).length) return;
        save.mutate({
          sku: input.sku,
          barcode: input.barcode ?? null,
          price_minor: input.price_minor,
          compare_at_minor: input.compare_at_minor ?? null,
          weight_grams: input.weight_grams ?? 0,
        });
      }}
    >
      <VariantFields value={draft} set={(patch) => setDraft((d) => ({ ...d, ...patch }))} errors={errors} prefix="" />
      <div className="flex flex-wrap items-center justify-end gap-2 text-sm">
        {v.price_now_minor < v.price_minor ? (
          <span className="mr-auto text-emerald-800">
            {at("variant.onSale")} <Money minor={v.price_now_minor} />
          </span>
        ) : null}
        <Button variant="ghost" size="sm" onClick={() => setSales(true)}>
          {at("variant.sales")}
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setArchiving(true)}>
          {at("variant.archive")}
        </Button>
        <Button type="submit" size="sm" busy={save.isPending}>
          {at("variant.save")}
        </Button>
      </div>
      <Dialog open={archiving} onClose={() => setArchiving(false)} title={at("variant.archive")}>
        <p className="mb-4">{at("variant.archiveConfirm", { sku: v.sku })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setArchiving(false)}>
            {at("common.keep")}
          </Button>
          <Button variant="danger" busy={archive.isPending} onClick={() => archive.mutate()}>
            {at("variant.archive")}
          </Button>
        </div>
      </Dialog>
      <Dialog open={sales} onClose={() => setSales(false)} title={at("variant.salesOf", { sku: v.sku })}>
        <SalePrices variant={v} onChange={saved} />
      </Dialog>
    </form>
  );
}

/** A variant's scheduled sale prices: list, add, cancel. */
function SalePrices({ variant: v, onChange }: { variant: Variant; onChange: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const key = ["admin-sales", v.id];
  const sales = useQuery({ queryKey: key, queryFn: () => call(api.GET("/api/v1/catalog/variants/{id}/sales", { params: { path: { id: v.id } } })) });
  const [price, setPrice] = useState("");
  const [starts, setStarts] = useState("");
  const [ends, setEnds] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const changed = () => {
    void qc.invalidateQueries({ queryKey: key });
    onChange();
  };
  const add = useMutation({
    mutationFn: (body: Schemas["SaleInput"]) => call(api.POST("/api/v1/catalog/variants/{id}/sales", { params: { path: { id: v.id } }, body })),
    onSuccess: () => {
      setPrice("");
      setStarts("");
      setEnds("");
      setErrors({});
      changed();
      toast(at("sale.added"));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/catalog/sales/{id}", { params: { path: { id } } })),
    onSuccess: changed,
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <div className="space-y-4">
      {sales.data?.length ? (
        <ul className="divide-y divide-slate-200 text-sm">
          {sales.data.map((s) => (
            <li key={s.id} className="flex items-center justify-between gap-2 py-2">
              <span>
                <Money minor={s.price_minor} /> · <DateText iso={s.starts_at} withTime /> – {s.ends_at ? <DateText iso={s.ends_at} withTime /> : at("sale.open")}
              </span>
              <Button variant="ghost" size="sm" onClick={() => cancel.mutate(s.id)} aria-label={at("sale.cancel")}>
                <Trash2 aria-hidden className="size-4" />
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">{at("sale.none")}</p>
      )}
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          const errs: Errors = {};
          const minor = money(price, "price_minor", errs, true);
          if (!starts) errs.starts_at = at("product.required");
          setErrors(errs);
          if (Object.keys(errs).length || minor === undefined) return;
          add.mutate({
            price_minor: minor,
            starts_at: new Date(starts).toISOString(),
            ends_at: ends ? new Date(ends).toISOString() : null,
          });
        }}
      >
        <TextField label={at("sale.price")} value={price} inputMode="decimal" onChange={(e) => setPrice(e.target.value)} error={errors.price_minor} />
        <TextField label={at("sale.starts")} type="datetime-local" value={starts} onChange={(e) => setStarts(e.target.value)} error={errors.starts_at} />
        <TextField label={at("sale.ends")} type="datetime-local" value={ends} onChange={(e) => setEnds(e.target.value)} error={errors.ends_at} />
        <div className="sm:col-span-3 flex justify-end">
          <Button type="submit" busy={add.isPending}>
            {at("sale.add")}
          </Button>
        </div>
      </form>
    </div>
  );
}

function VariantsSection({ product: p }: { product: Product }) {
  const toast = useToast();
  const saved = useProductSaved(p);
  const [adding, setAdding] = useState<VariantDraft | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const live = p.variants.filter((v) => v.status !== "archived");
  const add = useMutation({
    mutationFn: (body: Schemas["VariantInput"]) => call(api.POST("/api/v1/catalog/products/{id}/variants", { params: { path: { id: p.id } }, body })),
    onSuccess: (_, input) => {
      setAdding(null);
      setErrors({});
      saved();
      toast(at("variant.added", { sku: input.sku }));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <Section
      title={at("product.variants")}
      actions={
        <Button
          variant="secondary"
          size="sm"
          icon={<Plus aria-hidden className="size-4" />}
          onClick={() => setAdding(emptyVariant(Object.fromEntries(p.options.map((o) => [o.name, o.values[0] ?? ""]))))}
        >
          {at("variant.add")}
        </Button>
      }
    >
      {live.map((v) => (
        <VariantRow key={`${v.id}-${p.updated_at}`} product={p} variant={v} />
      ))}
      {adding ? (
        <form
          noValidate
          className="space-y-2 rounded-lg border-2 border-dashed border-brand-600 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            const errs: Errors = {};
            const input = variantInput(adding, "", errs);
            setErrors(errs);
            if (!Object.keys(errs).length) add.mutate(input);
          }}
        >
          {p.options.length ? (
            <div className="grid gap-3 sm:grid-cols-3">
              {p.options.map((o) => (
                <TextField
                  key={o.name}
                  label={o.name}
                  value={adding.options[o.name] ?? ""}
                  onChange={(e) => setAdding({ ...adding, options: { ...adding.options, [o.name]: e.target.value } })}
                  error={errors[`options.${o.name}`] ?? errors.options}
                />
              ))}
            </div>
          ) : null}
          <VariantFields value={adding} set={(patch) => setAdding({ ...adding, ...patch })} errors={errors} prefix="" />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setAdding(null)}>
              {at("common.cancel")}
            </Button>
            <Button type="submit" busy={add.isPending}>
              {at("variant.add")}
            </Button>
          </div>
        </form>
      ) : null}
    </Section>
  );
}

/** Each variant's stock and average cost, as inventory keeps them. */
function StockSection({ product: p }: { product: Product }) {
  const me = useMe();
  const live = p.variants.filter((v) => v.status !== "archived");
  const allowed = can(me.data, "inventory.adjust");
  const stock = useQueries({
    queries: live.map((v) => ({
      queryKey: ["admin-variant-stock", v.id],
      queryFn: () => call(api.GET("/api/v1/inventory/variants/{id}/stock", { params: { path: { id: v.id } } })),
      enabled: allowed,
    })),
  });
  if (!allowed) return null;
  return (
    <Section
      title={at("product.stock")}
      actions={
        <Link to="/admin/inventory" search={{}} className="text-sm text-brand-800 underline">
          {at("nav.inventory")}
        </Link>
      }
    >
      <ScrollX label={at("product.stock")}>
        <table className="w-full text-left text-sm">
          <thead className="text-slate-700">
            <tr>
              <th className="px-2 py-1">{at("variant.sku")}</th>
              <th className="px-2 py-1 text-right">{at("stock.onHand")}</th>
              <th className="px-2 py-1 text-right">{at("stock.reserved")}</th>
              <th className="px-2 py-1 text-right">{at("stock.available")}</th>
              <th className="px-2 py-1 text-right">{at("stock.avgCost")}</th>
            </tr>
          </thead>
          <tbody>
            {live.map((v, i) => {
              const s = stock[i]?.data;
              return (
                <tr key={v.id} className="border-t border-slate-200" data-sku={v.sku}>
                  <td className="px-2 py-1 font-medium">
                    <Link to="/admin/inventory" search={{ variant: v.id }} className="underline">
                      {v.sku}
                    </Link>
                  </td>
                  <td className="px-2 py-1 text-right tabular-nums" data-col="on_hand">{s ? s.on_hand : "…"}</td>
                  <td className="px-2 py-1 text-right tabular-nums">{s ? s.reserved : "…"}</td>
                  <td className="px-2 py-1 text-right tabular-nums" data-col="available">{s ? s.available : "…"}</td>
                  <td className="px-2 py-1 text-right tabular-nums" data-col="avg_cost">{s ? <Money minor={s.avg_unit_cost_minor} /> : "…"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollX>
    </Section>
  );
}
