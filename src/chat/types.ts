/** The chat's own vocabulary. Times are milliseconds since the epoch; ids are opaque strings. */

/**
 * Who makes a call, as the server in front of the chat determined it. `subject` is set only with
 * access control on: it owns the participants it creates. `limitKey` is whom per-caller limits
 * count against (the subject, or without access control the client's address).
 */
export interface Origin {
  subject: string | undefined;
  limitKey: string;
}

/** Calls that come with no origin (tests, tools inside the process): one shared, unowned caller. */
export const LOCAL_ORIGIN: Origin = { subject: undefined, limitKey: 'local' };

/** Sender id of messages written by the server itself (joins, leaves). Never a user id. */
export const SYSTEM_SENDER_ID = 'system';
export const SYSTEM_SENDER_NAME = 'System';

export interface Participant {
  /** Public id that partners see. */
  userId: string;
  displayName: string;
  createdAt: number;
  lastSeenAt: number;
  /**
   * The subject (of access control) that created it; null when it was created without access
   * control. With access control on, only its owner may use its client_id.
   */
  owner: string | null;
  /** Set when an operator banned it: its calls answer `banned`. */
  banned?: boolean;
}

/** What an engine stores for a new participant: the public id plus a digest of the secret client_id. */
export interface NewParticipant {
  userId: string;
  /** One-way digest of the client_id; engines never see the credential itself. */
  credential: string;
  displayName: string;
  now: number;
  /** The creating subject; absent or null without access control. */
  owner?: string | null;
}

/** The public face of a participant, as partners see it. */
export interface Member {
  userId: string;
  displayName: string;
}

/**
 * `queue` rooms come from random pairing: capacity 2, ended for good when either member leaves.
 * `named` rooms are created by `join_room`: they stay open while they have members and can be
 * joined again after everyone left.
 */
export type RoomKind = 'queue' | 'named';

/**
 * `private` rooms are joined only with their invite and are never listed; to anyone else they
 * look like rooms that do not exist. Queue rooms are `public` (nobody but their pair joins them).
 */
export type RoomVisibility = 'public' | 'private';

export interface Room {
  roomId: string;
  kind: RoomKind;
  capacity: number;
  createdAt: number;
  /** Set once a queue room ends; named rooms never end. */
  endedAt: number | null;
  /** Sequence number of the newest message, 0 while the room is empty. */
  lastSeq: number;
  visibility: RoomVisibility;
  /** The secret that lets others join a private room; null for public rooms. */
  invite: string | null;
  /** What the room is about, set when it was created; '' when none was given. */
  topic: string;
}

export interface Membership {
  roomId: string;
  userId: string;
  joinedAt: number;
  /** `lastSeq` of the room at the moment of joining (the joiner's own join notice included). */
  joinedSeq: number;
  /** Highest sequence number this member has been handed by a wait. */
  cursor: number;
  /** Null while the member is in the room. */
  leftAt: number | null;
}

/** A message as the server writes it, before the engine gives it a sequence number. */
export interface MessageDraft {
  messageId: string;
  senderId: string;
  senderName: string;
  text: string;
  createdAt: number;
  system: boolean;
  /** Marks the notice that a partner left a two-person room. */
  disconnect: boolean;
  /** The seq of the earlier message in the same room that this one answers. */
  replyTo?: number;
  /** Who wrote the answered message and the start of its text, as it was when this one was sent. */
  replyPreview?: ReplyPreview;
  /** User ids of the members this message names with `@display name` or `@user_id`. */
  mentions?: string[];
}

export interface ReplyPreview {
  sender: string;
  text: string;
}

export interface ChatMessage extends MessageDraft {
  roomId: string;
  /** Position in the room's log: 1, 2, 3, ... without gaps. */
  seq: number;
}

export interface RoomSummary {
  roomId: string;
  /** Messages from others (and system notices) past the member's cursor. */
  unread: number;
  members: Member[];
}

/** A room where messages from others wait past the member's cursor: what `unread` on every answer shows. */
export interface UnreadRoom {
  roomId: string;
  /** Messages from others (and system notices) past the member's cursor. */
  count: number;
  /** The newest of them. */
  latest: ChatMessage;
}

/** A room as the directory shows it to someone looking for people to talk to. */
export interface RoomListing {
  roomId: string;
  topic: string;
  /** Active members right now (always at least one: empty rooms are not listed). */
  members: number;
  capacity: number;
  /** When the room was created or last had a message (joins and leaves included), ms. */
  lastActivity: number;
}
