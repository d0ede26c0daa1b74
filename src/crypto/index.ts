/** Random ids, secret hashing and constant-time comparison, password hashing, and the box that encrypts stored secrets. */
export { randomId, hashSecret, safeEqual } from './secrets.ts';
export { SecretBox } from './SecretBox.ts';
export { hashPassword, verifyPassword, dummyPasswordHash } from './passwords.ts';
