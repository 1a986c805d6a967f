package io.patchwork.node.api;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import io.patchwork.node.net.CertifiedNames;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where a host's nodes listen ({@code bind}: an interface's IP, or {@code 0.0.0.0} / {@code ::} for
 * every interface), the name or IP other machines reach them at ({@code advertised}, written into
 * the ledger config and carried by each node's TLS certificate) and the ports they may take ({@code
 * ports}). Loopback for both addresses is the local default; a consortium across machines sets
 * {@code advertised} to a name or IP the other members can reach, and a firewall opens {@code
 * ports}.
 */
public record NodeAddresses(String bind, String advertised, NodePorts ports) {
  private static final String LOOPBACK = "127.0.0.1";

  /**
   * @throws IllegalArgumentException if {@code bind} is no IP address, or {@code advertised} is no
   *     host name or IP address others could reach (the wildcard addresses are not)
   */
  public NodeAddresses {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(advertised, "advertised");
    Objects.requireNonNull(ports, "ports");
    if (!InetAddresses.isInetAddress(bind)) {
      throw new IllegalArgumentException(
          "the bind address '" + bind + "' is not an IP address (0.0.0.0 binds every interface)");
    }
    if (InetAddresses.isInetAddress(advertised)) {
      if (InetAddresses.forString(advertised).isAnyLocalAddress()) {
        throw new IllegalArgumentException(
            "nodes cannot be reached at " + advertised + ": advertise a name or IP members reach");
      }
    } else if (!InternetDomainName.isValid(advertised) && !advertised.equals("localhost")) {
      throw new IllegalArgumentException(
          "the advertised address '" + advertised + "' is neither an IP address nor a host name");
    }
  }

  /** Listening on {@code bind}, advertised at {@code advertised}, on the default ports. */
  public NodeAddresses(String bind, String advertised) {
    this(bind, advertised, NodePorts.DEFAULT);
  }

  /** The same bind address and ports, advertised at {@code host} instead. */
  public NodeAddresses advertisedAt(String host) {
    return new NodeAddresses(bind, host, ports);
  }

  /** Both on loopback: a single machine. */
  public static NodeAddresses loopback() {
    return new NodeAddresses(LOOPBACK, LOOPBACK);
  }

  /** Listening on {@code bind} and advertised at the same address. */
  public static NodeAddresses at(String address) {
    return new NodeAddresses(address, address);
  }

  /** Whether the advertised address is this machine's loopback. */
  public boolean isLoopback() {
    return isLoopback(advertised);
  }

  /**
   * The DNS names a TLS certificate of a node reached at {@code advertised} carries: the name
   * itself (none for an IP), and {@code localhost} for a loopback address.
   */
  public static List<String> certifiedNames(String advertised) {
    Set<String> names = new LinkedHashSet<>();
    if (!InetAddresses.isInetAddress(advertised)) {
      names.add(advertised);
    }
    if (isLoopback(advertised)) {
      names.add("localhost");
    }
    return List.copyOf(names);
  }

  /**
   * The IP addresses a TLS certificate of a node reached at {@code advertised} carries: the IP
   * itself (none for a name), and the loopback IP for a loopback address.
   */
  public static List<InetAddress> certifiedIps(String advertised) {
    Set<InetAddress> ips = new LinkedHashSet<>();
    if (InetAddresses.isInetAddress(advertised)) {
      ips.add(InetAddresses.forString(advertised));
    }
    if (isLoopback(advertised)) {
      ips.add(InetAddress.getLoopbackAddress());
    }
    return List.copyOf(ips);
  }

  /**
   * Whether a TLS certificate names {@code address} (an IP among its IP names, a host name among
   * its DNS names): what clients' hostname checks demand of it.
   */
  public static boolean certifies(X509Certificate certificate, String address) {
    return CertifiedNames.covers(certificate, address);
  }

  private static boolean isLoopback(String address) {
    return address.equals("localhost")
        || (InetAddresses.isInetAddress(address)
            && InetAddresses.forString(address).isLoopbackAddress());
  }
}
