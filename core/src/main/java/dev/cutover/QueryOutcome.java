package dev.cutover;

/**
 * How one resolution of a host name through DNS ended. Reported to {@link
 * ResolverListener#queryCompleted}.
 *
 * <p>The negative outcomes are kept apart on purpose: {@link #NXDOMAIN} and {@link #NO_DATA} are
 * answers (the name or its addresses do not exist), {@link #FAILURE} means DNS could not be asked
 * and says nothing about the name. Only a failure lets the resolver keep serving the last good
 * answer.
 */
public enum QueryOutcome {
  /** DNS returned at least one address. */
  SUCCESS,
  /** DNS answered that the name does not exist (NXDOMAIN), under every search domain tried. */
  NXDOMAIN,
  /** The name exists but has no address record of the requested families (NOERROR, empty). */
  NO_DATA,
  /** No usable answer: time-out, SERVFAIL, REFUSED, unreachable name servers, malformed reply. */
  FAILURE
}
