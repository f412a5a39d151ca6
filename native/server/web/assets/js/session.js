// The app token: kept in sessionStorage only, so it leaves with the tab.

const KEY = 'psujobs.token';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function signIn(value) {
  sessionStorage.setItem(KEY, value);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
