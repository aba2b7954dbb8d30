import { useState } from "react";
import { getRouteApi } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { Truck } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button } from "../ui/Button";
import { TextField } from "../ui/Field";
import { DateText } from "../ui/Money";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { PageTitle } from "./Layout";

const route = getRouteApi("/track");

export function TrackPage() {
  const t = useT();
  useHead(`${t("track.title")} | Kirana`);
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [order, setOrder] = useState(search.order ?? "");
  const [check, setCheck] = useState(search.pincode ?? search.email ?? "");
  const asked = Boolean(search.order && (search.pincode || search.email));
  const tracking = useQuery({
    queryKey: ["track", search],
    queryFn: () =>
      call(
        api.GET("/api/v1/track", {
          params: { query: { order: search.order ?? "", pincode: search.pincode, email: search.email } },
        }),
      ),
    enabled: asked,
    retry: false,
  });
  const errors = fieldErrorsOf(tracking.error);
  return (
    <div className="mx-auto max-w-2xl">
      <PageTitle>{t("track.title")}</PageTitle>
      <form
        className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-[1fr_1fr_auto] sm:items-start"
        onSubmit={(e) => {
          e.preventDefault();
          const c = check.trim();
          const byPin = /^\d{6}$/.test(c);
          void navigate({
            search: { order: order.trim(), pincode: byPin ? c : undefined, email: byPin ? undefined : c },
          });
        }}
      >
        <TextField label={t("track.order")} value={order} onChange={(e) => setOrder(e.target.value)} required error={errors.order} placeholder="KR-000123" />
        <TextField label={t("track.check")} value={check} onChange={(e) => setCheck(e.target.value)} required error={errors.pincode ?? errors.email} />
        <Button type="submit" className="sm:mt-6">
          {t("track.go")}
        </Button>
      </form>
      <div className="mt-6">
        {!asked ? null : tracking.isPending ? (
          <Skeleton className="h-40" />
        ) : tracking.isError ? (
          <ErrorState error={tracking.error} />
        ) : tracking.data.parcels.length === 0 ? (
          <EmptyState title={t("track.notShipped", { number: tracking.data.order_number })}>{t("track.notShippedHint")}</EmptyState>
        ) : (
          <div className="space-y-4" data-testid="parcels">
            {tracking.data.parcels.map((p) => (
              <section key={p.number} className="rounded-xl border border-slate-200 bg-white p-4">
                <h2 className="flex flex-wrap items-center gap-x-2 font-semibold">
                  <Truck aria-hidden className="size-5 shrink-0 text-brand-700" />
                  <span className="break-all">{t("track.parcel", { number: p.number })}</span>
                </h2>
                <p className="mt-1 text-sm text-slate-600">
                  {p.carrier}
                  {p.tracking_number ? ` · ${t("track.awb")} ${p.tracking_number}` : ""}
                </p>
                <p className="mt-1 text-sm">
                  {t("track.status")}: <strong>{p.status.replace(/_/g, " ")}</strong>
                </p>
                <ol className="mt-3 space-y-3 border-l-2 border-slate-200 pl-4">
                  {p.timeline.map((e, i) => (
                    <li key={i} className="text-sm">
                      <p className="font-medium">{e.description || e.status.replace(/_/g, " ")}</p>
                      <p className="text-slate-600">
                        <DateText iso={e.occurred_at} withTime />
                        {e.location ? ` · ${e.location}` : ""}
                      </p>
                    </li>
                  ))}
                </ol>
              </section>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
