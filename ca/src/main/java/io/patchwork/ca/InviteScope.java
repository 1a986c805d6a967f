package io.patchwork.ca;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What an invite lets its holder obtain: certificates for one organisation and MSP id, in the given
 * roles, with at most {@code maxNodes} peer or orderer nodes (each node may have one signing and
 * one TLS certificate; each other role one of each).
 *
 * @param organisation the organisation every certificate's subject must name
 * @param mspId the MSP id every certificate's subject must carry
 * @param roles the roles the holder may request
 * @param maxNodes how many peer or orderer nodes the holder may certify, 0 to 100
 * @param validity how long the invite can be redeemed, from 1 minute to 30 days
 */
public record InviteScope(
    String organisation, String mspId, Set<Role> roles, int maxNodes, Duration validity) {

  /** The longest an invite stays redeemable. */
  public static final Duration MAX_VALIDITY = Duration.ofDays(30);

  /** The most nodes one invite can certify. */
  public static final int MAX_NODES = 100;

  public InviteScope {
    Objects.requireNonNull(organisation, "organisation");
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(validity, "validity");
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
  }
}
