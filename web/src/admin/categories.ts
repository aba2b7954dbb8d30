import type { Category } from "../api/hooks";

/** A category tree in display order, each with its depth (0 for the top level). */
export function flattenCategories(tree: Category[]): { c: Category; depth: number }[] {
  const rows: { c: Category; depth: number }[] = [];
  const walk = (list: Category[], depth: number) => {
    for (const c of list) {
      rows.push({ c, depth });
      walk(c.children, depth + 1);
    }
  };
  walk(tree, 0);
  return rows;
}
