package io.patchwork.node.net;

import com.google.common.net.InetAddresses;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The names and addresses a TLS certificate vouches for (its DNS and IP subject alternative names),
 * and whether it vouches for the address a node is reached at — what a client's hostname check will
 * demand of it.
 */
public final class CertifiedNames {
  private static final int DNS = 2;
  private static final int IP = 7;

  private CertifiedNames() {}

  /** The DNS names and IP addresses in the certificate's subject alternative names. */
  public static List<String> of(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    Collection<List<?>> entries;
    try {
      entries = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return names;
    }
    if (entries == null) {
      return names;
    }
    for (List<?> entry : entries) {
      int type = (Integer) entry.get(0);
      if (type == DNS || type == IP) {
        names.add(String.valueOf(entry.get(1)));
      }
    }
    return names;
  }

  /**
   * Whether the certificate vouches for {@code host}: an IP address must be one of its IP names
   * (compared as addresses, so {@code ::1} and {@code 0:0:0:0:0:0:0:1} match), a host name one of
   * its DNS names (case-insensitive).
   */
  public static boolean covers(X509Certificate certificate, String host) {
    boolean ip = InetAddresses.isInetAddress(host);
    for (String name : of(certificate)) {
      if (ip && InetAddresses.isInetAddress(name)) {
        if (InetAddresses.forString(name).equals(InetAddresses.forString(host))) {
          return true;
        }
      } else if (!ip && name.toLowerCase(Locale.ROOT).equals(host.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }
}
