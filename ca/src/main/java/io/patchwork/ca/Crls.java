package io.patchwork.ca;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;

/** What a CRL says: its CRL number and the serials it revokes. */
public final class Crls {
  private Crls() {}

  /** The CRL's number (the cRLNumber extension), if it has one. */
  public static Optional<BigInteger> number(X509CRL crl) {
    byte[] value = crl.getExtensionValue(Extension.cRLNumber.getId());
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          ASN1Integer.getInstance(ASN1OctetString.getInstance(value).getOctets()).getValue());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the CRL's number cannot be read", e);
    }
  }

  /** The serial numbers the CRL revokes. */
  public static Set<BigInteger> revokedSerials(X509CRL crl) {
    Set<BigInteger> serials = new TreeSet<>();
    Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
    if (entries != null) {
      entries.forEach(entry -> serials.add(entry.getSerialNumber()));
    }
    return serials;
  }
}
