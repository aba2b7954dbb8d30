import { useState } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, CreditCard } from "lucide-react";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useMe, useStoreInfo } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button, buttonClass } from "../ui/Button";
import { Money } from "../ui/Money";
import { payWithRazorpay } from "./razorpay";

const route = getRouteApi("/order/$id");

export function OrderPlaced() {
  const t = useT();
  const { id } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const me = useMe();
  const store = useStoreInfo();
  const qc = useQueryClient();
  const order = useQuery({
    queryKey: ["order", id],
    queryFn: () => call(api.GET("/api/v1/orders/{id}", { params: { path: { id } } })),
    enabled: Boolean(me.data),
    // A verified payment reaches the order a moment later (through the event outbox):
    // look again until it shows.
    refetchInterval: (q) => (search.paid && q.state.data?.status === "pending_payment" ? 1000 : false),
  });
  const [paying, setPaying] = useState(false);
  const [payError, setPayError] = useState<string>();
  const number = order.data?.number ?? search.number;
  useHead(`${t("placed.title")} | Kirana`);
  const unpaid = Boolean(search.unpaid) && order.data?.status !== "paid";
  const payNow = async () => {
    setPaying(true);
    setPayError(undefined);
    try {
      const r = await payWithRazorpay(id, store.data?.name ?? "Kirana", { email: me.data?.email ?? search.email });
      if (r.status === "paid") {
        await qc.invalidateQueries({ queryKey: ["order", id] });
        void navigate({ search: { number: search.number, email: search.email, paid: "1" } });
      }
    } catch (e) {
      setPayError(e instanceof Error ? e.message : t("error.generic"));
    } finally {
      setPaying(false);
    }
  };
  return (
    <div className="mx-auto max-w-xl space-y-6 rounded-2xl border border-slate-200 bg-white p-6 text-center sm:p-10">
      <CheckCircle2 aria-hidden className="mx-auto size-12 text-brand-700" />
      <h1 className="text-2xl font-bold">{t("placed.title")}</h1>
      <p className="text-lg">
        {t("placed.number")} <strong data-testid="order-number">{number}</strong>
      </p>
      {search.paid && order.data?.status === "pending_payment" ? (
        <p role="status" className="text-sm text-slate-600">
          {t("placed.confirming")}
        </p>
      ) : null}
      {order.data ? (
        <p className="text-slate-700">
          {t("placed.total")} <Money minor={order.data.totals.grand_total_minor} className="font-semibold" /> ·{" "}
          <span data-testid="order-status">{t(`status.${order.data.status}` as never) || order.data.status}</span>
        </p>
      ) : null}
      {unpaid ? (
        <div className="space-y-2 rounded-lg bg-amber-50 p-4 text-left text-sm text-amber-900">
          <p>{t("placed.unpaid")}</p>
          <Button onClick={() => void payNow()} busy={paying} icon={<CreditCard aria-hidden className="size-4" />}>
            {t("placed.payNow")}
          </Button>
          {payError ? <p role="alert">{payError}</p> : null}
        </div>
      ) : null}
      <div className="space-y-1 text-left text-sm text-slate-700">
        <h2 className="font-semibold text-slate-900">{t("placed.next")}</h2>
        <p>{search.email ? t("placed.emailed", { email: search.email }) : t("placed.emailedAccount")}</p>
        <p>{t("placed.shipping")}</p>
      </div>
      <div className="flex flex-wrap justify-center gap-2">
        {me.data ? (
          <Link to="/account/orders/$id" params={{ id }} className={buttonClass("secondary")}>
            {t("placed.view")}
          </Link>
        ) : (
          <Link to="/track" search={{ order: number, email: search.email }} className={buttonClass("secondary")}>
            {t("nav.track")}
          </Link>
        )}
        <Link to="/" className={buttonClass()}>
          {t("cart.continue")}
        </Link>
      </div>
    </div>
  );
}
