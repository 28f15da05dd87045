// Colours come from the editor theme (CSS variables VS Code sets on the webview body), so
// the charts look native in light, dark and high-contrast themes.
export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(`--vscode-${name}`).trim();
  return v || fallback;
}

export const palette = () => ({
  fg: themeColor('foreground', '#cccccc'),
  muted: themeColor('descriptionForeground', '#999999'),
  grid: themeColor('editorWidget-border', '#454545'),
  blue: themeColor('charts-blue', '#3794ff'),
  green: themeColor('charts-green', '#89d185'),
  red: themeColor('charts-red', '#f14c4c'),
  orange: themeColor('charts-orange', '#d18616'),
  purple: themeColor('charts-purple', '#b180d7'),
  yellow: themeColor('charts-yellow', '#cca700'),
});
