import { Link } from "@tanstack/react-router";
import type { Category } from "../api/hooks";
import { useT } from "../i18n";

/** Home, then each category of `trail` as a link, then `current` (the page itself). */
export function Breadcrumbs({ trail, current }: { trail: Category[]; current?: string | undefined }) {
  const t = useT();
  return (
    <nav aria-label={t("nav.breadcrumbs")} className="mb-3 text-sm text-slate-600">
      <ol className="flex flex-wrap gap-1">
        <li>
          <Link to="/" className="hover:text-slate-900">
            {t("nav.home")}
          </Link>
        </li>
        {trail.map((c) => (
          <li key={c.id} className="flex gap-1">
            <span aria-hidden>/</span>
            <Link to="/c/$slug" params={{ slug: c.slug }} search={{}} className="hover:text-slate-900">
              {c.name}
            </Link>
          </li>
        ))}
        {current ? (
          <li className="flex gap-1">
            <span aria-hidden>/</span>
            <span aria-current="page">{current}</span>
          </li>
        ) : null}
      </ol>
    </nav>
  );
}
