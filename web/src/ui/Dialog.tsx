import { useEffect, useId, useRef, type ReactNode } from "react";
import { X } from "lucide-react";
import { cx } from "./cx";
import { useT } from "../i18n";

/**
 * A modal on the browser's own `<dialog>`: focus is kept inside, Escape closes it, and the
 * page behind is inert. `side` makes it a drawer from the right.
 */
export function Dialog({
  open,
  onClose,
  title,
  children,
  side = false,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  side?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const t = useT();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
      aria-labelledby={titleId}
      className={cx(
        "backdrop:bg-slate-900/40 bg-white text-slate-900 shadow-xl",
        side
          ? "m-0 ml-auto h-dvh max-h-none w-full max-w-md"
          : "m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl",
      )}
    >
      {open ? (
        <div className={cx("flex flex-col", side && "h-full")}>
          <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            <button
              type="button"
              onClick={onClose}
              className="rounded-md p-2 text-slate-600 hover:bg-slate-100"
              aria-label={t("common.close")}
            >
              <X aria-hidden className="size-5" />
            </button>
          </div>
          <div className={cx("p-4", side && "flex-1 overflow-y-auto")}>{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}
