package io.patchwork.ca;

/** What a leaf certificate is for; it decides key usages and extended key usages. */
public enum CertificateProfile {
  /**
   * A Fabric signing identity ({@code signcerts/}): key usage digitalSignature, no extended key
   * usage.
   */
  SIGNING,
  /**
   * A TLS identity: key usage digitalSignature (and keyEncipherment for RSA), extended key usage
   * clientAuth, plus serverAuth for peers and orderers, which must name at least one DNS name or IP
   * address.
   */
  TLS
}
