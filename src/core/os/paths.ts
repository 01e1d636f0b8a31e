/** Whether `path` is `folder` or lies under it: both absolute (`/` the root) or both relative (`""` the top), with forward slashes. */
export function isAtOrUnder(path: string, folder: string): boolean {
  return folder === "" || path === folder || path.startsWith(folder.endsWith("/") ? folder : `${folder}/`);
}
