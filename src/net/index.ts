/**
 * Address vetting shared by every outbound connection Meridian makes on someone's behalf (client
 * metadata fetches, warehouse connections): pure classification, no policy of its own.
 */
export { isSpecialUseAddress } from './isSpecialUseAddress.ts';
export { canonicalAddress } from './canonicalAddress.ts';
export { resolveHostAddresses } from './resolveHostAddresses.ts';
export { HostAllowList, HostAllowListError } from './HostAllowList.ts';
