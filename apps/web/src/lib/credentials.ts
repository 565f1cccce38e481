/**
 * The API key the dashboard sends, when the API requires one. It is kept in this browser's
 * localStorage (like a session cookie, readable by this origin's scripts only), and asked for
 * again whenever the API refuses it.
 */
const STORAGE_KEY = 'pgfan.apiKey';

type Listener = () => void;
const listeners = new Set<Listener>();

export function apiKey(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Stores `key` (or forgets it, with null) and tells whoever waits for one. */
export function setApiKey(key: string | null): void {
  try {
    if (key === null) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key lasts as long as nothing reads it again.
  }
  listeners.forEach((listener) => listener());
}

/** The API refused the key (or its absence): whoever shows the key prompt hears of it. */
const refusedListeners = new Set<Listener>();

export function keyRefused(): void {
  refusedListeners.forEach((listener) => listener());
}

export function onKeyRefused(listener: Listener): () => void {
  refusedListeners.add(listener);
  return () => void refusedListeners.delete(listener);
}

export function onKeyChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
