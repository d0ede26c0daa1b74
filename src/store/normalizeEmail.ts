/**
 * The one spelling of an email address Meridian stores, looks up and rate-limits by: trimmed,
 * lower-cased and in Unicode NFC, so " Admin@x", "admin@x" and a decomposed "é" (what some
 * keyboards and pasteboards send) are one account and one sign-in budget. Applied by user
 * creation, every lookup by email and the sign-in rate-limit key (audit #6).
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
