// Light/dark theme: the system's preference until the user picks one.
export type Theme = 'light' | 'dark';

export function storedTheme(): Theme {
  const t = localStorage.getItem('bcs-theme');
  if (t === 'light' || t === 'dark') return t;
  return matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
export function applyTheme(t: Theme) {
  document.documentElement.dataset.theme = t;
}
export function toggleTheme(): Theme {
  const next: Theme = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('bcs-theme', next);
  applyTheme(next);
  return next;
}
