import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { ChevronDown, Menu, Search, ShoppingBag, User } from "lucide-react";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useCart, useCategories, useMe, useStoreInfo } from "../api/hooks";
import { LOCALES, useLocale, useT } from "../i18n";
import { Dialog } from "../ui/Dialog";
import { EmptyState } from "../ui/States";
import { buttonClass } from "../ui/Button";
import { useHead } from "../lib/head";
import { CartContents } from "./Cart";

const DrawerCtx = createContext<{ open: () => void }>({ open: () => {} });

/** Opens the cart drawer (after adding to the cart, from the header). */
export function useCartDrawer() {
  return useContext(DrawerCtx);
}

/** The storefront's and account's chrome; the back office draws its own. */
export function Root() {
  const path = useRouterState({ select: (s) => s.location.pathname });
  const own = path === "/admin" || path.startsWith("/admin/") || path === "/pos";
  return own ? <Outlet /> : <StoreShell />;
}

function StoreShell() {
  const t = useT();
  const path = useRouterState({ select: (s) => s.location.pathname });
  // The drawer is open on the page it was opened on; navigating closes it.
  const [openOn, setOpenOn] = useState<string>();
  const cartOpen = openOn === path;
  const setCartOpen = useCallback((open: boolean) => setOpenOn(open ? path : undefined), [path]);
  const drawer = useMemo(() => ({ open: () => setCartOpen(true) }), [setCartOpen]);
  return (
    <DrawerCtx.Provider value={drawer}>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        {t("nav.skip")}
      </a>
      <div className="flex min-h-dvh flex-col">
        <Header onCart={() => setCartOpen(true)} />
        <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 sm:px-6">
          <Outlet />
        </main>
        <Footer />
      </div>
      <Dialog open={cartOpen} onClose={() => setCartOpen(false)} title={t("cart.title")} side>
        <CartContents compact onNavigate={() => setCartOpen(false)} />
      </Dialog>
    </DrawerCtx.Provider>
  );
}

function Header({ onCart }: { onCart: () => void }) {
  const t = useT();
  const store = useStoreInfo();
  const cart = useCart();
  const me = useMe();
  const count = cart.data?.lines.reduce((n, l) => n + l.quantity, 0) ?? 0;
  const [menu, setMenu] = useState(false);
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur">
      <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3 sm:px-6">
        <button
          type="button"
          className="rounded-md p-2 text-slate-700 hover:bg-slate-100 lg:hidden"
          aria-label={t("nav.categories")}
          aria-expanded={menu}
          onClick={() => setMenu((m) => !m)}
        >
          <Menu aria-hidden className="size-5" />
        </button>
        <Link to="/" className="flex shrink-0 items-center gap-2 text-lg font-bold text-brand-800">
          <img src="/favicon.svg" alt="" className="size-7" />
          <span className="sr-only sm:not-sr-only">{store.data?.name ?? "Kirana"}</span>
        </Link>
        <SearchBox />
        <nav aria-label={t("nav.account")} className="flex items-center gap-1">
          <Link
            to={me.data ? "/account" : "/login"}
            className="flex items-center gap-1 rounded-md p-2 text-sm text-slate-700 hover:bg-slate-100"
          >
            <User aria-hidden className="size-5" />
            <span className="sr-only md:not-sr-only">{me.data ? me.data.name.split(" ")[0] : t("nav.login")}</span>
          </Link>
          <button
            type="button"
            onClick={onCart}
            className="relative flex items-center gap-1 rounded-md p-2 text-sm text-slate-700 hover:bg-slate-100"
          >
            <ShoppingBag aria-hidden className="size-5" />
            <span className="sr-only md:not-sr-only">{t("nav.cart")}</span>
            {count > 0 ? (
              <span data-testid="cart-count" className="absolute -right-0.5 -top-0.5 grid min-w-5 place-items-center rounded-full bg-brand-700 px-1 text-xs font-semibold text-white">
                {count}
              </span>
            ) : null}
            <span className="sr-only">{t("nav.cartItems", { count })}</span>
          </button>
        </nav>
      </div>
      <CategoryNav open={menu} onNavigate={() => setMenu(false)} />
    </header>
  );
}

