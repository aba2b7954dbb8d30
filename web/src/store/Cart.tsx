import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { Minus, Plus, Tag, Trash2, X } from "lucide-react";
import { fieldErrorsOf } from "../api/problem";
import { useCart, useCartMutations, type Cart } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button, buttonClass } from "../ui/Button";
import { TextField } from "../ui/Field";
import { Money } from "../ui/Money";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { PageTitle } from "./Layout";
import { Totals } from "./Totals";

export function CartPage() {
  const t = useT();
  useHead(`${t("cart.title")} | Kirana`);
  return (
    <div className="mx-auto max-w-3xl">
      <PageTitle>{t("cart.title")}</PageTitle>
      <CartContents />
    </div>
  );
}

/** The cart's lines, discount code and totals; `compact` in the drawer. */
export function CartContents({ compact = false, onNavigate }: { compact?: boolean; onNavigate?: () => void }) {
  const t = useT();
  const cart = useCart();
  if (cart.isPending) {
    return (
      <div className="space-y-3" aria-busy>
        <Skeleton className="h-16" />
        <Skeleton className="h-16" />
      </div>
    );
  }
  if (cart.isError) return <ErrorState error={cart.error} onRetry={() => void cart.refetch()} />;
  const data = cart.data;
  if (data.lines.length === 0) {
    return (
      <EmptyState
        title={t("cart.empty")}
        action={
          <Link to="/" onClick={onNavigate} className={buttonClass()}>
            {t("cart.continue")}
          </Link>
        }
      />
    );
  }
  return (
    <div className="space-y-6">
      <ul className="divide-y divide-slate-200" aria-label={t("cart.lines")}>
        {data.lines.map((line) => (
          <CartLine key={line.variant_id} line={line} />
        ))}
      </ul>
      <DiscountCode cart={data} />
      <Totals totals={data.totals} gst={data.gst} pricesIncludeTax={data.prices_include_tax} showShipping={false} />
      <p className="text-xs text-slate-600">{t("cart.shippingAtCheckout")}</p>
      <div className={compact ? "grid gap-2" : "flex flex-wrap justify-end gap-2"}>
        {compact ? (
          <Link to="/cart" onClick={onNavigate} className={buttonClass("secondary")}>
            {t("cart.view")}
          </Link>
        ) : null}
        <Link to="/checkout" onClick={onNavigate} className={buttonClass("primary", "lg")}>
          {t("cart.checkout")}
        </Link>
      </div>
    </div>
  );
}

function CartLine({ line }: { line: Cart["lines"][number] }) {
  const t = useT();
  const toast = useToast();
  const { setQuantity, remove } = useCartMutations();
  const busy = setQuantity.isPending || remove.isPending;
  const change = (quantity: number) =>
    setQuantity.mutate({ variant_id: line.variant_id, quantity }, { onError: (e) => toast(e.message, "error") });
  return (
    <li className="flex gap-3 py-3" data-testid="cart-line">
      <div className="min-w-0 flex-1">
        <p className="font-medium text-slate-900">{line.name}</p>
        <p className="text-sm text-slate-600">
          <Money minor={line.unit_price_minor} /> {t("cart.each")}
          {!line.available ? <span className="ml-2 font-medium text-red-700">{t("cart.unavailable")}</span> : null}
        </p>
        <div className="mt-2 flex items-center gap-2">
          <div className="flex h-9 items-center rounded-lg border border-slate-300 bg-white" role="group" aria-label={t("cart.quantityOf", { name: line.name })}>
            <button
              type="button"
              className="grid h-full w-9 place-items-center disabled:opacity-40"
              aria-label={t("product.less")}
              disabled={busy || line.quantity <= 1}
              onClick={() => change(line.quantity - 1)}
            >
              <Minus aria-hidden className="size-4" />
            </button>
            <span className="w-8 text-center tabular-nums" aria-live="polite" data-testid="line-quantity">
              {line.quantity}
            </span>
            <button
              type="button"
              className="grid h-full w-9 place-items-center disabled:opacity-40"
              aria-label={t("product.more")}
              disabled={busy}
              onClick={() => change(line.quantity + 1)}
            >
              <Plus aria-hidden className="size-4" />
            </button>
          </div>
          <button
            type="button"
            className="rounded-md p-2 text-slate-600 hover:bg-slate-100 hover:text-red-700"
            aria-label={t("cart.remove", { name: line.name })}
            disabled={busy}
            onClick={() => remove.mutate(line.variant_id, { onError: (e) => toast(e.message, "error") })}
          >
            <Trash2 aria-hidden className="size-4" />
          </button>
        </div>
      </div>
      <div className="text-right tabular-nums">
        <Money minor={line.total_minor} className="font-medium" />
        {line.discount_minor ? (
          <p className="text-xs text-brand-800">
            −<Money minor={line.discount_minor} />
          </p>
        ) : null}
      </div>
    </li>
  );
}

function DiscountCode({ cart }: { cart: Cart }) {
  const t = useT();
  const { applyCode, removeCode } = useCartMutations();
  const [code, setCode] = useState("");
  if (cart.discount_code) {
    return (
      <div className="flex flex-wrap items-center gap-2 rounded-lg bg-brand-50 px-3 py-2 text-sm">
        <Tag aria-hidden className="size-4 text-brand-800" />
        <span>
          {t("cart.codeApplied")} <strong data-testid="applied-code">{cart.discount_code}</strong>
        </span>
        {cart.discount_problem ? (
          <span role="alert" className="basis-full text-red-700">
            {cart.discount_problem}
          </span>
        ) : null}
        <button
          type="button"
          className="ml-auto flex items-center gap-1 text-slate-700 hover:text-red-700"
          onClick={() => removeCode.mutate()}
          disabled={removeCode.isPending}
        >
          <X aria-hidden className="size-4" />
          {t("cart.removeCode")}
        </button>
      </div>
    );
  }
  const error = applyCode.error ? (fieldErrorsOf(applyCode.error).code ?? applyCode.error.message) : undefined;
  return (
    <form
      className="flex items-start gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (code.trim()) applyCode.mutate(code.trim(), { onSuccess: () => setCode("") });
      }}
    >
      <TextField
        label={t("cart.discountCode")}
        name="code"
        value={code}
        onChange={(e) => {
          setCode(e.target.value);
          applyCode.reset();
        }}
        error={error}
        autoComplete="off"
        className="flex-1"
      />
      <Button type="submit" variant="secondary" className="mt-6" busy={applyCode.isPending}>
        {t("cart.apply")}
      </Button>
    </form>
  );
}
