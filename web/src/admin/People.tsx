// People and access: accounts (search, role, disable, add), API keys (the secret shown
// once; revoke) and the outbox's parked events with a retry. Admins only.
import { useState } from "react";
import { getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, KeyRound, Plus, RotateCcw, UserPlus } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { useMe, type Schemas } from "../api/hooks";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { DateText } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { useToast } from "../ui/Toast";
import { RequirePermission, can } from "./Layout";
import { PEOPLE_TABS, ROLES, type PeopleSearch } from "./search";
import { at, type AdminKey } from "./strings";

type User = Schemas["UserView"];
type Role = Schemas["Role"];

const route = getRouteApi("/admin/people");

const TAB_LABEL: Record<(typeof PEOPLE_TABS)[number], AdminKey> = {
  users: "people.users",
  keys: "people.keys",
  events: "people.events",
};

export function People() {
  const me = useMe();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tabs = PEOPLE_TABS.filter((t) => (t === "events" ? can(me.data, "settings.manage") : can(me.data, "users.manage")));
  const tab = search.tab ?? tabs[0] ?? "users";
  return (
    <RequirePermission permission="users.manage">
      <div className="space-y-4">
        <h1 className="text-2xl font-bold">{at("nav.people")}</h1>
        <div className="flex flex-wrap gap-2" role="tablist" aria-label={at("nav.people")}>
          {tabs.map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={`rounded-lg px-3 py-2 text-sm font-medium ${tab === t ? "bg-brand-700 text-white" : "border border-slate-300 bg-white text-slate-800"}`}
              onClick={() => void navigate({ search: { tab: t } })}
            >
              {at(TAB_LABEL[t])}
            </button>
          ))}
        </div>
        {tab === "users" ? <Users search={search} /> : null}
        {tab === "keys" ? <ApiKeys /> : null}
        {tab === "events" ? <ParkedEvents /> : null}
      </div>
    </RequirePermission>
  );
}

type Pending = { user: User; role?: Role; status?: "active" | "disabled" } | null;

