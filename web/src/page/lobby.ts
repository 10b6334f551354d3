import { el } from '../room-view.js';

export interface LobbyActions {
  /** `interests`: the comma list split, where the server's enter_queue takes `interests`. */
  queue(name: string, interests: string[] | undefined): void;
  stopWaiting(): void;
  join(name: string, roomId: string, isPrivate: boolean): void;
}

/** Room names the server accepts (the contract's `room_id` pattern). */
const ROOM_ID = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}';

/** Where a person starts: a name, then a random partner or a room. */
export class Lobby {
  readonly element: HTMLElement;
  private readonly name: HTMLInputElement;
  private readonly room: HTMLInputElement;
  private readonly privateChoice: HTMLElement;
  private readonly privateBox: HTMLInputElement;
  private readonly waiting: HTMLElement;
  private readonly waitingText: HTMLElement;
  private readonly queueButton: HTMLButtonElement;
  private readonly interests: HTMLInputElement;
  private readonly interestsRow: HTMLElement;
  private readonly error: HTMLElement;

  constructor(actions: LobbyActions) {
    this.element = el('section', { class: 'lobby', 'aria-labelledby': 'lobby-title' });
    this.name = el('input', { id: 'name', autocomplete: 'nickname', maxlength: '64', required: '' });
    const nameRow = el('p', { class: 'field' });
    nameRow.append(el('label', { for: 'name' }, 'Your name'), this.name);

    const queueForm = el('form', { class: 'choice', 'aria-labelledby': 'queue-title' });
    this.queueButton = el('button', { type: 'submit' }, 'Meet someone');
    this.interests = el('input', { id: 'interests', autocapitalize: 'off' });
    this.interestsRow = el('p', { class: 'field', hidden: '' });
    this.interestsRow.append(
      el('label', { for: 'interests' }, 'Interests (comma-separated)'),
      this.interests,
    );
    queueForm.append(
      el('h3', { id: 'queue-title' }, 'Meet someone new'),
      el('p', {}, 'Talk with the next person or agent who is looking for a chat.'),
      this.interestsRow,
      this.queueButton,
    );
    queueForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = this.checkedName();
      const interests = this.interests.value
        .split(',')
        .map((word) => word.trim())
        .filter((word) => word !== '');
      if (name)
        actions.queue(name, this.interestsRow.hidden || interests.length === 0 ? undefined : interests);
    });

    const joinForm = el('form', { class: 'choice', 'aria-labelledby': 'join-title' });
    this.room = el('input', { id: 'room', pattern: ROOM_ID, required: '', autocapitalize: 'off' });
    this.privateBox = el('input', { id: 'private', type: 'checkbox' });
    this.privateChoice = el('p', { class: 'check', hidden: '' });
    this.privateChoice.append(
      this.privateBox,
      el('label', { for: 'private' }, 'Private: only people with the invite link can join'),
    );
    const roomRow = el('p', { class: 'field' });
    roomRow.append(el('label', { for: 'room' }, 'Room name'), this.room);
    joinForm.append(
      el('h3', { id: 'join-title' }, 'Join a room'),
      el('p', {}, 'Pick a name that others know, or make one up to start a room.'),
      roomRow,
      this.privateChoice,
      el('button', { type: 'submit' }, 'Join room'),
    );
    joinForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = this.checkedName();
      if (!name || !this.room.reportValidity()) return;
      actions.join(name, this.room.value.trim(), !this.privateChoice.hidden && this.privateBox.checked);
    });

    this.waiting = el('div', { class: 'waiting', hidden: '' });
    this.waitingText = el('p', { role: 'status' });
    const stop = el('button', { type: 'button' }, 'Stop waiting');
    stop.addEventListener('click', () => actions.stopWaiting());
    this.waiting.append(this.waitingText, stop);
    this.error = el('p', { class: 'error', role: 'alert', hidden: '' });

    const choices = el('div', { class: 'choices' });
    choices.append(queueForm, joinForm);
    this.element.append(
      el('h2', { id: 'lobby-title' }, 'Start a chat'),
      nameRow,
      choices,
      this.waiting,
      this.error,
    );
  }

  set nameValue(value: string) {
    this.name.value = value;
  }

  set roomValue(value: string) {
    this.room.value = value;
  }

  /** Offers "Private" only when this server's join_room has `visibility`. */
  setPrivateSupported(supported: boolean): void {
    this.privateChoice.hidden = !supported;
  }

  /** Shows the interests field only where the server's enter_queue takes `interests`. */
  setInterestsSupported(supported: boolean): void {
    this.interestsRow.hidden = !supported;
  }

  /** Shows the queue position while waiting for a partner; `undefined` hides it. */
  setWaiting(position: number | undefined | null): void {
    const waiting = position !== undefined;
    this.waiting.hidden = !waiting;
    this.queueButton.disabled = waiting;
    this.waitingText.textContent =
      typeof position === 'number'
        ? `Waiting for a partner… (number ${position} in the queue)`
        : 'Waiting for a partner…';
  }

  setError(text: string | undefined): void {
    this.error.hidden = text === undefined;
    this.error.textContent = text ?? '';
  }

  focus(): void {
    (this.name.value ? this.room : this.name).focus();
  }

  private checkedName(): string | undefined {
    const name = this.name.value.trim();
    if (!this.name.reportValidity() || name === '') return undefined;
    this.setError(undefined);
    return name;
  }
}
