import { useEffect } from "react";

function meta(name: string): HTMLMetaElement {
  let el = document.head.querySelector<HTMLMetaElement>(`meta[name="${name}"]`);
  if (!el) {
    el = document.createElement("meta");
    el.name = name;
    document.head.appendChild(el);
  }
  return el;
}

/** The page's title, description and canonical URL (the path without tracking noise). */
export function useHead(title: string | undefined, description?: string, canonicalPath?: string) {
  useEffect(() => {
    if (!title) return;
    document.title = title;
    if (description) meta("description").content = description.slice(0, 160);
    let link = document.head.querySelector<HTMLLinkElement>('link[rel="canonical"]');
    if (!link) {
      link = document.createElement("link");
      link.rel = "canonical";
      document.head.appendChild(link);
    }
    link.href = new URL(canonicalPath ?? window.location.pathname, window.location.origin).href;
  }, [title, description, canonicalPath]);
}
