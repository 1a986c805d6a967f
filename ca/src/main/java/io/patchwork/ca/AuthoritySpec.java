package io.patchwork.ca;

import java.time.Duration;
import java.util.Objects;

/**
 * How to make a ledger's authority.
 *
 * @param ledgerId the ledger it serves: a lower-case letter, then lower-case letters, digits, '.'
 *     or '-', at most 63 characters (Fabric's channel name rule, shortened)
 * @param organisation the organisation named in its subject, such as the operator's
 * @param commonName its common name
 * @param authorityLifetime how long its own certificate is valid; default 15 years, as Fabric CA
 * @param leafLifetime the default validity of the certificates it issues; default 1 year, as Fabric
 *     CA
 * @param crlValidity how long each CRL it signs is valid (its nextUpdate); default 7 days
 */
public record AuthoritySpec(
    String ledgerId,
    String organisation,
    String commonName,
    Duration authorityLifetime,
    Duration leafLifetime,
    Duration crlValidity) {

  public static final Duration DEFAULT_AUTHORITY_LIFETIME = Duration.ofDays(15 * 365 + 3);
  public static final Duration DEFAULT_LEAF_LIFETIME = Duration.ofDays(365);
  public static final Duration DEFAULT_CRL_VALIDITY = Duration.ofDays(7);

  public AuthoritySpec {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(organisation, "organisation");
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(authorityLifetime, "authorityLifetime");
    Objects.requireNonNull(leafLifetime, "leafLifetime");
    Objects.requireNonNull(crlValidity, "crlValidity");
  }

  /** The defaults for a ledger: common name "{@code <ledgerId> referee}", Fabric CA lifetimes. */
  public static AuthoritySpec of(String ledgerId, String organisation) {
    return new AuthoritySpec(
        ledgerId,
        organisation,
        ledgerId + " referee",
        DEFAULT_AUTHORITY_LIFETIME,
        DEFAULT_LEAF_LIFETIME,
        DEFAULT_CRL_VALIDITY);
  }

  public AuthoritySpec withAuthorityLifetime(Duration value) {
    return new AuthoritySpec(ledgerId, organisation, commonName, value, leafLifetime, crlValidity);
  }

  public AuthoritySpec withLeafLifetime(Duration value) {
    return new AuthoritySpec(
        ledgerId, organisation, commonName, authorityLifetime, value, crlValidity);
  }

  public AuthoritySpec withCrlValidity(Duration value) {
    return new AuthoritySpec(
        ledgerId, organisation, commonName, authorityLifetime, leafLifetime, value);
  }
}
