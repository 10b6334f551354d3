import { el } from '../room-view.js';

/**
 * The token form, shown when the server answers 401 (`MCP_CHAT_AUTH=tokens`). Resolves with
 * the token the person entered; every caller waiting meanwhile gets the same one.
 */
export class SignIn {
  private readonly dialog: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly error: HTMLElement;
  private pending: Promise<string> | undefined;
  private resolve: ((token: string) => void) | undefined;

  constructor(parent: HTMLElement) {
    this.dialog = el('section', { class: 'sign-in', hidden: '', 'aria-labelledby': 'sign-in-title' });
    const form = el('form');
    this.input = el('input', {
      id: 'token',
      type: 'password',
      autocomplete: 'current-password',
      required: '',
    });
    this.error = el('p', { class: 'error', role: 'alert', hidden: '' });
    form.append(
      el('h2', { id: 'sign-in-title' }, 'Sign in'),
      el('p', {}, 'This chat server asks for an access token. Ask its operator for one.'),
      el('label', { for: 'token' }, 'Access token'),
      this.input,
      this.error,
      el('button', { type: 'submit' }, 'Sign in'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = this.input.value.trim();
      if (token === '' || !this.resolve) return;
      this.dialog.hidden = true;
      this.resolve(token);
      this.pending = undefined;
      this.resolve = undefined;
    });
    this.dialog.append(form);
    parent.append(this.dialog);
  }

  /** Shows the form (saying the last token was refused, when there was one). */
  ask(refused: boolean): Promise<string> {
    if (this.pending) return this.pending;
    this.pending = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.error.hidden = !refused;
    this.error.textContent = refused ? 'That token was not accepted. Check it and try again.' : '';
    this.input.value = '';
    this.dialog.hidden = false;
    this.input.focus();
    return this.pending;
  }
}
