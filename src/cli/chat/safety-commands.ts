import type { Body } from './connection.js';
import type { Place } from './state.js';
import * as wire from './wire.js';

/** /block, /unblock and /report: whom they name, the call they make, and the words of the answer. */

export type SafetyInput = {
  kind: 'safety';
  action: 'block' | 'unblock' | 'report';
  target: string;
  reason: string;
};

/** `/block NAME`, `/unblock NAME`, `/report NAME reason...`: NAME is a member's name or user id. */
export function parseSafety(
  action: SafetyInput['action'],
  args: string[],
): SafetyInput | { kind: 'invalid'; error: string } {
  const [target, ...reason] = args;
  if (target === undefined || (action === 'report' ? reason.length === 0 : reason.length > 0)) {
    const usage = action === 'report' ? '/report NAME what happened' : `/${action} NAME`;
    return { kind: 'invalid', error: `Usage: ${usage} (NAME: a member of this room, or a user id u_...).` };
  }
  return { kind: 'safety', action, target, reason: reason.join(' ') };
}

/** The tool call for a safety command, or what is wrong with it. */
export function safetyCall(
  input: SafetyInput,
  clientId: string,
  place: Place,
): { tool: string; args: Record<string, unknown> } | { error: string } {
  const members = place.kind === 'room' ? place.members : [];
  const wanted = input.target.replace(/^@/, '').toLowerCase();
  const member = members.find(
    (m) => m.userId.toLowerCase() === wanted || m.displayName.toLowerCase() === wanted,
  );
  const userId = member?.userId ?? (wanted.startsWith('u_') ? input.target.replace(/^@/, '') : undefined);
  if (userId === undefined)
    return { error: `Nobody called ${input.target} here. Use their name in this room, or their user id.` };
  const args: Record<string, unknown> = { client_id: clientId, user_id: userId };
  if (input.action === 'report') {
    args.reason = input.reason;
    if (place.kind === 'room') args.room_id = place.roomId;
  }
  return { tool: `${input.action}_user`, args };
}

export function safetyNotices(input: SafetyInput, body: Body): string[] {
  switch (input.action) {
    case 'block':
      return [
        `Blocked ${input.target}: you will not see their messages nor be matched with them. /unblock undoes it.`,
      ];
    case 'unblock':
      return [body.was_blocked === false ? `${input.target} was not blocked.` : `Unblocked ${input.target}.`];
    case 'report':
      return [
        `Reported ${input.target} to the operator (${wire.text(body, 'report_id') ?? 'stored'}). /block them too if you have not.`,
      ];
  }
}

/** `/enter [--interests a,b] [name]`: the interests, and the name that remains. */
export function parseEnter(args: string[]): {
  kind: 'enter';
  name: string | undefined;
  interests: string[] | undefined;
} {
  const rest = [...args];
  let interests: string[] | undefined;
  const flag = rest.findIndex((word) => word === '--interests' || word.startsWith('--interests='));
  if (flag >= 0) {
    const word = rest[flag] ?? '';
    const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : (rest[flag + 1] ?? '');
    rest.splice(flag, word.includes('=') ? 1 : 2);
    interests = value
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '');
  }
  return { kind: 'enter', name: rest.length > 0 ? rest.join(' ') : undefined, interests };
}
