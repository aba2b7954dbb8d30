import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { meQuery } from "./api/hooks";
import { NetworkError } from "./api/problem";
import type { QueryClient } from "@tanstack/react-query";
import { Root, NotFound } from "./store/Layout";
import { Home } from "./store/Home";
import { CategoryPage, CollectionPage, SearchPage, parseListing } from "./store/Listing";
import { ProductPage } from "./store/Product";
import { CartPage } from "./store/Cart";
import { CheckoutPage } from "./store/Checkout";
import { OrderPlaced } from "./store/OrderPlaced";
import { TrackPage } from "./store/Track";
import { LoginPage, RegisterPage, ForgotPage, ResetPage } from "./account/Auth";
import { AccountLayout, OrdersPage } from "./account/Account";
import { OrderPage } from "./account/Order";
import { AddressesPage } from "./account/Addresses";
import { ProfilePage } from "./account/Profile";
import { parseCatalogSetupSearch, parseInventorySearch, parseInvoicesSearch, parseOrdersSearch, parsePeopleSearch, parseProductsSearch, parsePurchasingSearch, parseReportsSearch } from "./admin/search";

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Root,
  notFoundComponent: NotFound,
});

const home = createRoute({ getParentRoute: () => rootRoute, path: "/", component: Home });
const category = createRoute({
  getParentRoute: () => rootRoute,
  path: "/c/$slug",
  validateSearch: parseListing,
  component: CategoryPage,
});
const search = createRoute({
  getParentRoute: () => rootRoute,
  path: "/search",
  validateSearch: parseListing,
  component: SearchPage,
});
const collection = createRoute({
  getParentRoute: () => rootRoute,
  path: "/collection/$id",
  component: CollectionPage,
});
const product = createRoute({ getParentRoute: () => rootRoute, path: "/p/$slug", component: ProductPage });
const cart = createRoute({ getParentRoute: () => rootRoute, path: "/cart", component: CartPage });
const checkout = createRoute({ getParentRoute: () => rootRoute, path: "/checkout", component: CheckoutPage });
const placed = createRoute({
  getParentRoute: () => rootRoute,
  path: "/order/$id",
  validateSearch: (s: Record<string, unknown>): { number?: string; email?: string; unpaid?: string; paid?: string } => ({
    number: str(s.number),
    email: str(s.email),
    unpaid: str(s.unpaid),
    paid: str(s.paid),
  }),
  component: OrderPlaced,
});
const track = createRoute({
  getParentRoute: () => rootRoute,
  path: "/track",
  validateSearch: (s: Record<string, unknown>): { order?: string; pincode?: string; email?: string } => ({
    order: str(s.order),
    pincode: str(s.pincode),
    email: str(s.email),
  }),
  component: TrackPage,
});
const next = (s: Record<string, unknown>): { next?: string } => ({ next: str(s.next) });
const login = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (s: Record<string, unknown>): { next?: string; oidc_link?: string; provider?: string } => ({
    ...next(s),
    oidc_link: str(s.oidc_link),
    provider: str(s.provider),
  }),
  component: LoginPage,
});
const register = createRoute({
  getParentRoute: () => rootRoute,
  path: "/register",
  validateSearch: next,
  component: RegisterPage,
});
const forgot = createRoute({ getParentRoute: () => rootRoute, path: "/forgot-password", component: ForgotPage });
const reset = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reset-password",
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: ResetPage,
});
const account = createRoute({
  getParentRoute: () => rootRoute,
  path: "/account",
  // A visitor logs in first and comes back here.
  beforeLoad: async ({ context, location }) => {
    const me = await context.queryClient.ensureQueryData(meQuery);
    if (!me) throw redirect({ to: "/login", search: { next: location.href } });
  },
  component: AccountLayout,
});
const orders = createRoute({ getParentRoute: () => account, path: "/", component: OrdersPage });
const order = createRoute({ getParentRoute: () => account, path: "/orders/$id", component: OrderPage });
const addresses = createRoute({ getParentRoute: () => account, path: "/addresses", component: AddressesPage });
const profile = createRoute({ getParentRoute: () => account, path: "/profile", component: ProfilePage });

// The counter: full screen, its own chunk; it opens offline from the device's copy.
const pos = createRoute({
  getParentRoute: () => rootRoute,
  path: "/pos",
  beforeLoad: async ({ context, location }) => {
    let me;
    try {
      me = await context.queryClient.ensureQueryData(meQuery);
    } catch (e) {
      // No connection: the till opens from what the device kept.
      if (e instanceof NetworkError || e instanceof TypeError || !navigator.onLine) return;
      throw e;
    }
    if (!me) throw redirect({ to: "/login", search: { next: location.href } });
  },
  component: lazyRouteComponent(() => import("./pos/Pos"), "PosScreen"),
});