function Users({ search }: { search: PeopleSearch }) {
  const navigate = route.useNavigate();
  const me = useMe();
  const qc = useQueryClient();
  const toast = useToast();
  const [text, setText] = useState(search.q ?? "");
  const [pending, setPending] = useState<Pending>(null);
  const [adding, setAdding] = useState(false);
  const users = useInfiniteQuery({
    queryKey: ["admin-users", search.q, search.role],
    queryFn: ({ pageParam }) =>
      call(api.GET("/api/v1/admin/users", { params: { query: { q: search.q, role: search.role, limit: 50, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const change = useMutation({
    mutationFn: (p: NonNullable<Pending>) =>
      call(api.PATCH("/api/v1/admin/users/{id}", { params: { path: { id: p.user.id } }, body: { role: p.role ?? null, status: p.status ?? null } })),
    onSuccess: (u) => {
      setPending(null);
      void qc.invalidateQueries({ queryKey: ["admin-users"] });
      toast(at("people.changed", { name: u.name }));
    },
    onError: (e) => {
      setPending(null);
      toast(e.message, "error");
    },
  });
  const rows = users.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
        <form
          role="search"
          className="min-w-56 flex-1"
          onSubmit={(e) => {
            e.preventDefault();
            void navigate({ search: (prev) => ({ ...prev, q: text.trim() || undefined }) });
          }}
        >
          <label htmlFor="user-search" className="mb-1 block text-sm font-medium">
            {at("people.search")} <kbd className="rounded border border-slate-300 px-1 text-xs text-slate-600">/</kbd>
          </label>
          <input
            id="user-search"
            data-search
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            className="h-10 w-full rounded-lg border border-slate-300 px-3"
          />
        </form>
        <SelectField
          label={at("people.role")}
          value={search.role ?? ""}
          onChange={(e) => void navigate({ search: (prev) => ({ ...prev, role: (e.target.value || undefined) as Role | undefined }) })}
        >
          <option value="">{at("orders.all")}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <Button icon={<UserPlus aria-hidden className="size-4" />} onClick={() => setAdding(true)}>
          {at("people.add")}
        </Button>
      </div>
      {users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <DataTable
          caption={at("people.users")}
          loading={users.isPending}
          rows={rows}
          rowKey={(u) => u.id}
          empty={at("people.none")}
          hasMore={users.hasNextPage}
          loadingMore={users.isFetchingNextPage}
          onLoadMore={() => void users.fetchNextPage()}
          columns={[
            { key: "name", header: at("people.name"), cell: (u) => <span className="font-medium">{u.name}</span> },
            { key: "email", header: at("supplier.email"), cell: (u) => u.email },
            {
              key: "role",
              header: at("people.role"),
              cell: (u) => (
                <select
                  aria-label={at("people.roleOf", { name: u.name })}
                  className="h-8 rounded border border-slate-300 bg-white px-2 text-sm"
                  value={u.role}
                  disabled={u.id === me.data?.id}
                  onChange={(e) => setPending({ user: u, role: e.target.value as Role })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ),
            },
            {
              key: "status",
              header: at("po.status"),
              cell: (u) => (
                <span className={u.status === "active" ? "text-emerald-800" : "font-medium text-red-800"}>{u.status}</span>
              ),
            },
            { key: "since", header: at("people.since"), cell: (u) => <DateText iso={u.created_at} /> },
            {
              key: "act",
              header: <span className="sr-only">{at("order.actions")}</span>,
              cell: (u) =>
                u.id === me.data?.id ? null : (
                  <Button
                    size="sm"
                    variant={u.status === "active" ? "ghost" : "secondary"}
                    onClick={() => setPending({ user: u, status: u.status === "active" ? "disabled" : "active" })}
                  >
                    {u.status === "active" ? at("people.disable") : at("people.enable")}
                  </Button>
                ),
            },
          ]}
        />
      )}
      <Dialog open={pending !== null} onClose={() => setPending(null)} title={at("people.confirmTitle")}>
        {pending ? (
          <>
            <p className="mb-4">
              {pending.role
                ? at("people.confirmRole", { name: pending.user.name, role: pending.role })
                : pending.status === "disabled"
                  ? at("people.confirmDisable", { name: pending.user.name })
                  : at("people.confirmEnable", { name: pending.user.name })}
            </p>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={() => setPending(null)}>
                {at("common.cancel")}
              </Button>
              <Button variant={pending.status === "disabled" ? "danger" : "primary"} busy={change.isPending} onClick={() => change.mutate(pending)}>
                {at("people.confirm")}
              </Button>
            </div>
          </>
        ) : null}
      </Dialog>
      <Dialog open={adding} onClose={() => setAdding(false)} title={at("people.add")}>
        <NewAccount onDone={() => setAdding(false)} />
      </Dialog>
    </div>
  );
}

function NewAccount({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState({ name: "", email: "", role: "staff" as Role, password: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/admin/users", { body: form })),
    onSuccess: (u) => {
      void qc.invalidateQueries({ queryKey: ["admin-users"] });
      toast(at("people.added", { name: u.name }));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <form
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <TextField label={at("people.name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} />
      <TextField label={at("supplier.email")} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={errors.email} />
      <SelectField label={at("people.role")} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })} error={errors.role}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </SelectField>
      <TextField
        label={at("people.password")}
        type="password"
        autoComplete="new-password"
        hint={at("people.passwordHint")}
        value={form.password}
        onChange={(e) => setForm({ ...form, password: e.target.value })}
        error={errors.password}
      />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          {at("common.cancel")}
        </Button>
        <Button type="submit" busy={create.isPending}>
          {at("people.add")}
        </Button>
      </div>
    </form>
  );
}

function ApiKeys() {
  const me = useMe();
  const qc = useQueryClient();
  const toast = useToast();
  const keys = useQuery({ queryKey: ["admin-keys"], queryFn: () => call(api.GET("/api/v1/admin/api-keys")) });
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [perms, setPerms] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Schemas["ApiKeyView"] | null>(null);
  const create = useMutation({
    mutationFn: () =>
      call(api.POST("/api/v1/admin/api-keys", { body: { name: name.trim(), permissions: perms as Schemas["Permission"][] } })),
    onSuccess: (k) => {
      setCreating(false);
      setName("");
      setPerms([]);
      setErrors({});
      setSecret(k.secret);
      void qc.invalidateQueries({ queryKey: ["admin-keys"] });
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/admin/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      setRevoking(null);
      void qc.invalidateQueries({ queryKey: ["admin-keys"] });
      toast(at("keys.revoked"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <div className="space-y-3">
      <div className="flex justify-end">
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setCreating(true)}>
          {at("keys.new")}
        </Button>
      </div>
      {keys.isError ? <ErrorState error={keys.error} onRetry={() => void keys.refetch()} /> : null}
      <DataTable
        caption={at("people.keys")}
        loading={keys.isPending}
        rows={keys.data ?? []}
        rowKey={(k) => k.id}
        empty={at("keys.none")}
        columns={[
          { key: "name", header: at("people.name"), cell: (k) => <span className="font-medium">{k.name}</span> },
          { key: "perms", header: at("keys.permissions"), cell: (k) => <span className="text-xs">{k.permissions.join(", ")}</span> },
          { key: "created", header: at("people.since"), cell: (k) => <DateText iso={k.created_at} /> },
          { key: "used", header: at("keys.lastUsed"), cell: (k) => (k.last_used_at ? <DateText iso={k.last_used_at} withTime /> : "—") },
          {
            key: "act",
            header: <span className="sr-only">{at("order.actions")}</span>,
            cell: (k) =>
              k.revoked ? (
                <span className="text-slate-600">{at("keys.isRevoked")}</span>
              ) : (
                <Button size="sm" variant="ghost" onClick={() => setRevoking(k)} aria-label={at("keys.revokeName", { name: k.name })}>
                  {at("keys.revoke")}
                </Button>
              ),
          },
        ]}
      />
      <Dialog open={creating} onClose={() => setCreating(false)} title={at("keys.new")}>
        <form
          noValidate
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <TextField label={at("people.name")} hint={at("keys.nameHint")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
          <fieldset className="space-y-1">
            <legend className="text-sm font-medium">{at("keys.permissions")}</legend>
            {(me.data?.permissions ?? []).map((p) => (
              <label key={p} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className="size-4"
                  checked={perms.includes(p)}
                  onChange={(e) => setPerms((all) => (e.target.checked ? [...all, p] : all.filter((x) => x !== p)))}
                />
                <code>{p}</code>
              </label>
            ))}
            {errors.permissions ? (
              <p className="text-sm text-red-700" role="alert">
                {errors.permissions}
              </p>
            ) : null}
          </fieldset>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setCreating(false)}>
              {at("common.cancel")}
            </Button>
            <Button type="submit" busy={create.isPending} icon={<KeyRound aria-hidden className="size-4" />}>
              {at("keys.create")}
            </Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={secret !== null} onClose={() => setSecret(null)} title={at("keys.secretTitle")}>
        <p className="mb-2 text-sm">{at("keys.secretOnce")}</p>
        <code className="block break-all rounded bg-slate-100 p-3 text-sm" data-testid="api-key-secret">
          {secret}
        </code>
        <div className="mt-4 flex justify-end gap-2">
          <Button
            variant="secondary"
            icon={<Copy aria-hidden className="size-4" />}
            onClick={() => void navigator.clipboard?.writeText(secret ?? "").then(() => toast(at("keys.copied")))}
          >
            {at("keys.copy")}
          </Button>
          <Button onClick={() => setSecret(null)}>{at("keys.done")}</Button>
        </div>
      </Dialog>
      <Dialog open={revoking !== null} onClose={() => setRevoking(null)} title={at("keys.revoke")}>
        <p className="mb-4">{at("keys.revokeConfirm", { name: revoking?.name ?? "" })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setRevoking(null)}>
            {at("common.keep")}
          </Button>
          <Button variant="danger" busy={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking.id)}>
            {at("keys.revoke")}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function ParkedEvents() {
  const qc = useQueryClient();
  const toast = useToast();
  const events = useInfiniteQuery({
    queryKey: ["admin-parked"],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/admin/outbox", { params: { query: { status: "parked", limit: 50, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const retry = useMutation({
    mutationFn: (id: string) => call(api.POST("/api/v1/admin/outbox/{id}/retry", { params: { path: { id } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["admin-parked"] });
      toast(at("events.retried"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">{at("events.hint")}</p>
      {events.isError ? <ErrorState error={events.error} onRetry={() => void events.refetch()} /> : null}
      <DataTable
        caption={at("people.events")}
        loading={events.isPending}
        rows={events.data?.pages.flatMap((p) => p.items) ?? []}
        rowKey={(e) => e.id}
        empty={at("events.none")}
        hasMore={events.hasNextPage}
        onLoadMore={() => void events.fetchNextPage()}
        columns={[
          { key: "type", header: at("events.type"), cell: (e) => <code>{e.event_type}</code> },
          { key: "at", header: at("orders.date"), cell: (e) => <DateText iso={e.created_at} withTime /> },
          { key: "attempts", header: at("events.attempts"), align: "right", cell: (e) => e.attempts },
          { key: "error", header: at("events.error"), cell: (e) => <span className="text-xs text-red-800">{e.last_error}</span> },
          {
            key: "act",
            header: <span className="sr-only">{at("order.actions")}</span>,
            cell: (e) => (
              <Button size="sm" variant="secondary" icon={<RotateCcw aria-hidden className="size-4" />} busy={retry.isPending && retry.variables === e.id} onClick={() => retry.mutate(e.id)}>
                {at("events.retry")}
              </Button>
            ),
          },
        ]}
      />
    </div>
  );
}
