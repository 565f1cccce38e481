import { useEffect, useState, type FormEvent } from 'react';
import { onKeyRefused, setApiKey } from '../lib/credentials';

/**
 * Asks for an API key when the API refuses the page's requests (it is started with API_KEYS);
 * never shown when authentication is off.
 */
export function KeyPrompt() {
  const [asked, setAsked] = useState(false);
  const [value, setValue] = useState('');
  useEffect(() => onKeyRefused(() => setAsked(true)), []);
  if (!asked) return null;
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    setAsked(false);
    setApiKey(value.trim());
    setValue('');
  };
  return (
    <form className="banner banner-key" role="dialog" aria-label="API key required" onSubmit={save}>
      <label>
        This pgfan needs an API key (ask whoever runs it):{' '}
        <input type="password" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} aria-label="API key" autoFocus />
      </label>{' '}
      <button type="submit">Use key</button>
    </form>
  );
}