function CategoryNav({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const t = useT();
  const categories = useCategories();
  const roots = categories.data ?? [];
  return (
    <nav aria-label={t("nav.categories")} className={open ? "block border-t border-slate-100" : "hidden lg:block"}>
      <ul className="mx-auto flex max-w-7xl flex-col gap-1 px-4 pb-2 sm:px-6 lg:flex-row lg:flex-wrap lg:gap-4">
        {roots.map((c) => (
          <li key={c.id} className="group relative">
            <Link
              to="/c/$slug"
              params={{ slug: c.slug }}
              search={{}}
              onClick={onNavigate}
              className="flex items-center gap-1 py-1.5 text-sm font-medium text-slate-700 hover:text-brand-800"
              activeProps={{ className: "text-brand-800" }}
            >
              {c.name}
              {c.children.length ? <ChevronDown aria-hidden className="hidden size-3 lg:block" /> : null}
            </Link>
            {c.children.length ? (
              <ul className="ml-3 lg:invisible lg:absolute lg:left-0 lg:top-full lg:z-40 lg:ml-0 lg:min-w-48 lg:rounded-lg lg:border lg:border-slate-200 lg:bg-white lg:p-2 lg:shadow-lg lg:group-focus-within:visible lg:group-hover:visible">
                {c.children.map((s) => (
                  <li key={s.id}>
                    <Link
                      to="/c/$slug"
                      params={{ slug: s.slug }}
                      search={{}}
                      onClick={onNavigate}
                      className="block rounded px-2 py-1 text-sm text-slate-700 hover:bg-slate-100"
                    >
                      {s.name}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The search box with suggestions while typing (debounced), Enter for the results page. */
function SearchBox() {
  const t = useT();
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(text.trim()), 200);
    return () => window.clearTimeout(id);
  }, [text]);
  const suggestions = useQuery({
    queryKey: ["suggest", debounced],
    queryFn: () => call(api.GET("/api/v1/catalog/products", { params: { query: { q: debounced, limit: 6 } } })),
    enabled: debounced.length >= 2,
    staleTime: 60_000,
  });
  const items = debounced.length >= 2 ? (suggestions.data?.items ?? []) : [];
  const go = (q: string) => {
    setOpen(false);
    if (q.trim()) void navigate({ to: "/search", search: { q: q.trim() } });
  };
  return (
    <div ref={box} className="relative min-w-0 flex-1" onBlur={(e) => {
      if (!box.current?.contains(e.relatedTarget as Node)) setOpen(false);
    }}>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const pick = items[active];
          if (open && pick) {
            setOpen(false);
            void navigate({ to: "/p/$slug", params: { slug: pick.slug } });
          } else go(text);
        }}
      >
        <label htmlFor="site-search" className="sr-only">
          {t("search.label")}
        </label>
        <div className="relative">
          <Search aria-hidden className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-slate-500" />
          <input
            id="site-search"
            type="search"
            role="combobox"
            aria-expanded={open && items.length > 0}
            aria-controls="search-suggestions"
            aria-autocomplete="list"
            aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
            autoComplete="off"
            placeholder={t("search.placeholder")}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setOpen(true);
              setActive(-1);
            }}
            onFocus={() => setOpen(true)}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                setActive((a) => Math.min(a + 1, items.length - 1));
              } else if (e.key === "ArrowUp") {
                e.preventDefault();
                setActive((a) => Math.max(a - 1, -1));
              } else if (e.key === "Escape") setOpen(false);
            }}
            className="h-10 w-full rounded-full border border-slate-300 bg-slate-50 pl-9 pr-4 text-base focus:bg-white focus:outline-2 focus:outline-brand-600 sm:text-sm"
          />
        </div>
      </form>
      {open && items.length > 0 ? (
        <ul
          id="search-suggestions"
          role="listbox"
          aria-label={t("search.suggestions")}
          className="absolute inset-x-0 top-full z-40 mt-1 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-lg"
        >
          {items.map((p, i) => (
            <li key={p.id} id={`suggestion-${i}`} role="option" aria-selected={i === active}>
              <Link
                to="/p/$slug"
                params={{ slug: p.slug }}
                onClick={() => setOpen(false)}
                className={`flex items-center gap-3 px-3 py-2 text-sm ${i === active ? "bg-slate-100" : "hover:bg-slate-50"}`}
              >
                {p.image_url ? <img src={p.image_url} alt="" className="size-8 rounded object-cover" /> : null}
                <span className="flex-1 truncate">{p.name}</span>
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Footer() {
  const t = useT();
  const store = useStoreInfo();
  const { locale, setLocale } = useLocale();
  return (
    <footer className="border-t border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-6 text-sm text-slate-600 sm:flex-row sm:items-start sm:justify-between sm:px-6">
        <div>
          <p className="font-semibold text-slate-800">{store.data?.name}</p>
          {store.data?.address.map((l) => <p key={l}>{l}</p>)}
        </div>
        <nav aria-label={t("nav.footer")} className="flex flex-col gap-1">
          <Link to="/track" search={{}} className="hover:text-slate-900">
            {t("nav.track")}
          </Link>
          <Link to="/account" className="hover:text-slate-900">
            {t("nav.account")}
          </Link>
        </nav>
        <div>
          <label htmlFor="language" className="mb-1 block font-medium text-slate-800">
            {t("nav.language")}
          </label>
          <select
            id="language"
            value={locale}
            onChange={(e) => setLocale(e.target.value as typeof locale)}
            className="h-9 rounded-md border border-slate-300 bg-white px-2"
          >
            {LOCALES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
      </div>
    </footer>
  );
}

export function NotFound() {
  const t = useT();
  useHead(t("notFound.title"));
  return (
    <EmptyState
      title={t("notFound.title")}
      action={
        <Link to="/" className={buttonClass()}>
          {t("notFound.home")}
        </Link>
      }
    >
      {t("notFound.body")}
    </EmptyState>
  );
}

export function PageTitle({ children }: { children: ReactNode }) {
  return <h1 className="mb-4 text-2xl font-bold tracking-tight text-slate-900">{children}</h1>;
}
