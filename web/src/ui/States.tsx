import type { ReactNode } from "react";
import { AlertTriangle, PackageOpen, RotateCw } from "lucide-react";
import { ApiError, NetworkError } from "../api/problem";
import { useT } from "../i18n";
import { Button } from "./Button";
import { cx } from "./cx";

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={cx("animate-pulse rounded-md bg-slate-200", className)} />;
}

export function EmptyState({
  title,
  children,
  action,
}: {
  title: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center gap-3 rounded-xl border border-dashed border-slate-300 px-6 py-12 text-center">
      <PackageOpen aria-hidden className="size-10 text-slate-400" />
      <h2 className="text-lg font-semibold text-slate-900">{title}</h2>
      {children ? <div className="max-w-md text-slate-600">{children}</div> : null}
      {action}
    </div>
  );
}

/** What went wrong, in words, with a retry where retrying can help. Never a blank screen. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  let message = t("error.generic");
  if (error instanceof NetworkError) message = t("error.network");
  else if (error instanceof ApiError) {
    if (error.status >= 500) message = t("error.server");
    else if (error.status === 404) message = t("error.notFound");
    else message = error.message;
  }
  const requestId = error instanceof ApiError ? error.problem.request_id : undefined;
  return (
    <div role="alert" className="flex flex-col items-center gap-3 rounded-xl border border-red-200 bg-red-50 px-6 py-10 text-center">
      <AlertTriangle aria-hidden className="size-8 text-red-700" />
      <p className="font-medium text-red-900">{message}</p>
      {requestId ? <p className="text-xs text-red-800">{t("error.reference", { id: requestId })}</p> : null}
      {onRetry ? (
        <Button variant="secondary" onClick={onRetry} icon={<RotateCw aria-hidden className="size-4" />}>
          {t("common.retry")}
        </Button>
      ) : null}
    </div>
  );
}
