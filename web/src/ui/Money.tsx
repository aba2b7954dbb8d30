import { formatDate, formatMoney } from "../lib/format";
import { useLocale } from "../i18n";
import { useStoreInfo } from "../api/hooks";

export function Money({ minor, className }: { minor: number; className?: string }) {
  return <span className={className}>{formatMoney(minor)}</span>;
}

export function DateText({ iso, withTime = false }: { iso: string; withTime?: boolean }) {
  const { locale } = useLocale();
  const store = useStoreInfo();
  return <time dateTime={iso}>{formatDate(iso, locale, withTime, store.data?.utc_offset_mins)}</time>;
}
