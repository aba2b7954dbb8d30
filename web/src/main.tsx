import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import "./index.css";
import { ApiError, isTransient } from "./api/problem";
import { LocaleProvider } from "./i18n";
import { ToastProvider } from "./ui/Toast";
import { router } from "./router";

/** A 401 from anything that needed a session: log in, then come back here. */
function onUnauthenticated(error: unknown) {
  if (!(error instanceof ApiError) || error.status !== 401) return;
  const here = router.state.location;
  if (here.pathname === "/login") return;
  void router.navigate({ to: "/login", search: { next: here.href } });
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onUnauthenticated }),
  mutationCache: new MutationCache({ onError: onUnauthenticated }),
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