// The back office: its code loads only when staff open it (a chunk of its own).
const admin = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin",
  beforeLoad: async ({ context, location }) => {
    const me = await context.queryClient.ensureQueryData(meQuery);
    if (!me) throw redirect({ to: "/login", search: { next: location.href } });
  },
  component: lazyRouteComponent(() => import("./admin/Layout"), "AdminLayout"),
});
const adminHome = createRoute({
  getParentRoute: () => admin,
  path: "/",
  component: lazyRouteComponent(() => import("./admin/Dashboard"), "Dashboard"),
});
const adminOrders = createRoute({
  getParentRoute: () => admin,
  path: "/orders",
  validateSearch: parseOrdersSearch,
  component: lazyRouteComponent(() => import("./admin/Orders"), "OrdersList"),
});
const adminOrder = createRoute({
  getParentRoute: () => admin,
  path: "/orders/$id",
  component: lazyRouteComponent(() => import("./admin/Orders"), "OrderDetail"),
});
const adminProducts = createRoute({
  getParentRoute: () => admin,
  path: "/products",
  validateSearch: parseProductsSearch,
  component: lazyRouteComponent(() => import("./admin/Products"), "ProductsList"),
});
const adminProductNew = createRoute({
  getParentRoute: () => admin,
  path: "/products/new",
  component: lazyRouteComponent(() => import("./admin/ProductEdit"), "ProductNew"),
});
const adminProduct = createRoute({
  getParentRoute: () => admin,
  path: "/products/$id",
  component: lazyRouteComponent(() => import("./admin/ProductEdit"), "ProductEdit"),
});
const adminImport = createRoute({
  getParentRoute: () => admin,
  path: "/products/import",
  component: lazyRouteComponent(() => import("./admin/Import"), "ProductImport"),
});
const adminInventory = createRoute({
  getParentRoute: () => admin,
  path: "/inventory",
  validateSearch: parseInventorySearch,
  component: lazyRouteComponent(() => import("./admin/Inventory"), "Inventory"),
});
const adminPurchasing = createRoute({
  getParentRoute: () => admin,
  path: "/purchasing",
  validateSearch: parsePurchasingSearch,
  component: lazyRouteComponent(() => import("./admin/Purchasing"), "Purchasing"),
});
const adminPo = createRoute({
  getParentRoute: () => admin,
  path: "/purchasing/$id",
  component: lazyRouteComponent(() => import("./admin/Purchasing"), "PurchaseOrderDetail"),
});
const adminPeople = createRoute({
  getParentRoute: () => admin,
  path: "/people",
  validateSearch: parsePeopleSearch,
  component: lazyRouteComponent(() => import("./admin/People"), "People"),
});
const adminCatalog = createRoute({
  getParentRoute: () => admin,
  path: "/catalog",
  validateSearch: parseCatalogSetupSearch,
  component: lazyRouteComponent(() => import("./admin/CatalogSetup"), "CatalogSetup"),
});
const adminInvoices = createRoute({
  getParentRoute: () => admin,
  path: "/invoices",
  validateSearch: parseInvoicesSearch,
  component: lazyRouteComponent(() => import("./admin/Invoices"), "Invoices"),
});
const adminCounter = createRoute({
  getParentRoute: () => admin,
  path: "/counter",
  component: lazyRouteComponent(() => import("./admin/Counter"), "Counter"),
});
const adminPayments = createRoute({
  getParentRoute: () => admin,
  path: "/payments",
  component: lazyRouteComponent(() => import("./admin/Payments"), "Payments"),
});
const adminDiscounts = createRoute({
  getParentRoute: () => admin,
  path: "/discounts",
  component: lazyRouteComponent(() => import("./admin/Discounts"), "Discounts"),
});
const adminShipping = createRoute({
  getParentRoute: () => admin,
  path: "/shipping",
  component: lazyRouteComponent(() => import("./admin/Shipping"), "Shipping"),
});
const adminSettings = createRoute({
  getParentRoute: () => admin,
  path: "/settings",
  component: lazyRouteComponent(() => import("./admin/Settings"), "Settings"),
});
const adminReports = createRoute({
  getParentRoute: () => admin,
  path: "/reports",
  validateSearch: parseReportsSearch,
  component: lazyRouteComponent(() => import("./admin/Reports"), "Reports"),
});

const routeTree = rootRoute.addChildren([
  home,
  category,
  search,
  collection,
  product,
  cart,
  checkout,
  placed,
  track,
  login,
  register,
  forgot,
  reset,
  account.addChildren([orders, order, addresses, profile]),
  pos,
  admin.addChildren([
    adminHome,
    adminOrders,
    adminOrder,
    adminProducts,
    adminProductNew,
    adminImport,
    adminProduct,
    adminInventory,
    adminPurchasing,
    adminPo,
    adminReports,
    adminSettings,
    adminPeople,
    adminCatalog,
    adminInvoices,
    adminCounter,
    adminPayments,
    adminDiscounts,
    adminShipping,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient: undefined as unknown as QueryClient },
  defaultPreload: "intent",
  scrollRestoration: true,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
