const DAY_MS = 86_400_000;

/** How long the provider keeps a family's generated files: 14 days, 15 for Midjourney (FACTS: "Results: links and retention"). */
export function retentionMs(family: string): number {
  return (family === 'mj' ? 15 : 14) * DAY_MS;
}

/**
 * When a result's files are gone from the provider: its creation time plus the family's retention. Without a
 * `createTime` the completion time stands in, else the time the success was seen: both later than the real
 * creation, so the estimate errs late; the links themselves "typically expire after 24 hours" anyway. Whole ms:
 * `seenAt` comes from a monotonic clock with fractions, and users read this.
 */
export function expiresAt(family: string, createTime: number | null, completeTime: number | null, seenAt: number): number {
  return Math.round((createTime ?? completeTime ?? seenAt) + retentionMs(family));
}
