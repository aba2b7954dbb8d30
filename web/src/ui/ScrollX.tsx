import type { ReactNode } from "react";
import { cx } from "./cx";

/** A wide table's box: it scrolls sideways on a narrow screen, and the keyboard can too. It is
 * positioned, so visually hidden (absolute) labels inside stay inside its scrolling box
 * instead of widening the page. */
export function ScrollX({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    // A focusable region, so arrow keys scroll it (axe: scrollable-region-focusable).
    <div role="region" aria-label={label} tabIndex={0} className={cx("relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-brand-600", className)}>
      {children}
    </div>
  );
}
