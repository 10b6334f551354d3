import { afterEach, beforeEach, describe } from 'vitest';
import type { ChatEngine, EngineOptions } from '../src/chat/engine.js';
import { accessCases } from './engine-contract/access.js';
import { contractContext } from './engine-contract/context.js';
import { findingCases } from './engine-contract/finding.js';
import { leavingCases } from './engine-contract/leaving.js';
import { lifetimeCases } from './engine-contract/lifetimes.js';
import { logCases } from './engine-contract/log.js';
import { participantsCases } from './engine-contract/participants.js';
import { portGuarantees } from './engine-contract/port.js';
import { readPositionCases } from './engine-contract/read-position.js';
import { roomsCases } from './engine-contract/rooms.js';
import { matchingCases, safetyCases } from './engine-contract/safety.js';
import { sessionsCases } from './engine-contract/sessions.js';

/**
 * The guarantees of `ChatEngine` (src/chat/engine.ts) as executable cases, in
 * test/engine-contract/. Every engine runs this suite unchanged: `engineContract('sqlite', subject)`.
 * `subject.open` returns a fresh, empty store each time, configured with the given port options;
 * `dispose` releases it.
 */
export interface EngineFixture {
  engine: ChatEngine;
  dispose(): Promise<void>;
  /** Makes storage unreachable for this engine, for real (no stand-in): see each engine's test file. */
  makeUnavailable(): Promise<void>;
  /** Another engine on the same store (another process or instance); absent where there is none (:memory:). */
  sibling?(): Promise<ChatEngine>;
}

export interface EngineUnderTest {
  open(options?: EngineOptions): Promise<EngineFixture>;
  /**
   * Deliberate differences: port guarantees (engine-contract/port.ts) this engine skips, by exact
   * name, each with its reason. A name that matches no case fails the run, so the table cannot rot.
   */
  differences?: Record<string, string>;
}

export function engineContract(name: string, subject: EngineUnderTest): void {
  describe(`engine contract: ${name}`, () => {
    portGuarantees(subject);
    lifetimeCases(subject);

    let fixture: EngineFixture | undefined;
    beforeEach(async () => {
      fixture = await subject.open();
    });
    afterEach(async () => {
      await fixture?.dispose();
      fixture = undefined;
    });
    const t = contractContext(
      () => {
        if (!fixture) throw new Error('no engine outside a contract case');
        return fixture.engine;
      },
      async () => (fixture?.sibling ? fixture.sibling() : (fixture as EngineFixture).engine),
    );
    participantsCases(t);
    roomsCases(t);
    logCases(t);
    leavingCases(t);
    findingCases(t);
    accessCases(t);
    readPositionCases(t);
    sessionsCases(t);
    matchingCases(t);
    safetyCases(t);
  });
}
