import { useEffect, useState, type ReactNode } from "react";
import { Link, Navigate, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { BarChart3, Boxes, LayoutDashboard, LogOut, Menu, Package, ReceiptText, Settings as SettingsIcon, Store, TicketPercent, Truck, Users, MapPinned, Wallet, FolderTree, FileText, Calculator } from "lucide-react";
import { useLogout, useMe, useStoreInfo, type User } from "../api/hooks";
import { useHead } from "../lib/head";
import { EmptyState, Skeleton } from "../ui/States";
import { buttonClass } from "../ui/Button";
import { at, type AdminKey } from "./strings";

export type Permission = User["permissions"][number];

export function can(user: User | null | undefined, p: Permission): boolean {
  return Boolean(user?.permissions.includes(p));
}

type NavTo = "/admin" | "/admin/orders" | "/admin/products" | "/admin/inventory" | "/admin/purchasing" | "/admin/reports" | "/admin/settings" | "/admin/people" | "/admin/discounts" | "/admin/shipping" | "/admin/payments" | "/admin/catalog" | "/admin/invoices" | "/admin/counter";
const NAV: { to: NavTo; label: AdminKey; icon: typeof Package; any: Permission[] }[] = [
  { to: "/admin", label: "nav.dashboard", icon: LayoutDashboard, any: ["reports.read"] },
  { to: "/admin/orders", label: "nav.orders", icon: ReceiptText, any: ["orders.read_all", "orders.read_own_lines"] },
  { to: "/admin/products", label: "nav.products", icon: Package, any: ["catalog.write"] },
  { to: "/admin/catalog", label: "nav.setup", icon: FolderTree, any: ["catalog.manage_all"] },
  { to: "/admin/inventory", label: "nav.inventory", icon: Boxes, any: ["inventory.adjust"] },
  { to: "/admin/purchasing", label: "nav.purchasing", icon: Truck, any: ["catalog.manage_all"] },
  { to: "/admin/invoices", label: "nav.invoices", icon: FileText, any: ["orders.read_all"] },
  { to: "/admin/payments", label: "nav.payments", icon: Wallet, any: ["orders.read_all"] },
  { to: "/admin/counter", label: "nav.counter", icon: Calculator, any: ["pos.operate"] },
  { to: "/admin/discounts", label: "nav.discounts", icon: TicketPercent, any: ["orders.manage"] },
  { to: "/admin/shipping", label: "nav.shipping", icon: MapPinned, any: ["shipping.manage"] },
  { to: "/admin/reports", label: "nav.reports", icon: BarChart3, any: ["reports.read"] },
  { to: "/admin/people", label: "nav.people", icon: Users, any: ["users.manage"] },
  { to: "/admin/settings", label: "nav.settings", icon: SettingsIcon, any: ["settings.manage"] },
];

/** The screen, or a plain "not for your role" where the user lacks `permission` (the API
 * refuses it anyway; this says so before a request fails). */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const me = useMe();
  if (!me.data) return <Skeleton className="h-64" />;
  if (!can(me.data, permission)) return <EmptyState title={at("common.notForRole")} />;
  return <>{children}</>;
}

/** `/` anywhere but in a field puts the cursor in the page's search box. */
function useSlashToSearch() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
      if (e.key !== "/" || typing || e.metaKey || e.ctrlKey || e.altKey) return;
      const box = document.querySelector<HTMLInputElement>("[data-search]");
      if (box) {
        e.preventDefault();
        box.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

export function AdminLayout() {
  const me = useMe();
  const store = useStoreInfo();
  const logout = useLogout();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const path = useRouterState({ select: (r) => r.location.pathname });
  useSlashToSearch();
  useHead(`${at("nav.main")} | ${store.data?.name ?? "Kirana"}`);
  if (!me.data) return <Skeleton className="m-6 h-64" />;
  const user = me.data;
  const items = NAV.filter((n) => n.any.some((p) => can(user, p)));
  if (items.length === 0) {
    return (
      <main id="admin-main" className="mx-auto max-w-md p-6">
        <EmptyState title={at("common.forbidden")} action={<Link to="/" className={buttonClass()}>{at("nav.viewStore")}</Link>} />
      </main>
    );
  }
  // The dashboard needs the reports; without them the first screen allowed is home.
  const first = items[0];
  if ((path === "/admin" || path === "/admin/") && !can(user, "reports.read") && first) {
    return <Navigate to={first.to} replace />;
  }
  const link = "flex items-center gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100";
  return (
    <div className="min-h-dvh bg-slate-50 lg:grid lg:grid-cols-[15rem_1fr]">
      <a href="#admin-main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-3 lg:hidden">
        <button
          type="button"
          className="rounded-md p-2 hover:bg-slate-100"
          aria-label={at("nav.menu")}
          aria-expanded={open}
          aria-controls="admin-nav"
          onClick={() => setOpen((o) => !o)}
        >
          <Menu aria-hidden className="size-5" />
        </button>
        <span className="font-semibold">{store.data?.name}</span>
      </header>
      <aside className={`${open ? "block" : "hidden"} border-r border-slate-200 bg-white lg:block`}>
        <div className="hidden px-5 py-4 lg:block">
          <p className="font-bold text-brand-800">{store.data?.name}</p>
          <p className="text-xs text-slate-600">
            {user.name} · {user.role}
          </p>
        </div>
        <nav id="admin-nav" aria-label={at("nav.main")} className="flex flex-col gap-1 p-3">
          {items.map(({ to, label, icon: Icon }) => (
            <Link
              key={to}
              to={to}
              activeOptions={{ exact: to === "/admin" }}
              className={link}
              activeProps={{ className: "bg-brand-50 text-brand-900" }}
              onClick={() => setOpen(false)}
            >
              <Icon aria-hidden className="size-4" />
              {at(label)}
            </Link>
          ))}
          <hr className="my-2 border-slate-200" />
          <Link to="/" className={link}>
            <Store aria-hidden className="size-4" />
            {at("nav.viewStore")}
          </Link>
          <button
            type="button"
            className={link}
            onClick={() => logout.mutate(undefined, { onSettled: () => void navigate({ to: "/login", search: {} }) })}
          >
            <LogOut aria-hidden className="size-4" />
            {at("nav.logout")}
          </button>
        </nav>
      </aside>
      <main id="admin-main" className="min-w-0 p-4 sm:p-6">
        <Outlet />
      </main>
    </div>
  );
}
