/** What the domain's handlers take from the host's configuration. */
export interface DomainSettings {
  /** A reservation this old without its user is abandoned (config EMAIL_RESERVATION_TIMEOUT_SECONDS). */
  reservationTimeoutMs: number;
  now?: () => Date;
}
