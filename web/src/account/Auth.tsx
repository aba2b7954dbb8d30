import { useState, type FormEvent, type ReactNode } from "react";
import { Link, getRouteApi, useNavigate } from "@tanstack/react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { ApiError, call, fieldErrorsOf } from "../api/problem";
import { meQuery } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button } from "../ui/Button";
import { TextField } from "../ui/Field";

/** Only same-site paths: a `next` elsewhere would make login an open redirect. */
export function safeNext(next: string | undefined, fallback = "/account"): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : fallback;
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-slate-200 bg-white p-6 sm:p-8">
      <h1 className="mb-6 text-2xl font-bold">{title}</h1>
      {children}
    </div>
  );
}

function FormError({ error }: { error: unknown }) {
  const t = useT();
  if (!error) return null;
  const fields = fieldErrorsOf(error);
  if (Object.keys(fields).length) return null;
  const text = error instanceof ApiError && error.status < 500 ? error.message : t("error.server");
  return (
    <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800">
      {text}
    </p>
  );
}

function useSignedIn() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return async (next: string) => {
    // Another person may have used this browser: nothing of theirs is kept.
    qc.removeQueries();
    await qc.fetchQuery(meQuery);
    // `next` may carry a query string: let the router parse it.
    await navigate({ href: next });
  };
}

function OidcButtons({ next }: { next: string }) {
  const t = useT();
  const providers = useQuery({
    queryKey: ["oidc-providers"],
    queryFn: () => call(api.GET("/api/v1/auth/oidc/providers")),
    staleTime: 5 * 60_000,
  });
  if (!providers.data?.length) return null;
  return (
    <div className="mt-6 space-y-2 border-t border-slate-200 pt-6">
      {providers.data.map((p) => (
        <a
          key={p.name}
          href={`${p.start_url}?return_to=${encodeURIComponent(next)}`}
          className="flex h-10 w-full items-center justify-center rounded-lg border border-slate-300 bg-white text-sm font-medium hover:bg-slate-50"
        >
          {t("auth.continueWith", { provider: p.label })}
        </a>
      ))}
    </div>
  );
}

const loginRoute = getRouteApi("/login");

export function LoginPage() {
  const t = useT();
  useHead(`${t("auth.login")} | Kirana`);
  const search = loginRoute.useSearch();
  const next = safeNext(search.next);
  const signedIn = useSignedIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/auth/login", {
          body: { email, password, use_cookies: true, oidc_link: search.oidc_link ?? null },
        }),
      ),
    onSuccess: () => signedIn(next),
  });
  const errors = fieldErrorsOf(login.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <Card title={t("auth.login")}>
      {search.oidc_link ? (
        <p className="mb-4 rounded-lg bg-brand-50 p-3 text-sm text-brand-900">{t("auth.linkHint", { provider: search.provider ?? "" })}</p>
      ) : null}
      <form onSubmit={submit} className="space-y-4" noValidate>
        <TextField label={t("auth.email")} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <TextField
          label={t("auth.password")}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <FormError error={login.error} />
        <Button type="submit" size="lg" className="w-full" busy={login.isPending}>
          {t("auth.login")}
        </Button>
      </form>
      <div className="mt-4 flex flex-wrap justify-between gap-2 text-sm">
        <Link to="/forgot-password" className="text-brand-800 underline">
          {t("auth.forgot")}
        </Link>
        <Link to="/register" search={{ next: search.next }} className="text-brand-800 underline">
          {t("auth.create")}
        </Link>
      </div>
      <OidcButtons next={next} />
    </Card>
  );
}

const registerRoute = getRouteApi("/register");

export function RegisterPage() {
  const t = useT();
  useHead(`${t("auth.register")} | Kirana`);
  const search = registerRoute.useSearch();
  const next = safeNext(search.next);
  const signedIn = useSignedIn();
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const register = useMutation({
    mutationFn: async () => {
      await call(api.POST("/api/v1/auth/register", { body: form }));
      await call(api.POST("/api/v1/auth/login", { body: { email: form.email, password: form.password, use_cookies: true } }));
    },
    onSuccess: () => signedIn(next),
  });
  const errors = fieldErrorsOf(register.error);
  return (
    <Card title={t("auth.register")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate();
        }}
        className="space-y-4"
        noValidate
      >
        <TextField label={t("auth.name")} autoComplete="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} />
        <TextField label={t("auth.email")} type="email" autoComplete="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={errors.email} />
        <TextField
          label={t("auth.password")}
          type="password"
          autoComplete="new-password"
          required
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          error={errors.password}
          hint={t("auth.passwordHint")}
        />
        <FormError error={register.error} />
        <Button type="submit" size="lg" className="w-full" busy={register.isPending}>
          {t("auth.register")}
        </Button>
      </form>
      <p className="mt-4 text-sm">
        {t("auth.haveAccount")}{" "}
        <Link to="/login" search={{ next: search.next }} className="text-brand-800 underline">
          {t("auth.login")}
        </Link>
      </p>
      <OidcButtons next={next} />
    </Card>
  );
}

export function ForgotPage() {
  const t = useT();
  useHead(`${t("auth.forgotTitle")} | Kirana`);
  const [email, setEmail] = useState("");
  const ask = useMutation({
    mutationFn: () => call(api.POST("/api/v1/auth/password-reset", { body: { email } })),
  });
  const errors = fieldErrorsOf(ask.error);
  return (
    <Card title={t("auth.forgotTitle")}>
      {ask.isSuccess ? (
        <p role="status" className="text-slate-700">
          {t("auth.resetSent", { email })}
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ask.mutate();
          }}
          className="space-y-4"
          noValidate
        >
          <p className="text-sm text-slate-600">{t("auth.forgotHint")}</p>
          <TextField label={t("auth.email")} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
          <FormError error={ask.error} />
          <Button type="submit" size="lg" className="w-full" busy={ask.isPending}>
            {t("auth.sendLink")}
          </Button>
        </form>
      )}
    </Card>
  );
}

const resetRoute = getRouteApi("/reset-password");

export function ResetPage() {
  const t = useT();
  useHead(`${t("auth.resetTitle")} | Kirana`);
  const { token } = resetRoute.useSearch();
  const [password, setPassword] = useState("");
  const reset = useMutation({
    mutationFn: () => call(api.POST("/api/v1/auth/password-reset/confirm", { body: { token: token ?? "", new_password: password } })),
  });
  const errors = fieldErrorsOf(reset.error);
  return (
    <Card title={t("auth.resetTitle")}>
      {reset.isSuccess ? (
        <div role="status" className="space-y-4">
          <p>{t("auth.resetDone")}</p>
          <Link to="/login" search={{}} className="text-brand-800 underline">
            {t("auth.login")}
          </Link>
        </div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate();
          }}
          className="space-y-4"
          noValidate
        >
          <TextField
            label={t("auth.newPassword")}
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.new_password ?? errors.token}
            hint={t("auth.passwordHint")}
          />
          <FormError error={reset.error} />
          <Button type="submit" size="lg" className="w-full" busy={reset.isPending}>
            {t("auth.setPassword")}
          </Button>
        </form>
      )}
    </Card>
  );
}
