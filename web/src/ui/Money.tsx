import { formatDate, formatMoney } from "../lib/format";
import { useLocale } from "../i18n";

export function Money({ minor, className }: { minor: number; className?: string }) {
  return <span className={className}>{formatMoney(minor)}</span>;
}

export function DateText({ iso, withTime = false }: { iso: string; withTime?: boolean }) {
  const { locale } = useLocale();
  return <time dateTime={iso}>{formatDate(iso, locale, withTime)}</time>;
}
