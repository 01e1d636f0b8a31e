/** Whether `text` is one JSON number, as the test texts of the number readers must be. */
export function isJsonNumber(text: string): boolean {
  if (text.trim() !== text) return false;
  try {
    return typeof JSON.parse(text) === "number";
  } catch {
    return false;
  }
}
