// Queries and mutations the storefront and account share, typed from the API document.
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CSRF_COOKIE, api, idempotencyKey, readCookie } from "./client";
import { call } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Cart = Schemas["CartView"];
export type ProductSummary = Schemas["ProductSummary"];
export type Product = Schemas["ProductView"];
export type Category = Schemas["CategoryView"];
export type User = Schemas["UserView"];
export type PostalAddress = Schemas["PostalAddress"];

export const keys = {
  store: ["store"] as const,
  me: ["me"] as const,
  cart: ["cart"] as const,
  categories: ["categories"] as const,
  collections: ["collections"] as const,
};

export function useStoreInfo() {
  return useQuery({
    queryKey: keys.store,
    queryFn: () => call(api.GET("/api/v1/store")),
    staleTime: 5 * 60_000,
  });
}

export function useCategories() {
  return useQuery({
    queryKey: keys.categories,
    queryFn: () => call(api.GET("/api/v1/catalog/categories")),
    staleTime: 5 * 60_000,
  });
}

/** The signed-in user, or null for a visitor (a 401 is not an error here). */
export const meQuery = queryOptions({
  queryKey: keys.me,
  queryFn: async (): Promise<User | null> => {
    // No session cookie, no session: a visitor is not asked (and not answered 401).
    if (!readCookie(CSRF_COOKIE)) return null;
    const { data, response } = await api.GET("/api/v1/me");
    if (response.status === 401) return null;
    if (!response.ok || !data) return call(Promise.resolve({ data, response, error: {} }));
    return data;
  },
  staleTime: 60_000,
});

export function useMe() {
  return useQuery(meQuery);
}

export function useCart() {
  return useQuery({
    queryKey: keys.cart,
    queryFn: () => call(api.GET("/api/v1/cart")),
    staleTime: 15_000,
  });
}

/** The cart priced for where it would ship (taxes for the state, shipping for the PIN code). */
export function useCartPreview(where: {
  state_code?: string | undefined;
  pincode?: string | undefined;
  shipping_method?: string | undefined;
  payment_method?: "online" | "cod" | undefined;
}) {
  type CartQuery = NonNullable<paths["/api/v1/cart"]["get"]["parameters"]["query"]>;
  const query = Object.fromEntries(Object.entries(where).filter(([, v]) => v)) as CartQuery;
  return useQuery({
    queryKey: [...keys.cart, "preview", query],
    queryFn: () => call(api.GET("/api/v1/cart", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

export function useCartMutations() {
  const qc = useQueryClient();
  const settle = (cart: Cart) => {
    qc.setQueryData(keys.cart, cart);
    void qc.invalidateQueries({ queryKey: [...keys.cart, "preview"] });
  };
  const add = useMutation({
    mutationFn: (v: { variant_id: string; quantity: number }) =>
      call(api.POST("/api/v1/cart/lines", { body: v })),
    onSuccess: settle,
  });
  const setQuantity = useMutation({
    mutationFn: (v: { variant_id: string; quantity: number }) =>
      call(
        api.PATCH("/api/v1/cart/lines/{variant_id}", {
          params: { path: { variant_id: v.variant_id } },
          body: { quantity: v.quantity },
        }),
      ),
    onSuccess: settle,
  });
  const remove = useMutation({
    mutationFn: (variant_id: string) =>
      call(api.DELETE("/api/v1/cart/lines/{variant_id}", { params: { path: { variant_id } } })),
    onSuccess: settle,
  });
  const applyCode = useMutation({
    mutationFn: (code: string) => call(api.PUT("/api/v1/cart/discount", { body: { code } })),
    onSuccess: settle,
  });
  const removeCode = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/cart/discount")),
    onSuccess: settle,
  });
  return { add, setQuantity, remove, applyCode, removeCode };
}

export type CheckoutBody = Schemas["CheckoutInput"];

/** Places the order; the key is made once per attempt so a double click is one order. */
export function useCheckout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: CheckoutBody; key: string }) =>
      call(
        api.POST("/api/v1/cart/checkout", {
          body,
          params: { header: { "Idempotency-Key": key } },
        }),
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.cart });
    },
  });
}

export { idempotencyKey };

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST("/api/v1/auth/logout", { body: {} })),
    onSettled: () => {
      // Nothing the account saw stays in the browser's memory.
      qc.removeQueries();
      qc.setQueryData(keys.me, null);
    },
  });
}
