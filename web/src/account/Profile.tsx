import { useState } from "react";
import { useNavigate } from "@tanstack/react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { keys, useMe } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { Button } from "../ui/Button";
import { TextField } from "../ui/Field";
import { useToast } from "../ui/Toast";

export function ProfilePage() {
  const t = useT();
  useHead(`${t("account.profile")} | Kirana`);
  const me = useMe();
  const toast = useToast();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState(me.data?.name ?? "");
  const [phone, setPhone] = useState(me.data?.phone ?? "");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const profile = useMutation({
    mutationFn: () => call(api.PATCH("/api/v1/me", { body: { name, phone: phone.trim() || null } })),
    onSuccess: (u) => {
      qc.setQueryData(keys.me, u);
      toast(t("profile.saved"));
    },
  });
  const password = useMutation({
    mutationFn: () =>
      call(api.POST("/api/v1/me/password", { body: { current_password: current, new_password: next, use_cookies: true } })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      toast(t("profile.passwordChanged"));
    },
  });
  const everywhere = useMutation({
    mutationFn: () => call(api.POST("/api/v1/auth/logout-all")),
    onSettled: () => {
      qc.setQueryData(keys.me, null);
      void navigate({ to: "/login", search: {} });
    },
  });
  const pErrors = fieldErrorsOf(profile.error);
  const wErrors = fieldErrorsOf(password.error);
  return (
    <div className="max-w-lg space-y-8">
      <h1 className="text-2xl font-bold">{t("account.profile")}</h1>
      <form
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          profile.mutate();
        }}
      >
        <p className="text-sm text-slate-600">{me.data?.email}</p>
        <TextField label={t("auth.name")} value={name} onChange={(e) => setName(e.target.value)} error={pErrors.name} autoComplete="name" />
        <TextField label={t("address.phone")} type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} error={pErrors.phone} autoComplete="tel" />
        <Button type="submit" busy={profile.isPending}>
          {t("common.save")}
        </Button>
      </form>
      <form
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          password.mutate();
        }}
      >
        <h2 className="font-semibold">{t("profile.changePassword")}</h2>
        <TextField label={t("profile.currentPassword")} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={wErrors.current_password} />
        <TextField label={t("auth.newPassword")} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} error={wErrors.new_password} hint={t("auth.passwordHint")} />
        {password.error && !Object.keys(wErrors).length ? (
          <p role="alert" className="text-sm text-red-700">
            {password.error.message}
          </p>
        ) : null}
        <Button type="submit" busy={password.isPending}>
          {t("profile.changePassword")}
        </Button>
      </form>
      <div className="rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="font-semibold">{t("profile.sessions")}</h2>
        <p className="mb-3 text-sm text-slate-600">{t("profile.sessionsHint")}</p>
        <Button variant="danger" busy={everywhere.isPending} onClick={() => everywhere.mutate()}>
          {t("profile.logoutEverywhere")}
        </Button>
      </div>
    </div>
  );
}
