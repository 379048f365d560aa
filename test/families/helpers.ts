import { expect, it } from 'vitest';
import type { FamilyVerdict, TaskFamily } from '../../src/families/index.js';
import type { ExpectedVerdict, FamilyFixture, FixtureSet } from '../fixtures/families/index.js';

/** Asserts that a verdict is the expected one, field by field, so a failure names what differs. */
export function expectVerdict(verdict: FamilyVerdict<unknown>, expected: ExpectedVerdict): void {
  expect(verdict.kind, verdict.kind === 'invalid' ? `invalid: ${verdict.reason}` : verdict.kind).toBe(expected.kind);
  switch (expected.kind) {
    case 'invalid':
      if (verdict.kind === 'invalid') expect(verdict.reason).toBe(expected.reason);
      return;
    case 'pending':
      if (verdict.kind !== 'pending') return;
      expect(verdict.view.status).toBe(expected.status);
      if (expected.unknownStatus !== undefined) expect(verdict.unknownStatus).toBe(expected.unknownStatus);
      if (expected.progress !== undefined) expect(verdict.view.progress).toBe(expected.progress);
      return;
    case 'success':
      if (verdict.kind !== 'success') return;
      expect(verdict.view.status).toBe(expected.status);
      expect(verdict.resultUrls).toEqual(expected.resultUrls);
      if (expected.params !== undefined) expect(verdict.params).toEqual(expected.params);
      return;
    case 'failure':
      if (verdict.kind !== 'failure') return;
      expect(verdict.view.status).toBe(expected.status);
      expect(verdict.failure).toMatchObject(expected.failure);
  }
}

/** Reads a fixture through a family. */
export function readFixture<R>(family: TaskFamily<string, R>, fixture: FamilyFixture): FamilyVerdict<R> {
  return family.read(fixture.data, fixture.taskId);
}

/** The fixtures of one set as `it.each` rows: `[name, fixture]`. */
export function fixtureRows(set: FixtureSet): [string, FamilyFixture][] {
  return Object.entries(set);
}

/** Narrows a verdict to one kind or fails the test. */
export function verdictOf<R, K extends FamilyVerdict<R>['kind']>(verdict: FamilyVerdict<R>, kind: K): Extract<FamilyVerdict<R>, { kind: K }> {
  if (verdict.kind !== kind) throw new Error(`expected ${kind}, got ${verdict.kind}${verdict.kind === 'invalid' ? ` (${verdict.reason})` : ''}`);
  return verdict as Extract<FamilyVerdict<R>, { kind: K }>;
}

/** The tests every family file starts with: its path, and every fixture read as expected. */
export function itReadsItsFixtures(family: TaskFamily<string, unknown>, path: string, set: FixtureSet): void {
  it(`queries GET ${path}`, () => {
    expect(family.path).toBe(path);
  });
  it.each(fixtureRows(set))('reads the %s fixture', (_, fixture) => {
    expectVerdict(readFixture(family, fixture), fixture.expected);
  });
}
