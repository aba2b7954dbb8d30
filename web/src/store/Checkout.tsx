import { useMemo, useRef, useState } from "react";
import { Link, useNavigate } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { Lock } from "lucide-react";
import { api } from "../api/client";
import { ApiError, call, fieldErrorsOf } from "../api/problem";
import {
  idempotencyKey,
  useCartPreview,
  useCheckout,
  useMe,
  useStoreInfo,
  type CheckoutBody,
} from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button, buttonClass } from "../ui/Button";
import { TextField } from "../ui/Field";
import { Money } from "../ui/Money";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { AddressFields, PINCODE, checkAddress, emptyAddress, toPostal, type AddressDraft } from "./AddressFields";
import { PageTitle } from "./Layout";
import { Totals } from "./Totals";
import { payWithRazorpay } from "./razorpay";

type PayMethod = "cod" | "online";

export function CheckoutPage() {
  const t = useT();
  useHead(`${t("checkout.title")} | Kirana`);
  const navigate = useNavigate();
  const me = useMe();
  const store = useStoreInfo();
  const methods = useQuery({
    queryKey: ["payment-methods"],
    queryFn: () => call(api.GET("/api/v1/payments/methods")),
  });
  const saved = useQuery({
    queryKey: ["addresses"],
    queryFn: () => call(api.GET("/api/v1/addresses")),
    enabled: Boolean(me.data),
  });

  const [email, setEmail] = useState("");
  // Untouched, the form shows the customer's default saved address.
  const [typed, setAddress] = useState<AddressDraft>();
  const [gstin, setGstin] = useState("");
  const [b2b, setB2b] = useState(false);
  const [shippingMethod, setShippingMethod] = useState<string>();
  const [pay, setPay] = useState<PayMethod>();
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [payError, setPayError] = useState<string>();
  const [paying, setPaying] = useState(false);
  const address: AddressDraft = useMemo(() => {
    if (typed) return typed;
    const fallback = saved.data?.find((x) => x.is_default) ?? saved.data?.[0];
    return fallback ? { ...fallback, line2: fallback.line2 ?? "" } : emptyAddress();
  }, [typed, saved.data]);

  const offered = (methods.data ?? []).filter((m) => m.available).map((m) => (m.method === "razorpay" ? "online" : m.method));
  const payMethod: PayMethod | undefined = pay ?? (offered.includes("online") ? "online" : offered.includes("cod") ? "cod" : undefined);

  const pincodeOk = PINCODE.test(address.pincode.trim());
  const preview = useCartPreview({
    state_code: address.state_code || undefined,
    pincode: pincodeOk ? address.pincode.trim() : undefined,
    shipping_method: shippingMethod,
    payment_method: payMethod,
  });
  const cart = preview.data;
  const checkout = useCheckout();

  // One key per distinct order attempt: a double click or a retry is the same order; a
  // changed form is a new attempt.
  const attempt = useRef<{ body: string; key: string } | undefined>(undefined);
  const body: CheckoutBody = useMemo(
    () => ({
      email: me.data ? null : email.trim() || null,
      shipping_address: toPostal(address),
      buyer_gstin: b2b && gstin.trim() ? gstin.trim() : null,
      shipping_method: shippingMethod ?? cart?.shipping_options[0]?.method ?? null,
      payment_method: payMethod ?? null,
    }),
    [me.data, email, address, b2b, gstin, shippingMethod, cart?.shipping_options, payMethod],
  );

  const serverErrors = { ...fieldErrorsOf(checkout.error) };
  const addressErrors = { ...fieldErrorsOf(checkout.error, "shipping_address."), ...localErrors };
  // Errors about fields this form has are shown at them; the rest (a cart line that sold
  // out meanwhile, say) above the button, with the server's words.
  const atFields = (field: string) =>
    field.startsWith("shipping_address.") || ["email", "buyer_gstin", "shipping_method", "payment_method"].includes(field);
  const elsewhere = Object.entries(serverErrors).filter(([field]) => !atFields(field));
  const general = !checkout.error
    ? undefined
    : !(checkout.error instanceof ApiError)
      ? t("checkout.networkRetry")
      : checkout.error.status >= 500
        ? t("error.server")
      : elsewhere.length
        ? `${checkout.error.message}: ${elsewhere.map(([f, m]) => `${f} ${m}`).join("; ")}`
        : Object.keys(serverErrors).length
          ? undefined
          : checkout.error.message;

  const submit = async () => {
    const errors = checkAddress(address, t);
    if (!me.data && !email.trim()) errors.email = t("form.required");
    setLocalErrors(errors);
    setPayError(undefined);
    if (Object.keys(errors).length) {
      const first = Object.keys(errors)[0];
      document.getElementById(first === "email" ? "checkout-email" : `ship-${first}`)?.focus();
      return;
    }
    const text = JSON.stringify(body);
    if (!attempt.current || attempt.current.body !== text) attempt.current = { body: text, key: idempotencyKey() };
    let placed;
    try {
      placed = await checkout.mutateAsync({ body, key: attempt.current.key });
    } catch {
      return;
    }
    const search = { number: placed.number, email: me.data ? undefined : email.trim() };
    if (payMethod === "online") {
      setPaying(true);
      try {
        const result = await payWithRazorpay(placed.id, store.data?.name ?? "Kirana", {
          name: address.name,
          email: me.data?.email ?? email.trim(),
          contact: address.phone,
        });
        void navigate({
          to: "/order/$id",
          params: { id: placed.id },
          search: { ...search, ...(result.status === "dismissed" ? { unpaid: "1" } : { paid: "1" }) },
        });
      } catch (e) {
        setPayError(e instanceof Error ? e.message : t("error.generic"));
        void navigate({ to: "/order/$id", params: { id: placed.id }, search: { ...search, unpaid: "1" } });
      } finally {
        setPaying(false);
      }
      return;
    }
    void navigate({ to: "/order/$id", params: { id: placed.id }, search });
  };

  if (preview.isPending) return <Skeleton className="h-96" />;
  if (preview.isError && !(preview.error instanceof ApiError && preview.error.status === 400)) {
    return <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />;
  }
  if (cart && cart.lines.length === 0) {
    return (
      <EmptyState
        title={t("cart.empty")}
        action={
          <Link to="/" className={buttonClass()}>
            {t("cart.continue")}
          </Link>
        }
      />
    );
  }

  return (
    <div>
      <PageTitle>{t("checkout.title")}</PageTitle>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        className="grid gap-8 lg:grid-cols-[1fr_24rem]"
      >
        <div className="space-y-8">
          <section aria-labelledby="contact" className="rounded-xl border border-slate-200 bg-white p-4 sm:p-6">
            <h2 id="contact" className="mb-4 text-lg font-semibold">
              {t("checkout.contact")}
            </h2>
            {me.data ? (
              <p className="text-sm text-slate-700">{t("checkout.signedInAs", { email: me.data.email })}</p>
            ) : (
              <div className="space-y-2">
                <TextField
                  id="checkout-email"
                  label={t("checkout.email")}
                  type="email"
                  autoComplete="email"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  error={localErrors.email ?? serverErrors.email}
                  hint={t("checkout.emailHint")}
                />
                <p className="text-sm text-slate-600">
                  {t("checkout.haveAccount")}{" "}
                  <Link to="/login" search={{ next: "/checkout" }} className="font-medium text-brand-800 underline">
                    {t("nav.login")}
                  </Link>
                </p>
              </div>
            )}
          </section>

          <section aria-labelledby="ship-to" className="rounded-xl border border-slate-200 bg-white p-4 sm:p-6">
            <h2 id="ship-to" className="mb-4 text-lg font-semibold">
              {t("checkout.shippingAddress")}
            </h2>
            {saved.data && saved.data.length > 0 ? (
              <div className="mb-4">
                <label htmlFor="saved-address" className="mb-1 block text-sm font-medium">
                  {t("checkout.savedAddresses")}
                </label>
                <select
                  id="saved-address"
                  className="h-10 w-full rounded-lg border border-slate-300 bg-white px-3"
                  onChange={(e) => {
                    const a = saved.data.find((x) => x.id === e.target.value);
                    if (a) setAddress({ ...a, line2: a.line2 ?? "" });
                  }}
                  defaultValue=""
                >
                  <option value="" disabled>
                    {t("checkout.pickSaved")}
                  </option>
                  {saved.data.map((a) => (
                    <option key={a.id} value={a.id}>
                      {[a.label, a.name, a.line1, a.city, a.pincode].filter(Boolean).join(", ")}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            <AddressFields
              idPrefix="ship"
              value={address}
              onChange={(a) => {
                setAddress(a);
                setLocalErrors({});
              }}
              errors={addressErrors}
            />
            <div className="mt-4 flex items-center gap-2 text-sm">
              <input id="b2b" type="checkbox" checked={b2b} onChange={(e) => setB2b(e.target.checked)} className="size-4 accent-brand-700" />
              <label htmlFor="b2b">{t("checkout.b2b")}</label>
            </div>
            {b2b ? (
              <TextField
                className="mt-3"
                label={t("checkout.gstin")}
                value={gstin}
                onChange={(e) => setGstin(e.target.value.toUpperCase())}
                error={serverErrors.buyer_gstin}
                maxLength={15}
                autoComplete="off"
              />
            ) : null}
          </section>

          <section aria-labelledby="ship-method" className="rounded-xl border border-slate-200 bg-white p-4 sm:p-6">
            <h2 id="ship-method" className="mb-4 text-lg font-semibold">
              {t("checkout.shipping")}
            </h2>
            {!pincodeOk || !address.state_code ? (
              <p className="text-sm text-slate-600">{t("checkout.shippingNeedsAddress")}</p>
            ) : cart?.shipping_problem && cart.shipping_options.length === 0 ? (
              <p role="alert" className="text-sm text-red-700">
                {cart.shipping_problem}
              </p>
            ) : (
              <fieldset>
                <legend className="sr-only">{t("checkout.shipping")}</legend>
                <div className="space-y-2">
                  {(cart?.shipping_options ?? []).map((o) => {
                    const on = (shippingMethod ?? cart?.shipping_options[0]?.method) === o.method;
                    return (
                      <label key={o.method} className={`flex cursor-pointer items-center gap-3 rounded-lg border p-3 ${on ? "border-brand-700 bg-brand-50" : "border-slate-300"}`}>
                        <input
                          type="radio"
                          name="shipping_method"
                          value={o.method}
                          checked={on}
                          onChange={() => setShippingMethod(o.method)}
                          className="size-4 accent-brand-700"
                        />
                        <span className="flex-1 text-sm">{o.name}</span>
                        <span className="text-sm font-medium">{o.free ? t("checkout.free") : <Money minor={o.amount_minor} />}</span>
                      </label>
                    );
                  })}
                </div>
                {serverErrors.shipping_method ? (
                  <p role="alert" className="mt-2 text-sm text-red-700">
                    {serverErrors.shipping_method}
                  </p>
                ) : null}
              </fieldset>
            )}
          </section>

          <section aria-labelledby="payment" className="rounded-xl border border-slate-200 bg-white p-4 sm:p-6">
            <h2 id="payment" className="mb-4 text-lg font-semibold">
              {t("checkout.payment")}
            </h2>
            {methods.isError ? (
              <ErrorState error={methods.error} onRetry={() => void methods.refetch()} />
            ) : offered.length === 0 && methods.data ? (
              <p role="alert" className="text-sm text-red-700">
                {t("checkout.noPayment")}
              </p>
            ) : (
              <fieldset>
                <legend className="sr-only">{t("checkout.payment")}</legend>
                <div className="space-y-2">
                  {(["online", "cod"] as const)
                    .filter((m) => offered.includes(m))
                    .map((m) => (
                      <label key={m} className={`flex cursor-pointer items-start gap-3 rounded-lg border p-3 ${payMethod === m ? "border-brand-700 bg-brand-50" : "border-slate-300"}`}>
                        <input
                          type="radio"
                          name="payment_method"
                          value={m}
                          checked={payMethod === m}
                          onChange={() => setPay(m)}
                          className="mt-0.5 size-4 accent-brand-700"
                        />
                        <span className="text-sm">
                          <span className="block font-medium">{t(m === "cod" ? "checkout.cod" : "checkout.online")}</span>
                          <span className="text-slate-600">{t(m === "cod" ? "checkout.codHint" : "checkout.onlineHint")}</span>
                        </span>
                      </label>
                    ))}
                </div>
                {serverErrors.payment_method ? (
                  <p role="alert" className="mt-2 text-sm text-red-700">
                    {serverErrors.payment_method}
                  </p>
                ) : null}
              </fieldset>
            )}
          </section>
        </div>

        <aside aria-labelledby="summary" className="h-fit space-y-4 rounded-xl border border-slate-200 bg-white p-4 sm:p-6 lg:sticky lg:top-24">
          <h2 id="summary" className="text-lg font-semibold">
            {t("checkout.summary")}
          </h2>
          {cart ? (
            <>
              <ul className="space-y-2 text-sm">
                {cart.lines.map((l) => (
                  <li key={l.variant_id} className="flex justify-between gap-2">
                    <span>
                      {l.name} × {l.quantity}
                    </span>
                    <Money minor={l.total_minor} className="tabular-nums" />
                  </li>
                ))}
              </ul>
              {cart.discount_code ? (
                <p className="text-sm text-brand-800">{t("checkout.codeUsed", { code: cart.discount_code })}</p>
              ) : null}
              <Totals totals={cart.totals} gst={cart.gst} pricesIncludeTax={cart.prices_include_tax} />
              {cart.supply === "inter_state" ? <p className="text-xs text-slate-600">{t("checkout.interState")}</p> : null}
            </>
          ) : null}
          {general || payError ? (
            <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800">
              {general ?? payError}
            </p>
          ) : null}
          <Button
            type="submit"
            size="lg"
            className="w-full"
            busy={checkout.isPending || paying}
            disabled={!payMethod}
            icon={<Lock aria-hidden className="size-4" />}
          >
            {payMethod === "online" ? t("checkout.placeAndPay") : t("checkout.place")}
          </Button>
        </aside>
      </form>
    </div>
  );
}
