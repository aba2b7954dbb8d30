import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import "./index.css";
import { api } from "./api/client";
import { keys } from "./api/hooks";
import { ApiError, isTransient } from "./api/problem";
import { LocaleProvider } from "./i18n";
import { ToastProvider } from "./ui/Toast";
import { router } from "./router";

/**
 * A 401: the session has ended. Its cookies are cleared (logging out needs none), so the
 * shopper goes on as a visitor; on a page that needs a session, they log in and come back.
 */
let ending = false;
async function onUnauthenticated(error: unknown) {
  if (!(error instanceof ApiError) || error.status !== 401 || ending) return;
  ending = true;
  try {
    await api.POST("/api/v1/auth/logout", { body: {} }).catch(() => undefined);
    queryClient.setQueryData(keys.me, null);
    void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "me" });
    const here = router.state.location;
    if (here.pathname.startsWith("/account")) {
      void router.navigate({ to: "/login", search: { next: here.href } });
    }
  } finally {
    ending = false;
  }
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (e) => void onUnauthenticated(e) }),
  mutationCache: new MutationCache({ onError: (e) => void onUnauthenticated(e) }),
  defaultOptions: {
    queries: {
      retry: (count, error) => isTransient(error) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <LocaleProvider>
        <QueryClientProvider client={queryClient}>
          <ToastProvider>
            <RouterProvider router={router} context={{ queryClient }} />
          </ToastProvider>
        </QueryClientProvider>
      </LocaleProvider>
    </StrictMode>,
  );
}
